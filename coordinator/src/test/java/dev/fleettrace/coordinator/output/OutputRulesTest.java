package dev.fleettrace.coordinator.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.fleettrace.coordinator.merge.Buckets;
import dev.fleettrace.coordinator.merge.FleetState;
import dev.fleettrace.coordinator.sim.Fleet;
import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.FieldKind;
import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.schemas.MapReport;
import dev.fleettrace.schemas.MapRow;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Rules the recorded fixtures do not reach: several hosts, reports, bucket numbering facts. */
class OutputRulesTest {
    static final MapSchema START = MapSchema.of("@start", AggKind.VALUE, List.of(FieldKind.INT), FieldKind.INT);
    static final MapSchema NAME = MapSchema.of("@name", AggKind.VALUE, List.of(), FieldKind.STRING);

    @Test
    void valueMapsShowTheHostFirstWhenSeveralHostsHoldValues() {
        Fleet f = new Fleet(List.of(START, NAME), 2, 1);
        f.on(0).set("@start", 500, 7L);
        f.on(1).set("@start", 100, 7L);
        f.on(1).set("@start", 300, 8L);
        f.on(1).set("@name", "b");
        FleetState st = f.state();
        TextPrinter text = new TextPrinter();
        assertEquals("@start[host-1, 7]: 100\n@start[host-1, 8]: 300\n@start[host-0, 7]: 500\n",
                text.print(MapViews.of(st.map("@start"), HostRule.DEFAULT)));
        assertEquals("@name: b\n", text.print(MapViews.of(st.map("@name"), HostRule.DEFAULT)), "one host: as bpftrace");
        assertEquals("{\"type\": \"map\", \"data\": {\"@start\": {\"host-1,7\": 100, \"host-1,8\": 300, \"host-0,7\": 500}}}\n",
                new JsonPrinter().print(MapViews.of(st.map("@start"), HostRule.DEFAULT)));
        assertEquals("@start[7]: 100\n@start[8]: 300\n@start[7]: 500\n",
                text.print(MapViews.of(st.map("@start"), (s, hosts) -> false)), "the rule is replaceable");

        MapReport rep = MapReports.report(MapViews.of(st.map("@start"), HostRule.DEFAULT));
        assertEquals(List.of(7L), rep.getRows().getFirst().getKey(), "the host is not part of the report key");
        assertEquals("host-1", rep.getRows().getFirst().getHost());
        assertEquals(List.of(100L), rep.getRows().getFirst().getValues());
        MapRow name = MapReports.report(MapViews.of(st.map("@name"), HostRule.DEFAULT)).getRows().getFirst();
        assertEquals("b", name.getText());
        assertEquals(List.of(), name.getValues());
    }

    @Test
    void reportsCarryRowsInPrintOrder() {
        MapSchema st = MapSchema.of("@s", AggKind.STATS, List.of(FieldKind.STRING), FieldKind.INT);
        MapSchema h = MapSchema.of("@h", AggKind.HIST, List.of(), FieldKind.INT);
        Fleet f = new Fleet(List.of(st, h), 3, 2);
        for (int i = 0; i < 10; i++) f.stats("@s", i, "a");
        f.stats("@s", -7, "b");
        f.hist("@h", 5);
        FleetState state = f.state();
        MapReport r = MapReports.report(MapViews.of(state.map("@s"), HostRule.DEFAULT));
        assertEquals("@s", r.getMap().getName());
        assertEquals(List.of("b"), r.getRows().get(0).getKey());
        assertEquals(List.of(1L, -7L, -7L), r.getRows().get(0).getValues());
        assertEquals(List.of(10L, 4L, 45L), r.getRows().get(1).getValues());
        assertNull(r.getRows().get(0).getHost());
        List<Long> buckets = MapReports.report(MapViews.of(state.map("@h"), HostRule.DEFAULT)).getRows().getFirst().getValues();
        assertEquals(Buckets.HIST_SLOTS, buckets.size());
        assertEquals(1L, buckets.get(Buckets.log2Index(5)));
    }

