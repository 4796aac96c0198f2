package dev.fleettrace.coordinator.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.DeltaBatch;
import dev.fleettrace.schemas.DeltaEntry;
import dev.fleettrace.schemas.MapDelta;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Properties of the merge, over many seeded random delta sequences of every kind. */
class MergePropertiesTest {
    private static final int ITERATIONS = 300;

    record Shipped(String host, DeltaBatch batch) {}

    static List<Shipped> fleet(Random r, List<MapSchema> schemas) {
        List<Shipped> all = new ArrayList<>();
        int hosts = 1 + r.nextInt(4);
        for (int h = 0; h < hosts; h++) {
            for (int w = 1 + r.nextInt(12); w > 0; w--) all.add(new Shipped("h" + h, Deltas.batch(schemas, r, w)));
        }
        return all;
    }

    static FleetState apply(List<MapSchema> schemas, List<Shipped> in) {
        FleetState st = new FleetState(schemas);
        for (Shipped s : in) st.apply(s.host(), s.batch());
        return st;
    }

    /** The reference: straightforward per-kind arithmetic over every delta entry. */
    static Map<String, Map<String, String>> model(List<MapSchema> schemas, List<Shipped> in) {
        Map<String, MapSchema> byName = new HashMap<>();
        schemas.forEach(s -> byName.put(s.name(), s));
        Map<String, Map<String, long[]>> acc = new TreeMap<>();
        schemas.forEach(s -> acc.put(s.name(), new TreeMap<>()));
        HexFormat hex = HexFormat.of();
        for (Shipped s : in) {
            for (MapDelta d : s.batch().getMaps()) {
                MapSchema sc = byName.get(d.getMap());
                for (DeltaEntry e : d.getEntries()) {
                    byte[] k = new byte[e.getKey().remaining()];
                    e.getKey().duplicate().get(k);
                    List<Long> v = e.getValues();
                    String key = hex.formatHex(k);
                    long[] cur = acc.get(d.getMap()).get(key);
                    switch (sc.kind()) {
                        case COUNT, SUM -> acc.get(d.getMap()).put(key, new long[] {(cur == null ? 0 : cur[0]) + v.get(0)});
                        case MIN -> acc.get(d.getMap()).put(key, new long[] {cur == null ? v.get(0) : Math.min(cur[0], v.get(0))});
                        case MAX -> acc.get(d.getMap()).put(key, new long[] {cur == null ? v.get(0) : Math.max(cur[0], v.get(0))});
                        case AVG, STATS -> acc.get(d.getMap()).put(key, new long[] {(cur == null ? 0 : cur[0]) + v.get(0), (cur == null ? 0 : cur[1]) + v.get(1)});
                        case HIST, LHIST -> {
                            long[] b = cur == null ? new long[Buckets.slots(sc)] : cur;
                            for (int i = 0; i < v.size(); i += 2) b[v.get(i).intValue()] += v.get(i + 1);
                            acc.get(d.getMap()).put(key, b);
                        }
                        case VALUE -> throw new AssertionError();
                    }
                }
            }
        }
        Map<String, Map<String, String>> out = new TreeMap<>();
        acc.forEach((name, rows) -> {
            Map<String, String> m = new TreeMap<>();
            rows.forEach((k, v) -> m.put(k, java.util.Arrays.toString(v)));
            out.put(name, m);
        });
        return out;
    }

    @Test
    void anyOrderAndAnyGroupingGiveTheSumOfTheDeltas() {
        for (int it = 0; it < ITERATIONS; it++) {
            Random r = new Random(it);
            List<MapSchema> schemas = Deltas.AGGREGATES;
            List<Shipped> all = fleet(r, schemas);
            var expected = model(schemas, all);
            assertEquals(expected, Deltas.dump(apply(schemas, all)), "seed " + it);

            List<Shipped> shuffled = new ArrayList<>(all);
            Collections.shuffle(shuffled, r);
            assertEquals(expected, Deltas.dump(apply(schemas, shuffled)), "shuffled, seed " + it);

            // regroup: consecutive runs of the shuffled list merged into one batch each
            List<Shipped> grouped = new ArrayList<>();
            for (int i = 0; i < shuffled.size(); ) {
                int n = 1 + r.nextInt(5);
                List<DeltaBatch> run = shuffled.subList(i, Math.min(shuffled.size(), i + n)).stream().map(Shipped::batch).toList();
                grouped.add(new Shipped("any", Deltas.concat(run)));
                i += n;
            }
            assertEquals(expected, Deltas.dump(apply(schemas, grouped)), "grouped, seed " + it);
        }
    }

