package dev.fleettrace.compiler.sema;

import dev.fleettrace.compiler.facts.TracepointFormat;

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
}
