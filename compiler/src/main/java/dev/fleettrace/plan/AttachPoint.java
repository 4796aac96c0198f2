package dev.fleettrace.plan;

/** Where a program runs: one concrete, fully expanded attach point. */
public sealed interface AttachPoint {

    /** bpftrace's name for the attach point, as {@code -l} lists it and {@code probe} returns it. */
    String probeName();

    /** {@code tracepoint:category:event}, through perf_event_open of the tracepoint's id. */
    record Tracepoint(String category, String event) implements AttachPoint {
        @Override
        public String probeName() {
            return "tracepoint:" + category + ":" + event;
        }
    }

    /** {@code BEGIN}: run once on each agent (BPF_PROG_TEST_RUN) after every other probe attached. */
    record Begin() implements AttachPoint {
        @Override
        public String probeName() {
            return "BEGIN";
        }
    }

    /** {@code rawtracepoint:NAME}, through BPF_RAW_TRACEPOINT_OPEN. */
    record RawTracepoint(String name) implements AttachPoint {
        @Override
        public String probeName() {
            return "rawtracepoint:" + name;
        }
    }

    /** A kprobe or kretprobe on {@code function + offset}, through the kprobe PMU. */
    record Kprobe(String function, long offset, boolean ret) implements AttachPoint {
        @Override
        public String probeName() {
            return (ret ? "kretprobe:" : "kprobe:") + function + (offset != 0 ? "+" + offset : "");
        }
    }

    /**
     * A uprobe or uretprobe at {@code fileOffset} of {@code path}, through the uprobe PMU; a USDT probe is
     * one with the semaphore's file offset ({@code refCtrOffset}, 0 for none) for the kernel to count.
     *
     * @param name the probe's bpftrace name
     */
    record Uprobe(String name, String path, long fileOffset, boolean ret, long refCtrOffset) implements AttachPoint {
        @Override
        public String probeName() {
            return name;
        }
    }

    /**
     * {@code kfunc} / {@code kretfunc}: an fentry or fexit program, loaded against {@code btfId}, the id of
     * the kernel function in the BTF of the kernel it was compiled for.
     */
    record Kfunc(String function, boolean ret, int btfId) implements AttachPoint {
        @Override
        public String probeName() {
            return (ret ? "kretfunc:" : "kfunc:") + function;
        }
    }

    /**
     * A perf event on every CPU: {@code profile}, {@code software}, {@code hardware}.
     *
     * @param type      perf_event_attr.type
     * @param config    perf_event_attr.config
     * @param period    sample period, or frequency in Hz when {@code frequency}
     */
    record PerfEvent(String name, int type, long config, long period, boolean frequency) implements AttachPoint {
        @Override
        public String probeName() {
            return name;
        }
    }
}
