package dev.fleettrace.coordinator.sim;

import dev.fleettrace.transport.SchemaCodec;
import dev.fleettrace.coordinator.merge.Buckets;
import dev.fleettrace.coordinator.merge.FleetState;

import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.CanonicalKey;
import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.DeltaBatch;
import dev.fleettrace.schemas.DeltaEntry;
import dev.fleettrace.schemas.JobState;
import dev.fleettrace.schemas.JobStatus;
import dev.fleettrace.schemas.MapDelta;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Simulated agents: probe updates ({@code @m[k] = count()}, ...) go to a random agent's current flush
 * window; windows close at random; each agent ships its windows as delta records the way
 * {@link AggKind} says, after a JobStatus that declares the maps. {@link #records()} interleaves the
 * agents' records (each agent's in order, as one partition keeps them) and redelivers some.
 */
public final class Fleet {
    private final Map<String, MapSchema> schemas = new TreeMap<>();
    private final Random rnd;
    private final List<Agent> agents = new ArrayList<>();
    private final double flushChance;

    public Fleet(List<MapSchema> schemas, int agents, long seed) {
        this(schemas, agents, seed, 0.02);
    }

    public Fleet(List<MapSchema> schemas, int agents, long seed, double flushChance) {
        for (MapSchema s : schemas) this.schemas.put(s.name(), s);
        this.rnd = new Random(seed);
        this.flushChance = flushChance;
        for (int i = 0; i < agents; i++) this.agents.add(new Agent("host-" + i, 1000 + i));
    }

    public List<MapSchema> schemas() {
        return List.copyOf(schemas.values());
    }

    // ---- probe updates -------------------------------------------------------------------------

    public void count(String map, Object... key) {
        update(map, key, 1);
    }

    public void sum(String map, long v, Object... key) {
        update(map, key, v);
    }

    public void min(String map, long v, Object... key) {
        update(map, key, v);
    }

    public void max(String map, long v, Object... key) {
        update(map, key, v);
    }

    public void avg(String map, long v, Object... key) {
        update(map, key, v);
    }

    public void stats(String map, long v, Object... key) {
        update(map, key, v);
    }

    public void hist(String map, long v, Object... key) {
        update(map, key, Buckets.log2Index(v));
    }

    public void lhist(String map, long v, Object... key) {
        MapSchema s = schema(map);
        update(map, key, Buckets.lhistIndex(v, s.lhistMin(), s.lhistMax(), s.lhistStep()));
    }

    /** A plain assignment; a String value for string maps. */
    public void set(String map, Object value, Object... key) {
        Window w = pick().window;
        Acc a = w.acc(map, key);
        a.deleted = false;
        if (value instanceof String s) a.text = s.getBytes(StandardCharsets.UTF_8);
        else a.value = ((Number) value).longValue();
    }

    private MapSchema schema(String map) {
        MapSchema s = schemas.get(map);
        if (s == null) throw new IllegalArgumentException("no schema " + map);
        return s;
    }

    private int pinned = -1;

    /** Sends the following updates to agent {@code i} only (-1: to random agents again). */
    public Fleet on(int i) {
        pinned = i;
        return this;
    }

    /** {@code delete(@m[key])} run by a probe on the current agent. */
    public void delete(String map, Object... key) {
        Acc a = pick().window.acc(map, key);
        a.deleted = true;
        a.text = null;
    }

    private Agent pick() {
        Agent a = agents.get(pinned >= 0 ? pinned : rnd.nextInt(agents.size()));
        if (rnd.nextDouble() < flushChance) a.flush();
        return a;
    }

    private void update(String map, Object[] key, long v) {
        MapSchema s = schema(map);
        // What 0.17's kernel code keeps (recorded in begin-values): min() stores 0xffffffff - v, and only
        // while that is >= 0, so values above 2^32-1 never count and 2^32-1 alone reads back as 0; max()
        // compares against 0 for a missing key, so negative values never count.
        if (s.kind() == AggKind.MIN && v > 0xffffffffL) return;
        if (s.kind() == AggKind.MAX && v < 0) return;
        Acc a = pick().window.acc(map, key);
        switch (s.kind()) {
            case COUNT -> a.value += 1;
            case SUM -> a.value += v;
            case MIN -> {
                if (v != 0xffffffffL && (!a.hasBest || v < a.value)) { a.value = v; a.hasBest = true; }
            }
            case MAX -> { if (!a.seen || v > a.value) a.value = v; }
            case AVG, STATS -> { a.count++; a.value += v; }
            case HIST, LHIST -> a.buckets.merge(v, 1L, Long::sum);
            case VALUE -> throw new IllegalArgumentException("use set() for VALUE maps");
        }
        a.seen = true;
    }

