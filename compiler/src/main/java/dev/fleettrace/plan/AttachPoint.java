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
}
