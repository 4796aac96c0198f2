package dev.fleettrace.compiler.sema;

import dev.fleettrace.compiler.facts.TracepointFormat;
import dev.fleettrace.compiler.facts.btf.Btf;
import dev.fleettrace.compiler.facts.elf.UsdtArgument;
import java.util.List;

/** One attach point after parsing and wildcard expansion. */
public sealed interface ProbeTarget {

    /** The name bpftrace gives it: what {@code probe} evaluates to and {@code -l} lists. */
    String probeName();

    /** Runs on the agents' kernels, as opposed to on the coordinator. */
    default boolean kernel() {
        return true;
    }

    record Begin() implements ProbeTarget {
        @Override
        public String probeName() {
            return "BEGIN";
        }
    }

    /** Runs once on the coordinator, against the fleet's merged state, after every agent's final delta. */
    record End() implements ProbeTarget {
        @Override
        public String probeName() {
            return "END";
        }

        @Override
        public boolean kernel() {
            return false;
        }
    }

    record Tracepoint(TracepointFormat format) implements ProbeTarget {
        @Override
        public String probeName() {
            return "tracepoint:" + format.category() + ":" + format.event();
        }
    }

    /**
     * {@code interval:s:N}: runs on the coordinator once per tick for the fleet. {@code unit} as
     * written (s, ms, us, hz) keeps the probe name bpftrace prints.
     */
    record Interval(String unit, long value, long periodNs) implements ProbeTarget {
        @Override
        public String probeName() {
            return "interval:" + unit + ":" + value;
        }

        @Override
        public boolean kernel() {
            return false;
        }
    }

    /** {@code kprobe:FUNC[+OFFSET]} and {@code kretprobe:FUNC}, through the kprobe PMU. */
    record Kprobe(String function, long offset, boolean ret) implements ProbeTarget {
        @Override
        public String probeName() {
            return (ret ? "kretprobe:" : "kprobe:") + function + (offset != 0 ? "+" + offset : "");
        }
    }

    /**
     * {@code uprobe:PATH:SYMBOL[+OFFSET]}, {@code uprobe:PATH:ADDRESS} and {@code uretprobe:...}.
     *
     * @param symbol     the function as written after expansion, or empty for an address
     * @param address    the probed link-time address (symbol plus offset)
     * @param fileOffset where the kernel places the breakpoint: the address's offset in the file
     * @param relocatable the file is loaded at an address chosen at run time (a PIE executable or a
     *                    shared library), so its link-time addresses are off by the load bias
     */
    record Uprobe(String path, String symbol, long offset, long address, long fileOffset, boolean ret, boolean relocatable)
            implements ProbeTarget {
        @Override
        public String probeName() {
            String where = symbol.isEmpty() ? "0x" + Long.toHexString(address) : symbol + (offset != 0 ? "+" + offset : "");
            return (ret ? "uretprobe:" : "uprobe:") + path + ":" + where;
        }
    }

    /**
     * {@code usdt:PATH:[PROVIDER:]NAME}: a uprobe at the probe's file offset, with the kernel counting
     * its semaphore ({@code semaphoreOffset}, a file offset, 0 when the probe has none). {@code address}
     * is the probe's link-time address; {@code relocatable} as for {@link Uprobe}.
     */
    record Usdt(String path, String provider, String name, long address, long fileOffset, long semaphoreOffset,
                List<UsdtArgument> arguments, boolean relocatable) implements ProbeTarget {
        public Usdt {
            arguments = List.copyOf(arguments);
        }

        @Override
        public String probeName() {
            return "usdt:" + path + ":" + provider + ":" + name;
        }
    }

    /** {@code kfunc:FUNC} / {@code kretfunc:FUNC}: fentry/fexit programs, arguments typed from BTF. */
    record Kfunc(String function, boolean ret, Btf.Function signature) implements ProbeTarget {
        @Override
        public String probeName() {
            return (ret ? "kretfunc:" : "kfunc:") + function;
        }
    }

    /** {@code rawtracepoint:NAME}: the tracepoint's raw arguments as {@code arg0..N}. */
    record RawTracepoint(String name) implements ProbeTarget {
        @Override
        public String probeName() {
            return "rawtracepoint:" + name;
        }
    }

    /**
     * {@code profile:hz:N}, {@code profile:s|ms|us:N} (on every CPU), {@code software:EVENT:PERIOD},
     * {@code hardware:EVENT:PERIOD}: a perf event sampled every {@code period} events (or {@code freq}
     * times a second when {@code frequency}).
     *
     * @param provider profile, software or hardware
     * @param event    the event as written ({@code hz}, {@code cpu-clock}, {@code cycles})
     * @param value    the number as written, empty when left out
     * @param type     perf_event_attr.type (PERF_TYPE_SOFTWARE 1, PERF_TYPE_HARDWARE 0)
     * @param config   perf_event_attr.config
     */
    record PerfEvent(String provider, String event, String value, int type, long config, long period, boolean frequency)
            implements ProbeTarget {
        @Override
        public String probeName() {
            return provider + ":" + event + (value.isEmpty() ? "" : ":" + value);
        }
    }
}
