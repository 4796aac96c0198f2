package dev.fleettrace.agent.kernel;

import dev.fleettrace.agent.kernel.maps.Cpus;
import dev.fleettrace.agent.kernel.tracefs.Tracefs;
import dev.fleettrace.compiler.facts.KernelFacts;
import dev.fleettrace.compiler.facts.TracepointFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The facts of the kernel this agent runs on, read from tracefs and sysfs; formats are read once and cached. */
public final class HostKernelFacts implements KernelFacts {
    private final Tracefs tracefs;
    private final int possibleCpus;
    private final ConcurrentHashMap<String, Optional<TracepointFormat>> formats = new ConcurrentHashMap<>();
    private volatile List<String> tracepoints;

    public HostKernelFacts(Tracefs tracefs, int possibleCpus) {
        this.tracefs = tracefs;
        this.possibleCpus = possibleCpus;
    }

    /** Facts of this host. */
    public static HostKernelFacts detect() throws KernelException {
        Tracefs tracefs = KernelException.tracefs();
        return new HostKernelFacts(tracefs, Cpus.possible());
    }

    public Tracefs tracefs() {
        return tracefs;
    }

    @Override
    public Optional<TracepointFormat> tracepoint(String category, String event) {
        return formats.computeIfAbsent(category + ":" + event,
                k -> tracefs.format(category, event).map(text -> TracepointFormat.parse(category, event, text)));
    }

    @Override
    public List<String> tracepoints() {
        List<String> list = tracepoints;
        if (list == null) tracepoints = list = tracefs.tracepoints();
        return list;
    }

    @Override
    public int possibleCpus() {
        return possibleCpus;
    }
}
