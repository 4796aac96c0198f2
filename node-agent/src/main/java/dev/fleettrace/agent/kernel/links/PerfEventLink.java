package dev.fleettrace.agent.kernel.links;

import dev.fleettrace.agent.kernel.programs.Program;
import dev.fleettrace.agent.sys.Bpf;
import dev.fleettrace.agent.sys.Errno;
import dev.fleettrace.agent.sys.Fd;
import dev.fleettrace.agent.sys.PerfEvent;
import dev.fleettrace.agent.sys.SysException;

/**
 * A program attached to a perf event: a tracepoint, a kprobe or uprobe (through their PMUs), or one CPU's
 * sampling event.
 *
 * <p>One perf event per tracepoint, opened with pid -1 on CPU 0, is enough to run the program on
 * every CPU: the perf event only installs the program in the tracepoint's program array, and the
 * tracepoint runs that array wherever it fires (verified on 6.18 by pinning the workload to each CPU).
 * The program is attached with BPF_LINK_CREATE (Linux 5.15+), else with PERF_EVENT_IOC_SET_BPF; either
 * way closing the descriptors detaches it, so the process dying detaches it too.
 */
public final class PerfEventLink implements Link {
    private final Fd perf;
    private final Fd link; // null when attached with the ioctl
    private final String what;

    private PerfEventLink(Fd perf, Fd link, String what) {
        this.perf = perf;
        this.link = link;
        this.what = what;
    }

    /** Attaches {@code program} to the tracepoint with this tracefs id. */
    public static PerfEventLink attachTracepoint(Program program, long tracepointId) {
        return attachTracepoint(program, tracepointId, true);
    }

    /** {@code allowLink} false forces the ioctl path (how kernels before 5.15 attach), for tests. */
    static PerfEventLink attachTracepoint(Program program, long tracepointId, boolean allowLink) {
        return attach(program, PerfEvent.openTracepoint(tracepointId, -1, 0), "tracepoint " + tracepointId, allowLink);
    }

    /** Attaches {@code program} to the perf event {@code perf}, which the link then owns (closed on failure too). */
    public static PerfEventLink attach(Program program, Fd perf, String what) {
        return attach(program, perf, what, true);
    }

    private static PerfEventLink attach(Program program, Fd perf, String what, boolean allowLink) {
        try {
            Fd link = null;
            if (allowLink) {
                try {
                    link = Bpf.linkCreate(program.fd(), perf, Bpf.ATTACH_PERF_EVENT);
                } catch (SysException e) {
                    // EINVAL: this kernel has no perf links; anything else is a real refusal.
                    if (e.errno() != Errno.EINVAL) throw e;
                }
            }
            if (link == null) PerfEvent.setBpf(perf, program.fd());
            try {
                PerfEvent.enable(perf);
            } catch (SysException e) {
                if (link != null) link.close();
                throw e;
            }
            return new PerfEventLink(perf, link, what);
        } catch (RuntimeException e) {
            perf.close();
            throw e;
        }
    }

    /** True when attached with BPF_LINK_CREATE, false with PERF_EVENT_IOC_SET_BPF. */
    public boolean bpfLink() {
        return link != null;
    }


    @Override
    public void close() {
        if (link != null) link.close();
        perf.close();
    }

    @Override
    public String toString() {
        return "perf event link on " + what + (link != null ? " (bpf link)" : " (ioctl)");
    }
}
