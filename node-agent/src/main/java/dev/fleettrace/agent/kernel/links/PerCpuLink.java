package dev.fleettrace.agent.kernel.links;

import dev.fleettrace.agent.kernel.programs.Program;
import dev.fleettrace.agent.sys.PerfEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * A program attached to a sampling perf event on every CPU ({@code profile}, {@code software},
 * {@code hardware}): unlike a tracepoint, a sampling event only fires on the CPU it was opened for,
 * so there is one event, and one link, per online CPU.
 */
public final class PerCpuLink implements Link {
    private final List<PerfEventLink> links;
    private final String what;

    private PerCpuLink(List<PerfEventLink> links, String what) {
        this.links = List.copyOf(links);
        this.what = what;
    }

    /** Opens {@code attr} on each of {@code cpus} for every process and attaches {@code program}; all or nothing. */
    public static PerCpuLink attach(Program program, PerfEvent.Attr attr, List<Integer> cpus, String what) {
        List<PerfEventLink> links = new ArrayList<>(cpus.size());
        try {
            for (int cpu : cpus) links.add(PerfEventLink.attach(program, PerfEvent.open(attr, -1, cpu), what + " on CPU " + cpu));
            return new PerCpuLink(links, what);
        } catch (RuntimeException e) {
            links.forEach(PerfEventLink::close);
            throw e;
        }
    }

    public int cpus() {
        return links.size();
    }

    @Override
    public void close() {
        links.forEach(PerfEventLink::close);
    }

    @Override
    public String toString() {
        return what + " on " + links.size() + " CPUs";
    }
}
