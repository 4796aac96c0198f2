package dev.fleettrace.bpf;

/** Map types ({@code enum bpf_map_type}) fleettrace creates. */
public enum MapType {
    HASH(1), ARRAY(2), PERF_EVENT_ARRAY(4), PERCPU_HASH(5), PERCPU_ARRAY(6), STACK_TRACE(7), RINGBUF(27);

    public final int id;

    MapType(int id) {
        this.id = id;
    }

    public boolean perCpu() {
        return this == PERCPU_HASH || this == PERCPU_ARRAY;
    }
}
