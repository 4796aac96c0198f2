package dev.fleettrace.agent.kernel.links;

import dev.fleettrace.agent.kernel.programs.Program;
import dev.fleettrace.agent.sys.Bpf;
import dev.fleettrace.agent.sys.Fd;

/**
 * A raw tracepoint program attached to its tracepoint, or a tracing program (fentry, fexit) attached to
 * the kernel function it was loaded for: one descriptor from BPF_RAW_TRACEPOINT_OPEN; closing it detaches.
 */
public final class RawTracepointLink implements Link {
    private final Fd fd;
    private final String what;

    private RawTracepointLink(Fd fd, String what) {
        this.fd = fd;
        this.what = what;
    }

    /** Attaches a raw tracepoint program to raw tracepoint {@code name} ({@code sched_switch}). */
    public static RawTracepointLink attach(Program program, String name) {
        return new RawTracepointLink(Bpf.rawTracepointOpen(name, program.fd()), "raw tracepoint " + name);
    }

    /** Attaches an fentry or fexit program to its function. */
    public static RawTracepointLink attachTracing(Program program) {
        return new RawTracepointLink(Bpf.rawTracepointOpen(null, program.fd()), "tracing program " + program.name());
    }

    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return what;
    }
}
