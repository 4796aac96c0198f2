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

    private final List<Source> sources = new ArrayList<>();
    private final Symbolizer symbolizer;

    /** A reader of every map binding of {@code program}'s plan. */
    public DeltaReader(LoadedProgram program) {
        this(program.plan().bindings(), program::map);
    }

    /** A reader of {@code bindings}, whose kernel map indexes {@code maps} resolves (stack trace maps included). */
    public DeltaReader(List<MapBinding> bindings, IntFunction<BpfMap> maps) {
        symbolizer = bindings.stream().anyMatch(MapBinding::symbolic) ? new Symbolizer(maps) : null;
        for (MapBinding b : bindings) {
            BpfMap map = maps.apply(b.kernelMap());
            MapTracker t = MapTracker.of(b, Layout.of(map));
            if (b.symbolic()) t.symbols = symbolizer;
            sources.add(new Source(t, map));
        }
    }

    /** The changes since the previous read (everything on the first read), one {@link MapDelta} per changed map. */
    public List<MapDelta> read() {
        List<MapDelta> deltas = new ArrayList<>();
        if (symbolizer != null) symbolizer.refresh();
        for (Source s : sources) {
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
}
