package dev.fleettrace.bpf;

/** Program types ({@code enum bpf_prog_type}) fleettrace loads. */
public enum ProgType {
    KPROBE(2), TRACEPOINT(5), PERF_EVENT(7), RAW_TRACEPOINT(17), TRACING(26);

    public final int id;

    ProgType(int id) {
        this.id = id;
    }
}
