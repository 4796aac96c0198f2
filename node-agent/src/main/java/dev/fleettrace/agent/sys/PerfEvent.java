package dev.fleettrace.agent.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;

/** perf_event_open(2) for tracepoints and the ioctls that attach a BPF program to a perf event. */
public final class PerfEvent {
    private PerfEvent() {}

    private static final int PERF_TYPE_TRACEPOINT = 2;
    /** {@code sizeof(struct perf_event_attr)}, PERF_ATTR_SIZE_VER7: every kernel since 5.x takes it. */
    private static final int ATTR_SIZE = 128;
    private static final long FLAG_DISABLED = 1;
    private static final long PERF_FLAG_FD_CLOEXEC = 1 << 3;
    private static final long IOC_ENABLE = 0x2400, IOC_DISABLE = 0x2401, IOC_SET_BPF = 0x40042408;

    /**
     * Opens a perf event on tracepoint {@code tracepointId} (from tracefs {@code events/CAT/EVENT/id}),
     * created disabled. {@code pid} -1 and {@code cpu} 0 is what libbpf uses: a BPF program attached to
     * a tracepoint runs from the tracepoint itself on every CPU, whatever CPU the event is bound to.
     */
    public static Fd openTracepoint(long tracepointId, int pid, int cpu) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, PERF_TYPE_TRACEPOINT);
            attr.set(JAVA_INT, 4, ATTR_SIZE);
            attr.set(JAVA_LONG, 8, tracepointId);
            attr.set(JAVA_LONG, 40, FLAG_DISABLED);
            long fd = Native.check("perf_event_open", Native.SYS_PERF_EVENT_OPEN, attr.address(), pid, cpu, -1, PERF_FLAG_FD_CLOEXEC, 0);
            return Fd.own(fd, "perf_event");
        }
    }

    /** PERF_EVENT_IOC_SET_BPF: the pre-5.15 way to attach a program (detached when the perf event closes). */
    public static void setBpf(Fd perf, Fd prog) {
        ioctl("PERF_EVENT_IOC_SET_BPF", perf, IOC_SET_BPF, prog.raw());
        Reference.reachabilityFence(prog);
    }

    public static void enable(Fd perf) {
        ioctl("PERF_EVENT_IOC_ENABLE", perf, IOC_ENABLE, 0);
    }

    public static void disable(Fd perf) {
        ioctl("PERF_EVENT_IOC_DISABLE", perf, IOC_DISABLE, 0);
    }

    private static void ioctl(String op, Fd fd, long request, long arg) {
        try {
            Native.check(op, Native.SYS_IOCTL, fd.raw(), request, arg, 0, 0, 0);
        } finally {
            Reference.reachabilityFence(fd);
        }
    }
}
