package dev.fleettrace.coordinator.output;

import dev.fleettrace.coordinator.merge.AggregateMap;
import dev.fleettrace.coordinator.merge.FleetState;
import dev.fleettrace.coordinator.merge.MapState;
import dev.fleettrace.coordinator.merge.ValueMap;
import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.CanonicalKey;
import dev.fleettrace.plan.MapSchema;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reads merged state into {@link MapView}s. */
public final class MapViews {
    private MapViews() {}

    /** Every map of the job, by name (the order bpftrace prints them at exit). */
    public static List<MapView> of(FleetState state, HostRule rule) {
        return state.maps().values().stream().map(m -> of(m, rule)).toList();
    }

    public static MapView of(MapState state, HostRule rule) {
        MapSchema s = state.schema();
        return switch (state) {
            case AggregateMap a -> {
                List<Row> rows = new ArrayList<>(a.size());
                for (AggregateMap.Entry e : a.entries()) rows.add(new Row(CanonicalKey.decode(s.key(), e.key()), null, value(s.kind(), e.values())));
                // 0.17 keeps a key-less count() in a one-slot array map: it always has a value, 0 before
                // the first event and after clear() (recorded: "@c: 0" for a probe that never fired).
                if (rows.isEmpty() && s.kind() == AggKind.COUNT && s.scalar()) rows.add(new Row(List.of(), null, new Row.Value.Scalar(0)));
                yield new MapView(s, false, rows);
            }
            case ValueMap v -> {
                List<ValueMap.Entry> entries = v.entries();
                Set<String> hosts = new HashSet<>();
                for (ValueMap.Entry e : entries) hosts.add(e.host());
                boolean shown = rule.showHost(s, hosts);
                List<Row> rows = new ArrayList<>(entries.size());
                for (ValueMap.Entry e : entries) {
                    List<Object> key = new ArrayList<>(s.key().size() + 1);
                    if (shown) key.add(e.host().getBytes(StandardCharsets.UTF_8));
                    key.addAll(CanonicalKey.decode(s.key(), e.key()));
                    Row.Value val = e.text() != null ? new Row.Value.Text(e.text()) : new Row.Value.Scalar(e.value());
                    rows.add(new Row(key, e.host(), val));
                }
                yield new MapView(s, shown, rows);
            }
        };
    }

    private static Row.Value value(AggKind kind, long[] v) {
        return switch (kind) {
            case COUNT, SUM, MIN, MAX, VALUE -> new Row.Value.Scalar(v[0]);
            case AVG, STATS -> new Row.Value.Average(v[0], v[1]);
            case HIST, LHIST -> new Row.Value.Counts(v);
        };
    }
}
