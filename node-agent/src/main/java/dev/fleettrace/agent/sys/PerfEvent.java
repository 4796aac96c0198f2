package dev.fleettrace.agent.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;

/**
 * perf_event_open(2) for tracepoints, kprobes and uprobes (through their PMUs), and sampling events
 * (profile, software, hardware), and the ioctls that attach a BPF program to a perf event.
 */
public final class PerfEvent {
    private PerfEvent() {}

    private static final int PERF_TYPE_TRACEPOINT = 2;
    /** {@code sizeof(struct perf_event_attr)}, PERF_ATTR_SIZE_VER7: every kernel since 5.x takes it. */
    private static final int ATTR_SIZE = 128;
    private static final long FLAG_DISABLED = 1, FLAG_FREQ = 1L << 10;
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

    /**
     * The parts of {@code struct perf_event_attr} fleettrace sets.
     *
     * @param type     PERF_TYPE_* or a dynamic PMU's type (kprobe, uprobe from sysfs)
     * @param config1  for kprobe/uprobe PMUs: the function name or the file path ({@code path1}, passed as a string)
     * @param config2  for kprobe/uprobe PMUs: the offset
     * @param period   sample period, or frequency when {@code frequency}; 0 for counting events (probes)
     */
    public record Attr(int type, long config, String config1, long config2, long period, boolean frequency) {
        public static Attr probe(int type, long config, String path, long offset) {
            return new Attr(type, config, path, offset, 0, false);
        }

        public static Attr sampling(int type, long config, long period, boolean frequency) {
            return new Attr(type, config, null, 0, period, frequency);
        }
    }

    /**
     * Opens a perf event, created disabled, for process {@code pid} (-1: all) on {@code cpu} (-1: any).
     * The kernel reads the path string of {@code config1} during the call only.
     */
    public static Fd open(Attr spec, int pid, int cpu) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, spec.type());
            attr.set(JAVA_INT, 4, ATTR_SIZE);
            attr.set(JAVA_LONG, 8, spec.config());
            attr.set(JAVA_LONG, 16, spec.period());
            attr.set(JAVA_LONG, 40, FLAG_DISABLED | (spec.frequency() ? FLAG_FREQ : 0));
            if (spec.config1() != null) attr.set(JAVA_LONG, 56, a.allocateFrom(spec.config1()).address());
            attr.set(JAVA_LONG, 64, spec.config2());
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