    /** Recorded from bpftrace 0.17 (conformance case lang-curtask): a pointer key part prints 0x and lowercase hex. */
    @Test
    void pointerKeysPrintInHex() {
        MapSchema s = MapSchema.of("@hex", AggKind.COUNT, List.of(FieldKind.POINTER, FieldKind.INT), FieldKind.UINT);
        Fleet f = new Fleet(List.of(s), 2, 2);
        for (int i = 0; i < 70; i++) f.count("@hex", 0xabc000L, 7L);
        f.count("@hex", 0L, 1L);
        f.count("@hex", 0xffff888102f1b240L, 2L);
        var view = MapViews.of(f.state().map("@hex"), HostRule.DEFAULT);
        assertEquals("@hex[0x0, 1]: 1\n@hex[0xffff888102f1b240, 2]: 1\n@hex[0xabc000, 7]: 70\n", new TextPrinter().print(view));
        assertEquals("{\"type\": \"map\", \"data\": {\"@hex\": {\"0x0,1\": 1, \"0xffff888102f1b240,2\": 1, \"0xabc000,7\": 70}}}\n", new JsonPrinter().print(view));
    }

    @Test
    void stackValuesAreJoinedWithoutNewlines() {
        MapSchema s = MapSchema.of("@k", AggKind.VALUE, List.of(FieldKind.INT), FieldKind.STACK);
        Fleet f = new Fleet(List.of(s), 1, 3);
        f.set("@k", "\n        f1\n        f2\n", 1L);
        f.set("@k", "\n        g1\n", 2L);
        String out = new TextPrinter().print(MapViews.of(f.state().map("@k"), HostRule.DEFAULT));
        assertEquals("@k[1]: \n        f1\n        f2\n@k[2]: \n        g1\n\n", out);
    }

    @Test
    void bucketNumbering() {
        assertEquals(0, Buckets.log2Index(-1));
        assertEquals(0, Buckets.log2Index(Long.MIN_VALUE));
        assertEquals(1, Buckets.log2Index(0));
        assertEquals(2, Buckets.log2Index(1));
        assertEquals(3, Buckets.log2Index(2));
        assertEquals(3, Buckets.log2Index(3));
        assertEquals(4, Buckets.log2Index(4));
        assertEquals(11, Buckets.log2Index(1023), "[512, 1K)");
        assertEquals(12, Buckets.log2Index(1024), "[1K, 2K)");
        assertEquals(32, Buckets.log2Index((1L << 31) - 1));
        assertEquals(33, Buckets.log2Index(1L << 31));
        assertEquals(33, Buckets.log2Index(Long.MAX_VALUE), "0.17 saturates");
        MapSchema l = new MapSchema("@l", AggKind.LHIST, List.of(), FieldKind.INT, 1000, 60000, 7000);
        assertEquals(10, l.lhistBuckets());
        assertEquals(0, Buckets.lhistIndex(999, 1000, 60000, 7000));
        assertEquals(1, Buckets.lhistIndex(1000, 1000, 60000, 7000));
        assertEquals(8, Buckets.lhistIndex(56999, 1000, 60000, 7000));
        assertEquals(9, Buckets.lhistIndex(57000, 1000, 60000, 7000), "the partial last step is the overflow bucket");
        assertEquals(9, Buckets.lhistIndex(60000, 1000, 60000, 7000));
        assertEquals(9, Buckets.lhistIndex(Long.MAX_VALUE, 1000, 60000, 7000));
        assertEquals("1K", HistFormat.powerLabel(10));
        assertEquals("4G", HistFormat.powerLabel(32));
        assertEquals("8T", HistFormat.powerLabel(43));
        assertEquals("1536K", HistFormat.linearLabel(1536 * 1024));
        assertEquals("3M", HistFormat.linearLabel(3 * 1048576));
        assertEquals("1000", HistFormat.linearLabel(1000));
    }

    @Test
    void jsonEscapesBytesAsSignedChars() {
        assertEquals("a\\\"b\\\\c\\td\\n\\r\\u0001\\uffffffc3\\uffffffa9", JsonPrinter.escape("a\"b\\c\td\n\r\u0001é".getBytes(StandardCharsets.UTF_8)));
        assertEquals("{\"type\": \"printf\", \"data\": \"x\\n\"}\n", new JsonPrinter().printf("x\n"));
    }
}