    // ---- records ---------------------------------------------------------------------------------

    /** Every agent's records, flushed, interleaved at random, with about 10% redelivered. */
    public List<AgentRecord> records() {
        for (Agent a : agents) a.flush();
        List<List<AgentRecord>> queues = new ArrayList<>();
        for (Agent a : agents) queues.add(new ArrayList<>(a.shipped));
        List<AgentRecord> out = new ArrayList<>();
        int[] next = new int[queues.size()];
        int left = queues.stream().mapToInt(List::size).sum();
        while (left > 0) {
            int q = rnd.nextInt(queues.size());
            if (next[q] == queues.get(q).size()) continue;
            out.add(queues.get(q).get(next[q]++));
            left--;
            if (rnd.nextDouble() < 0.1) {
                // a consumer restart: some of this agent's records come again, in order
                int from = rnd.nextInt(next[q]);
                out.addAll(queues.get(q).subList(from, next[q]));
            }
        }
        return out;
    }

    /** A fresh state fed with {@link #records()}; checks that exactly the redeliveries were refused. */
    public FleetState state() {
        FleetState st = new FleetState(List.of());
        int duplicates = 0;
        List<AgentRecord> recs = records();
        for (AgentRecord r : recs) if (!st.offer(r).accepted()) duplicates++;
        int shipped = agents.stream().mapToInt(a -> a.shipped.size()).sum();
        if (recs.size() - duplicates != shipped) throw new AssertionError("applied " + (recs.size() - duplicates) + " records of " + shipped);
        return st;
    }

    // ---- one agent -------------------------------------------------------------------------------

    private static final class Acc {
        long value;
        long count;
        boolean seen;
        boolean hasBest;
        boolean deleted;
        byte[] text;
        final TreeMap<Long, Long> buckets = new TreeMap<>();
    }

    private final class Window {
        final Map<String, LinkedHashMap<ByteBuffer, Acc>> maps = new LinkedHashMap<>();

        Acc acc(String map, Object[] key) {
            ByteBuffer k = ByteBuffer.wrap(CanonicalKey.of(key));
            return maps.computeIfAbsent(map, m -> new LinkedHashMap<>()).computeIfAbsent(k, x -> new Acc());
        }
    }

    private final class Agent {
        final String host;
        final long incarnation;
        long seq;
        long windowNumber = 1;
        Window window = new Window();
        final List<AgentRecord> shipped = new ArrayList<>();

        Agent(String host, long incarnation) {
            this.host = host;
            this.incarnation = incarnation;
            JobStatus status = JobStatus.newBuilder().setState(JobState.ATTACHED).setProbes(1)
                    .setMaps(schemas.values().stream().map(SchemaCodec::toRecord).toList()).build();
            ship(status);
        }

        void ship(Object body) {
            shipped.add(AgentRecord.newBuilder().setJob("job").setAgent(host).setIncarnation(incarnation)
                    .setSeq(++seq).setTimestampMs(0).setBody(body).build());
        }

        void flush() {
            if (window.maps.isEmpty()) return;
            List<MapDelta> deltas = new ArrayList<>();
            window.maps.forEach((name, accs) -> {
                MapSchema s = schemas.get(name);
                List<DeltaEntry> entries = new ArrayList<>();
                accs.forEach((key, a) -> entries.add(entry(s, key, a)));
                deltas.add(MapDelta.newBuilder().setMap(name).setEntries(entries).build());
            });
            ship(DeltaBatch.newBuilder().setWindow(windowNumber++).setLast(false).setMaps(deltas).build());
            window = new Window();
        }
    }

    private static DeltaEntry entry(MapSchema s, ByteBuffer key, Acc a) {
        List<Long> values = switch (s.kind()) {
            case COUNT, SUM, MAX -> List.of(a.value);
            case MIN -> List.of(a.hasBest ? a.value : 0L);
            case AVG, STATS -> List.of(a.count, a.value);
            case HIST, LHIST -> {
                List<Long> v = new ArrayList<>();
                a.buckets.forEach((b, n) -> { v.add(b); v.add(n); });
                yield v;
            }
            case VALUE -> a.text != null || a.deleted ? List.of() : List.of(a.value);
        };
        return DeltaEntry.newBuilder().setKey(key.duplicate()).setValues(values)
                .setBytesValue(a.text == null ? null : ByteBuffer.wrap(a.text)).setDeleted(a.deleted).build();
    }

}
