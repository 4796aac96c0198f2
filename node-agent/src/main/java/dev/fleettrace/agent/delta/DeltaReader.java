package dev.fleettrace.agent.delta;

import dev.fleettrace.agent.kernel.LoadedProgram;
import dev.fleettrace.agent.kernel.maps.BpfMap;
import dev.fleettrace.agent.symbols.Symbolizer;
import dev.fleettrace.plan.MapBinding;
import dev.fleettrace.schemas.MapDelta;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Reads every bpftrace map of a loaded program and returns what changed since the previous read, as
 * the deltas {@link dev.fleettrace.plan.AggKind} defines: per-CPU values reduced here (sums for
 * counters, the extreme over the CPUs that hold one for min and max), unchanged keys left out, maps
 * without changes left out. The first read reports everything as a change from zero.
 *
 * <p>Kernel maps are never cleared or reset; the reader keeps the previous reduced value of every key
 * (by its raw kernel key) and ships the difference. So deltas are lossless across reads: the sum of
 * all deltas of a key equals the kernel's current value.
 *
 * <p>Not thread-safe: one reader per program, read from one thread at a time.
 */
public final class DeltaReader {
    private record Source(MapTracker tracker, BpfMap map) {}

    /**
     * How long a read waits after it bumped the epoch before it reads the min/max slots of the epoch that
     * ended: a probe that read the old epoch just before the bump finishes its write within microseconds.
     */
    static final long SETTLE_NANOS = 1_000_000;

    private final List<Source> sources = new ArrayList<>();
    private final Symbolizer symbolizer;
    private final BpfMap epochMap;
    private long epoch;

    /** A reader of every map binding of {@code program}'s plan. */
    public DeltaReader(LoadedProgram program) {
        this(program.plan().bindings(), program::map, program.plan().epochMap() >= 0 ? program.map(program.plan().epochMap()) : null);
    }

    /** A reader of {@code bindings}, whose kernel map indexes {@code maps} resolves (stack trace maps included). */
    public DeltaReader(List<MapBinding> bindings, IntFunction<BpfMap> maps) {
        this(bindings, maps, null);
    }

    /**
     * @param epochMap the one-entry array whose u64 selects the min/max slots probes write (see
     *                 {@link MapBinding}); each read increments it, so min and max ship per window. Null: it
     *                 stays 0 and they ship the extreme since the start when it moves.
     */
    public DeltaReader(List<MapBinding> bindings, IntFunction<BpfMap> maps, BpfMap epochMap) {
        this.epochMap = epochMap;
        // Stacks and symbols leave the host as text: one symbolizer serves every map that has them.
        symbolizer = bindings.stream().anyMatch(MapBinding::symbolic) ? new Symbolizer(maps) : null;
        List<Source> extremes = new ArrayList<>();
        for (MapBinding b : bindings) {
            BpfMap map = maps.apply(b.kernelMap());
            MapTracker t = MapTracker.of(b, Layout.of(map));
            if (b.symbolic()) t.symbols = symbolizer;
            Source s = new Source(t, map);
            (s.tracker() instanceof MapTracker.Extreme ? extremes : sources).add(s);
        }
        // Extremes last: the other maps' reads give the epoch bump time to settle.
        sources.addAll(extremes);
    }

    /** The changes since the previous read (everything on the first read), one {@link MapDelta} per changed map. */
    public List<MapDelta> read() {
        long closing = epoch;
        long bumped = 0;
        if (epochMap != null) {
            epochMap.update(new byte[4], le(++epoch));
            bumped = System.nanoTime();
        }
        List<MapDelta> deltas = new ArrayList<>();
        if (symbolizer != null) symbolizer.refresh();
        for (Source s : sources) {
            if (s.tracker() instanceof MapTracker.Extreme x) {
                if (bumped != 0) settle(bumped);
                bumped = 0;
                x.closing(closing, epochMap != null);
            }
            MapTracker t = s.tracker();
            t.begin();
            BpfMap.Scan scan = s.map().forEach(t::observe);
            // A batch scan sees every key present throughout it; a key-by-key scan may miss a key that
            // moved in its hash bucket, so a key it missed is looked up before it counts as gone.
            MapTracker.Confirm confirm = switch (scan) {
                case BATCH -> null;
                case NEXT_KEY -> key -> s.map().lookup(key).orElse(null);
            };
            MapDelta d = t.finish(confirm);
            if (d != null) deltas.add(d);
        }
        return deltas;
    }

    private static void settle(long since) {
        long left = since + SETTLE_NANOS - System.nanoTime();
        if (left > 0) java.util.concurrent.locks.LockSupport.parkNanos(left);
    }

    private static byte[] le(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) b[i] = (byte) (v >>> (8 * i));
        return b;
    }
}
