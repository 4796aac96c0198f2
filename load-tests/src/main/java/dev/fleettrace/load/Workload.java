package dev.fleettrace.load;

import dev.fleettrace.compiler.CompileOptions;
import dev.fleettrace.compiler.Compiler;
import dev.fleettrace.compiler.codegen.ResourceAnalyser;
import dev.fleettrace.compiler.diag.CompileException;
import dev.fleettrace.compiler.diag.Source;
import dev.fleettrace.compiler.sema.MapInfo;
import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.schemas.DeltaEntry;
import dev.fleettrace.schemas.MapDelta;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What the simulated agents trace: a real bpftrace program (one map per kind, keyed by {@code tid % keys}),
 * submitted as the CLI submits it, with an interval probe so the coordinator's windows tick. The map
 * schemas the agents report when they attach come from the real compiler, as a real agent's do; only the
 * kernel is simulated: each agent makes up a window's deltas with the conventions of {@link AggKind}.
 *
 * @param keys     distinct keys per map
 * @param touch    fraction of the keys each agent updates per window (0..1]
 * @param windowMs the interval probe's period, which is the job's window
 * @param kinds    the maps, one per kind
 * @param print    what the interval block prints: the first map, every map, or nothing
 */
record Workload(int keys, double touch, long windowMs, List<Kind> kinds, Print print) {

    enum Print { FIRST, ALL, NONE }

    /** The map kinds a load can use, each with the bpftrace call that makes it. */
    enum Kind {
        COUNT("count()"),
        SUM("sum(nsecs % 1000)"),
        HIST("hist(nsecs % 100000)"),
        LHIST("lhist(nsecs % 1000, 0, 1000, 100)"),
        STATS("stats(nsecs % 1000)"),
        MIN("min(nsecs % 1000)"),
        MAX("max(nsecs % 1000)");

        final String call;

        Kind(String call) {
            this.call = call;
        }

        String map() {
            return "@" + name().toLowerCase(Locale.ROOT);
        }

        static List<Kind> parse(String csv) {
            List<Kind> out = new ArrayList<>();
            for (String s : csv.split(",")) {
                if (s.isBlank()) continue;
                try {
                    out.add(valueOf(s.trim().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("unknown map kind '" + s.trim() + "' (count, sum, hist, lhist, stats, min, max)");
                }
            }
            if (out.isEmpty()) throw new IllegalArgumentException("--maps names no map kind");
            return List.copyOf(out);
        }
    }

    Workload {
        if (keys < 1) throw new IllegalArgumentException("--keys must be at least 1");
        if (!(touch > 0 && touch <= 1)) throw new IllegalArgumentException("--touch must be in (0, 1]");
        if (windowMs < 10) throw new IllegalArgumentException("--window-ms must be at least 10");
        kinds = List.copyOf(kinds);
    }

    String source() {
        StringBuilder b = new StringBuilder("tracepoint:syscalls:sys_enter_getppid {\n");
        for (Kind k : kinds) b.append("  ").append(k.map()).append("[tid % ").append(keys).append("] = ").append(k.call).append(";\n");
        b.append("}\ninterval:ms:").append(windowMs).append(" {");
        switch (print) {
            case FIRST -> b.append(" print(").append(kinds.getFirst().map()).append("); ");
            case ALL -> { for (Kind k : kinds) b.append(" print(").append(k.map()).append(");"); b.append(' '); }
            case NONE -> b.append(" ");
        }
        return b.append("}\n").toString();
    }

    /** The maps as an agent reports them when it attaches, typed by the real compiler. */
    List<MapSchema> schemas() {
        try {
            var typed = Compiler.checkWithoutKernel(new Source("load.bt", source()), CompileOptions.defaults());
            List<MapSchema> out = new ArrayList<>();
            for (MapInfo m : typed.maps().values()) out.add(ResourceAnalyser.schema(m));
            return out;
        } catch (CompileException e) {
            throw new IllegalStateException("the load program does not compile:\n" + e.render(), e);
        }
    }

    /** The canonical key of integer key {@code k}: 8 bytes, big-endian. */
    static ByteBuffer key(int k) {
        return ByteBuffer.allocate(8).putLong(0, k);
    }

    /**
     * One agent's deltas for one window: every map, the touched keys (a random subset when touch &lt; 1),
     * values as its kernel would have counted them. Adds them to {@code expected} as it goes.
     */
    List<MapDelta> window(List<MapSchema> schemas, SplittableRandom rnd, Expected expected) {
        List<MapDelta> maps = new ArrayList<>(schemas.size());
        int n = Math.max(1, (int) Math.round(keys * touch));
        for (MapSchema s : schemas) {
            List<DeltaEntry> entries = new ArrayList<>(n);
            int first = n == keys ? 0 : rnd.nextInt(keys);
            for (int i = 0; i < n; i++) {
                int k = (first + i) % keys;
                entries.add(new DeltaEntry(key(k), values(s, rnd), null, false));
            }
            expected.add(s.name(), entries);
            maps.add(new MapDelta(s.name(), entries));
        }
        return maps;
    }

    private static List<Long> values(MapSchema s, SplittableRandom rnd) {
        return switch (s.kind()) {
            case COUNT -> List.of(1L + rnd.nextInt(100));
            case SUM -> List.of((long) rnd.nextInt(100_000));
            case MIN, MAX -> List.of((long) rnd.nextInt(1000));
            case AVG, STATS -> {
                long c = 1 + rnd.nextInt(100);
                yield List.of(c, c * rnd.nextInt(1000));
            }
            // A few neighbouring buckets, as a window of nsecs-like values fills them.
            case HIST -> histPairs(1 + rnd.nextInt(30), 1 + rnd.nextInt(3), rnd);
            case LHIST -> histPairs(rnd.nextInt(s.lhistBuckets() - 1), 1 + rnd.nextInt(2), rnd);
            case VALUE -> throw new IllegalArgumentException("VALUE maps are not simulated");
        };
    }

    private static List<Long> histPairs(int first, int buckets, SplittableRandom rnd) {
        List<Long> v = new ArrayList<>(2 * buckets);
        for (int b = first; b < first + buckets; b++) {
            v.add((long) b);
            v.add(1L + rnd.nextInt(50));
        }
        return v;
    }

    static int stride(MapSchema s) {
        return switch (s.kind()) {
            case COUNT, SUM -> 1;
            case MIN, MAX, AVG, STATS -> 2;
            case HIST -> 65;
            case LHIST -> s.lhistBuckets();
            case VALUE -> throw new IllegalArgumentException("VALUE");
        };
    }

    static boolean isExtreme(AggKind k) {
        return k == AggKind.MIN || k == AggKind.MAX;
    }
}
