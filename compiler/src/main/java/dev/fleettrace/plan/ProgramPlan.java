package dev.fleettrace.plan;

import java.util.List;

/**
 * Everything an agent needs to run one compiled program on its host.
 *
 * @param maps      kernel maps, index i at position i
 * @param probes    programs with their attach points (BEGIN among them)
 * @param bindings  the bpftrace maps and how to read them
 * @param events    ring buffer record decoders, by id at position id
 * @param ringbuf   index of the ring buffer map in {@code maps}, or -1 when no probe emits events
 * @param epochMap  index of the epoch map in {@code maps} (a one-entry array of a u64 that the agent
 *                  increments at every flush, see {@link MapBinding}), or -1 when no map needs it
 */
public record ProgramPlan(List<KernelMap> maps, List<ProbeProgram> probes, List<MapBinding> bindings, List<EventSpec> events, int ringbuf,
                          int epochMap) {

    /** A plan without min or max maps. */
    public ProgramPlan(List<KernelMap> maps, List<ProbeProgram> probes, List<MapBinding> bindings, List<EventSpec> events, int ringbuf) {
        this(maps, probes, bindings, events, ringbuf, -1);
    }

    public ProgramPlan {
        maps = List.copyOf(maps);
        probes = List.copyOf(probes);
        bindings = List.copyOf(bindings);
        events = List.copyOf(events);
        for (int i = 0; i < maps.size(); i++) if (maps.get(i).index() != i) throw new IllegalArgumentException("map " + i + " has index " + maps.get(i).index());
        for (int i = 0; i < events.size(); i++) if (events.get(i).id() != i) throw new IllegalArgumentException("event " + i + " has id " + events.get(i).id());
    }

    /** Name of the per-CPU one-entry array counting the events the ring buffer could not take. */
    public static final String LOST_MAP = "ft_lost";

    /** Index of the lost-events counter in {@code maps}, or -1 when no probe emits events. */
    public int lostMap() {
        for (KernelMap m : maps) if (m.name().equals(LOST_MAP)) return m.index();
        return -1;
    }

    public List<MapSchema> schemas() {
        return bindings.stream().map(MapBinding::schema).toList();
    }
}
