package dev.fleettrace.agent.kernel.links;

import dev.fleettrace.agent.kernel.programs.Program;
import dev.fleettrace.agent.sys.Bpf;
import dev.fleettrace.agent.sys.Errno;
import dev.fleettrace.agent.sys.Fd;
import dev.fleettrace.agent.sys.PerfEvent;
import dev.fleettrace.agent.sys.SysException;

/**
 * A program attached to a tracepoint through a perf event.
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
    private final long tracepointId;

    private PerfEventLink(Fd perf, Fd link, long tracepointId) {
        this.perf = perf;
        this.link = link;
        this.tracepointId = tracepointId;
    }

    /** Attaches {@code program} to the tracepoint with this tracefs id. */
    public static PerfEventLink attachTracepoint(Program program, long tracepointId) {
        return attachTracepoint(program, tracepointId, true);
    }

    /** {@code allowLink} false forces the ioctl path (how kernels before 5.15 attach), for tests. */
    static PerfEventLink attachTracepoint(Program program, long tracepointId, boolean allowLink) {
        Fd perf = PerfEvent.openTracepoint(tracepointId, -1, 0);
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
            return new PerfEventLink(perf, link, tracepointId);
        } catch (RuntimeException e) {
            perf.close();
            throw e;
        }
    }

    /** True when attached with BPF_LINK_CREATE, false with PERF_EVENT_IOC_SET_BPF. */
    public boolean bpfLink() {
        return link != null;
    }

    public long tracepointId() {
        return tracepointId;
    }

    @Override
    public void close() {
        if (link != null) link.close();
        perf.close();
    }

    @Override
    public String toString() {
        return "perf event link on tracepoint " + tracepointId + (link != null ? " (bpf link)" : " (ioctl)");
    }
}
