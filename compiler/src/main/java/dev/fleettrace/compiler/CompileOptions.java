package dev.fleettrace.compiler;

import java.util.List;

/**
 * Inputs to a compilation besides the source and the kernel facts.
 *
 * @param params        positional parameters $1..$N
 * @param unsafe        allow system(), signal(), override()
 * @param hostName      what the {@code host} builtin evaluates to (the agent's host identity)
 * @param mapMaxEntries capacity of each hash map (bpftrace's default is 4096)
 * @param ringbufBytes  size of the ring buffer carrying printf and other events (a power of two)
 * @param startNanos    the job's start on this host's monotonic clock (bpf_ktime_get_ns), for {@code elapsed}
 */
public record CompileOptions(List<String> params, boolean unsafe, String hostName, int mapMaxEntries, int ringbufBytes, long startNanos) {

    public CompileOptions(List<String> params, boolean unsafe, String hostName, int mapMaxEntries, int ringbufBytes) {
        this(params, unsafe, hostName, mapMaxEntries, ringbufBytes, 0);
    }

    public CompileOptions {
        params = List.copyOf(params);
        if (Integer.bitCount(ringbufBytes) != 1 || ringbufBytes < 4096) throw new IllegalArgumentException("ring buffer size must be a power of two >= 4096");
    }

    public static CompileOptions defaults() {
        return new CompileOptions(List.of(), false, "localhost", 4096, 1 << 20);
    }

    public CompileOptions withHost(String host) {
        return new CompileOptions(params, unsafe, host, mapMaxEntries, ringbufBytes, startNanos);
    }

    public CompileOptions withParams(List<String> p) {
        return new CompileOptions(p, unsafe, hostName, mapMaxEntries, ringbufBytes, startNanos);
    }

    public CompileOptions withUnsafe(boolean u) {
        return new CompileOptions(params, u, hostName, mapMaxEntries, ringbufBytes, startNanos);
    }

    public CompileOptions withStartNanos(long t) {
        return new CompileOptions(params, unsafe, hostName, mapMaxEntries, ringbufBytes, t);
    }
}