    @Test
    void aRedeliveredRecordIsAppliedOnce() {
        for (int it = 0; it < ITERATIONS; it++) {
            Random r = new Random(1000 + it);
            List<MapSchema> schemas = Deltas.AGGREGATES;
            List<Shipped> all = fleet(r, schemas);
            Map<String, List<AgentRecord>> perHost = new TreeMap<>();
            for (Shipped s : all) {
                List<AgentRecord> q = perHost.computeIfAbsent(s.host(), h -> new ArrayList<>());
                q.add(Deltas.record(s.host(), 7, q.size() + 1, s.batch()));
            }
            // deliver: hosts interleaved, each in order, with replays of an earlier stretch now and then
            List<AgentRecord> delivery = new ArrayList<>();
            Map<String, Integer> next = new HashMap<>();
            int replays = 0;
            List<String> hosts = new ArrayList<>(perHost.keySet());
            while (!hosts.isEmpty()) {
                String h = hosts.get(r.nextInt(hosts.size()));
                List<AgentRecord> q = perHost.get(h);
                int i = next.merge(h, 1, Integer::sum);
                delivery.add(q.get(i - 1));
                if (r.nextInt(4) == 0) {
                    int from = r.nextInt(i);
                    delivery.addAll(q.subList(from, i));
                    replays += i - from;
                }
                if (i == q.size()) hosts.remove(h);
            }
            FleetState st = new FleetState(schemas);
            int refused = 0;
            for (AgentRecord rec : delivery) if (!st.offer(rec).accepted()) refused++;
            assertEquals(replays, refused, "seed " + it);
            assertEquals(model(schemas, all), Deltas.dump(st), "seed " + it);
        }
    }

    /**
     * Idempotent for every kind, plain values included: delivering any record again, anywhere later,
     * leaves the state of delivering each once, in each host's order.
     */
    @Test
    void aRedeliveredRecordOfAnyKindChangesNothing() {
        List<MapSchema> schemas = new ArrayList<>(Deltas.AGGREGATES);
        schemas.add(Deltas.VALUES);
        schemas.add(Deltas.TEXTS);
        for (int it = 0; it < ITERATIONS; it++) {
            Random r = new Random(5000 + it);
            List<Shipped> all = fleet(r, schemas);
            Map<String, Integer> seqs = new HashMap<>();
            List<AgentRecord> once = new ArrayList<>();
            for (Shipped s : all) once.add(Deltas.record(s.host(), 3, seqs.merge(s.host(), 1, Integer::sum), s.batch()));
            FleetState expected = new FleetState(schemas);
            once.forEach(expected::offer);
            List<AgentRecord> again = new ArrayList<>(once);
            for (int i = r.nextInt(once.size() + 1); i > 0; i--) again.add(r.nextInt(again.size() + 1), once.get(r.nextInt(once.size())));
            // A record redelivered before its own first delivery is a gap, not a repeat: keep each host's first deliveries in order.
            List<AgentRecord> delivery = new ArrayList<>();
            Map<String, Long> next = new HashMap<>();
            for (AgentRecord rec : again) {
                long want = next.getOrDefault(rec.getAgent(), 1L);
                if (rec.getSeq() > want) continue;
                delivery.add(rec);
                if (rec.getSeq() == want) next.put(rec.getAgent(), want + 1);
            }
            for (AgentRecord rec : once) if (rec.getSeq() >= next.getOrDefault(rec.getAgent(), 1L)) delivery.add(rec);
            FleetState got = new FleetState(schemas);
            delivery.forEach(got::offer);
            assertEquals(Deltas.dump(expected), Deltas.dump(got), "seed " + it);
        }
    }

    @Test
    void nIdenticalAgentsGiveNTimesTheAdditiveAggregatesAndTheSameMinMaxAvg() {
        for (int it = 0; it < ITERATIONS; it++) {
            Random r = new Random(2000 + it);
            List<MapSchema> schemas = Deltas.AGGREGATES;
            List<DeltaBatch> one = new ArrayList<>();
            for (int w = 1 + r.nextInt(10); w > 0; w--) one.add(Deltas.batch(schemas, r, w));
            int n = 2 + r.nextInt(6);
            FleetState single = new FleetState(schemas);
            one.forEach(b -> single.apply("a", b));
            FleetState many = new FleetState(schemas);
            for (int w = 0; w < one.size(); w++) for (int h = 0; h < n; h++) many.apply("h" + h, one.get(w));
            for (MapSchema s : schemas) {
                AggregateMap a = (AggregateMap) single.map(s.name()), b = (AggregateMap) many.map(s.name());
                assertEquals(a.size(), b.size());
                for (AggregateMap.Entry e : a.entries()) {
                    long[] x = e.values(), y = b.get(e.key());
                    switch (s.kind()) {
                        case MIN, MAX -> assertArrayEquals(x, y);
                        case COUNT, SUM, HIST, LHIST, AVG, STATS -> {
                            for (int i = 0; i < x.length; i++) assertEquals(x[i] * n, y[i], s.name() + " seed " + it);
                            if (s.kind() == AggKind.AVG || s.kind() == AggKind.STATS) {
                                // the printed average: total / count, truncated, the same for N copies
                                try {
                                    long total = Math.multiplyExact(x[1], n);
                                    if (x[0] != 0) assertEquals(x[1] / x[0], total / Math.multiplyExact(x[0], n), s.name() + " seed " + it);
                                } catch (ArithmeticException overflow) {
                                    // totals near 2^63 wrap in the kernel as here; no average to compare
                                }
                            }
                        }
                        case VALUE -> throw new AssertionError();
                    }
                }
            }
        }
    }

