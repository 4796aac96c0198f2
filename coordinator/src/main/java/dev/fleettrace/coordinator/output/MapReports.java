package dev.fleettrace.coordinator.output;

import dev.fleettrace.transport.SchemaCodec;

import dev.fleettrace.plan.AggKind;
import dev.fleettrace.schemas.MapReport;
import dev.fleettrace.schemas.MapRow;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The structured form of a map for the reports topic: every row in print order (no top, no div). Key
 * parts are {@code long} or {@code string}; the host of a VALUE row is in {@code host}, never in the key.
 * Values: COUNT/SUM/MIN/MAX/AVG/VALUE {@code [value]} (avg: the average), STATS
 * {@code [count, average, total]}, HIST/LHIST all bucket counts by index; a string value in {@code text}.
 */
public final class MapReports {
    private MapReports() {}

    public static MapReport report(MapView map) {
        List<MapRow> rows = new ArrayList<>(map.rows().size());
        for (Row r : MapOrdering.order(map)) {
            List<Object> parts = map.hostShown() ? r.key().subList(1, r.key().size()) : r.key();
            List<Object> key = new ArrayList<>(parts.size());
            for (Object p : parts) key.add(p instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : p);
            List<Long> values = new ArrayList<>();
            String text = null;
            switch (r.value()) {
                case Row.Value.Scalar v -> values.add(v.value());
                case Row.Value.Text t when map.schema().value() == dev.fleettrace.plan.FieldKind.TUPLE -> text = Tuples.text(t.bytes());
                case Row.Value.Text t -> text = new String(t.bytes(), StandardCharsets.UTF_8);
                case Row.Value.Average a -> {
                    if (map.schema().kind() == AggKind.STATS) {
                        values.add(a.count());
                        values.add(a.average());
                        values.add(a.total());
                    } else {
                        values.add(a.average());
                    }
                }
                case Row.Value.Counts c -> { for (long n : c.counts()) values.add(n); }
            }
            rows.add(MapRow.newBuilder().setKey(key).setHost(r.host()).setValues(values).setText(text).build());
        }
        return MapReport.newBuilder().setMap(SchemaCodec.toRecord(map.schema())).setRows(rows).build();
    }
}
