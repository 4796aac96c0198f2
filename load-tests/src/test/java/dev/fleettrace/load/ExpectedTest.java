package dev.fleettrace.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.schemas.MapDelta;
import dev.fleettrace.schemas.MapReport;
import dev.fleettrace.schemas.MapRow;
import dev.fleettrace.schemas.Report;
import dev.fleettrace.schemas.ReportKind;
import dev.fleettrace.transport.SchemaCodec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The runner's exactness check can say DIFFERENT: it compares every key and value of every map. */
class ExpectedTest {

    private final Workload workload = new Workload(5, 1.0, 1000, List.of(Workload.Kind.values()), Workload.Print.FIRST);
    private final List<MapSchema> schemas = workload.schemas();

    @Test
    void theSchemasComeFromTheCompiler() {
        assertEquals(List.of("@count", "@sum", "@hist", "@lhist", "@stats", "@min", "@max"), schemas.stream().map(MapSchema::name).toList());
        assertEquals(12, schemas.get(3).lhistBuckets());
    }

    @Test
    void agreesWithAnExactReportAndFindsEveryKindOfDifference() {
        Expected expected = new Expected(schemas, 5);
        // Two agents, two windows each: what the coordinator must merge.
        List<List<MapDelta>> sent = new ArrayList<>();
        for (int i = 0; i < 4; i++) sent.add(workload.window(schemas, new SplittableRandom(i), expected));
        assertEquals(4L * 7 * 5, expected.keyUpdates());

        Report exact = report(merge(sent));
        assertEquals(List.of(), expected.differences(exact, 10));

        List<MapReport> wrong = merge(sent);
        List<Long> v = new ArrayList<>(wrong.get(0).getRows().get(2).getValues());
        v.set(0, v.get(0) + 1);
        wrong.get(0).getRows().get(2).setValues(v);
        wrong.get(5).getRows().remove(4);
        assertEquals(List.of("@count[2]: value 0 is " + v.get(0) + ", the agents sent " + (v.get(0) - 1), "@min[4]: sent, but missing from the END report"),
                expected.differences(report(wrong), 10));

        List<MapReport> missingMap = merge(sent);
        missingMap.remove(6);
        assertTrue(expected.differences(report(missingMap), 10).contains("@max: missing from the END report"));
    }

    /** An independent merge of what was sent, in the END report's row format. */
    private List<MapReport> merge(List<List<MapDelta>> sent) {
        List<MapReport> out = new ArrayList<>();
        for (int m = 0; m < schemas.size(); m++) {
            MapSchema s = schemas.get(m);
            List<MapRow> rows = new ArrayList<>();
            for (int k = 0; k < 5; k++) {
                long[] acc = new long[Workload.stride(s)];
                boolean first = true;
                for (List<MapDelta> batch : sent) {
                    for (var e : batch.get(m).getEntries()) {
                        if (e.getKey().getLong(0) != k) continue;
                        List<Long> vals = e.getValues();
                        switch (s.kind()) {
                            case COUNT, SUM -> acc[0] += vals.get(0);
                            case MIN -> acc[0] = first ? vals.get(0) : Math.min(acc[0], vals.get(0));
                            case MAX -> acc[0] = first ? vals.get(0) : Math.max(acc[0], vals.get(0));
                            case STATS -> { acc[0] += vals.get(0); acc[1] += vals.get(1); }
                            case HIST, LHIST -> { for (int i = 0; i < vals.size(); i += 2) acc[vals.get(i).intValue()] += vals.get(i + 1); }
                            default -> throw new AssertionError();
                        }
                        first = false;
                    }
                }
                List<Long> values = new ArrayList<>();
                switch (s.kind()) {
                    case COUNT, SUM, MIN, MAX -> values.add(acc[0]);
                    case STATS -> { values.add(acc[0]); values.add(acc[1] / acc[0]); values.add(acc[1]); }
                    default -> { for (long a : acc) values.add(a); }
                }
                rows.add(MapRow.newBuilder().setKey(new ArrayList<>(List.of((Object) (long) k))).setHost(null).setValues(values).setText(null).build());
            }
            out.add(MapReport.newBuilder().setMap(SchemaCodec.toRecord(s)).setRows(rows).build());
        }
        return out;
    }

    private static Report report(List<MapReport> maps) {
        return Report.newBuilder().setJob("j").setSeq(1).setTimestampMs(0).setKind(ReportKind.END).setWindow(0).setWindowEndMs(0)
                .setHosts(List.of()).setMissingHosts(List.of()).setProbes(0).setText(ByteBuffer.allocate(0)).setJson("").setStderr("")
                .setMaps(maps).setExitCode(0).setApplied(List.of()).build();
    }
}