    @Test
    void valueMapsKeepEachHostsLatestValueWhateverTheInterleaving() {
        List<MapSchema> schemas = List.of(Deltas.VALUES, Deltas.TEXTS);
        for (int it = 0; it < ITERATIONS; it++) {
            Random r = new Random(3000 + it);
            List<Shipped> all = fleet(r, schemas);
            // model: per (host, map, key) the last assignment, unless deleted after it
            Map<String, String> model = new TreeMap<>();
            HexFormat hex = HexFormat.of();
            for (Shipped s : all) {
                for (MapDelta d : s.batch().getMaps()) {
                    for (DeltaEntry e : d.getEntries()) {
                        byte[] k = new byte[e.getKey().remaining()];
                        e.getKey().duplicate().get(k);
                        String id = d.getMap() + " " + s.host() + "/" + hex.formatHex(k);
                        if (e.getDeleted()) model.remove(id);
                        else model.put(id, e.getBytesValue() != null ? StandardCharsets.UTF_8.decode(e.getBytesValue().duplicate()).toString() : Long.toString(e.getValues().get(0)));
                    }
                }
            }
            // another interleaving of the hosts, each host's batches kept in order
            Map<String, List<Shipped>> byHost = new TreeMap<>();
            all.forEach(s -> byHost.computeIfAbsent(s.host(), h -> new ArrayList<>()).add(s));
            List<Shipped> mixed = new ArrayList<>();
            while (!byHost.isEmpty()) {
                String h = new ArrayList<>(byHost.keySet()).get(r.nextInt(byHost.size()));
                mixed.add(byHost.get(h).removeFirst());
                if (byHost.get(h).isEmpty()) byHost.remove(h);
            }
            for (List<Shipped> order : List.of(all, mixed)) {
                Map<String, String> got = new TreeMap<>();
                Deltas.dump(apply(schemas, order)).forEach((name, rows) -> rows.forEach((k, v) -> got.put(name + " " + k, v)));
                assertEquals(model, got, "seed " + it);
            }
        }
    }

    @Test
    void aNewIncarnationDropsTheHostsValuesAndKeepsItsAggregates() {
        MapSchema count = Deltas.AGGREGATES.getFirst();
        FleetState st = new FleetState(List.of(count, Deltas.VALUES));
        byte[] k = dev.fleettrace.plan.CanonicalKey.of(5L);
        DeltaBatch b = DeltaBatch.newBuilder().setWindow(1).setLast(false).setMaps(List.of(
                MapDelta.newBuilder().setMap("@c").setEntries(List.of(entry(k, 3))).build(),
                MapDelta.newBuilder().setMap("@v").setEntries(List.of(entry(k, 42))).build())).build();
        assertTrue(st.offer(Deltas.record("a", 1, 1, b)).accepted());
        assertTrue(st.offer(Deltas.record("b", 1, 1, b)).accepted());
        assertEquals(2, ((ValueMap) st.map("@v")).entries().size());
        Admission restart = st.offer(Deltas.record("a", 2, 1, b));
        assertEquals(new Admission.Accepted(0, true), restart);
        assertEquals(9, ((AggregateMap) st.map("@c")).get(k)[0]);
        // a's value came again from its new incarnation, b's stayed
        assertEquals(2, ((ValueMap) st.map("@v")).entries().size());
        assertTrue(st.offer(Deltas.record("a", 3, 1, DeltaBatch.newBuilder().setWindow(1).setLast(false).setMaps(List.of()).build())).accepted());
        assertEquals(List.of("b"), ((ValueMap) st.map("@v")).entries().stream().map(ValueMap.Entry::host).toList());
    }

    static DeltaEntry entry(byte[] key, long... values) {
        List<Long> v = new ArrayList<>();
        for (long x : values) v.add(x);
        return DeltaEntry.newBuilder().setKey(ByteBuffer.wrap(key)).setValues(v).setBytesValue(null).setDeleted(false).build();
    }

    static MapDelta delta(String map, DeltaEntry... es) {
        return MapDelta.newBuilder().setMap(map).setEntries(List.of(es)).build();
    }

    @Test
    void zeroKeepsKeysMinRestartsMaxComparesWithZeroClearAndDeleteRemove() {
        FleetState st = new FleetState(Deltas.AGGREGATES);
        byte[] k = dev.fleettrace.plan.CanonicalKey.of(1L);
        byte[] kx = dev.fleettrace.plan.CanonicalKey.of("k1");
        st.map("@mn").apply("a", delta("@mn", entry(k, 10)));
        st.map("@mx").apply("a", delta("@mx", entry(kx, 10)));
        st.map("@h").apply("a", delta("@h", entry(k, 3, 5, 4, 1)));
        st.zero("@mn");
        st.zero("@mx");
        st.zero("@h");
        assertArrayEquals(new long[] {0}, ((AggregateMap) st.map("@mn")).get(k));
        assertArrayEquals(new long[Buckets.HIST_SLOTS], ((AggregateMap) st.map("@h")).get(k));
        st.map("@mn").apply("a", delta("@mn", entry(k, 25)));
        st.map("@mx").apply("a", delta("@mx", entry(kx, -5)));
        assertArrayEquals(new long[] {25}, ((AggregateMap) st.map("@mn")).get(k), "min after zero restarts");
        assertArrayEquals(new long[] {0}, ((AggregateMap) st.map("@mx")).get(kx), "max after zero compares with 0");
        st.map("@mn").apply("a", delta("@mn", entry(k, 30)));
        assertArrayEquals(new long[] {25}, ((AggregateMap) st.map("@mn")).get(k));
        assertEquals(25, ((AggregateMap) st.map("@mn")).read(k));
        assertEquals(0, ((AggregateMap) st.map("@c")).read(k), "an absent key reads 0");
        st.map("@a").apply("a", delta("@a", entry(k, 2, -3)));
        assertEquals(-1, ((AggregateMap) st.map("@a")).read(k), "avg reads total / count, truncated");
        st.delete("@mn", k);
        assertEquals(0, st.map("@mn").size());
        st.clear("@h");
        assertEquals(0, st.map("@h").size());
        // a key that comes back after delete starts fresh
        st.map("@mn").apply("a", delta("@mn", entry(k, 99)));
        assertArrayEquals(new long[] {99}, ((AggregateMap) st.map("@mn")).get(k));
    }

    @Test
    void aBadDeltaChangesNothingAndIsNotMarkedSeen() {
        FleetState st = new FleetState(Deltas.AGGREGATES);
        byte[] k = dev.fleettrace.plan.CanonicalKey.of(1L);
        DeltaBatch bad = DeltaBatch.newBuilder().setWindow(1).setLast(false).setMaps(List.of(
                delta("@c", entry(k, 1)), delta("@h", entry(k, 65, 1)))).build();
        try {
            st.offer(Deltas.record("a", 1, 1, bad));
            throw new AssertionError("accepted a bucket past the end");
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage().contains("bucket 65"), expected.getMessage());
        }
        assertEquals(0, st.map("@c").size());
        assertEquals(0, st.tracker().lastSeq("a", 1));
        for (DeltaBatch b : List.of(
                DeltaBatch.newBuilder().setWindow(1).setLast(false).setMaps(List.of(delta("@nope", entry(k, 1)))).build(),
                DeltaBatch.newBuilder().setWindow(1).setLast(false).setMaps(List.of(delta("@a", entry(k, 1)))).build(),
                DeltaBatch.newBuilder().setWindow(1).setLast(false).setMaps(List.of(delta("@h", entry(k, 1)))).build())) {
            try {
                st.apply("a", b);
                throw new AssertionError("accepted " + b);
            } catch (IllegalArgumentException expected) {
                assertFalse(expected.getMessage().isEmpty());
            }
        }
    }

    @Test
    void aCopyIsIndependent() {
        Random r = new Random(7);
        List<MapSchema> schemas = new ArrayList<>(Deltas.AGGREGATES);
        schemas.add(Deltas.VALUES);
        FleetState st = new FleetState(schemas);
        for (int i = 0; i < 20; i++) st.apply("h" + (i % 3), Deltas.batch(schemas, r, i));
        FleetState copy = st.copy();
        var before = Deltas.dump(copy);
        assertEquals(before, Deltas.dump(st));
        for (int i = 0; i < 20; i++) st.apply("h" + (i % 3), Deltas.batch(schemas, r, i));
        st.zero("@c");
        st.clear("@v");
        assertEquals(before, Deltas.dump(copy));
        assertNotEquals(before, Deltas.dump(st));
    }
}
