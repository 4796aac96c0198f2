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
 */
public record CompileOptions(List<String> params, boolean unsafe, String hostName, int mapMaxEntries, int ringbufBytes) {

    public CompileOptions {
        params = List.copyOf(params);
        if (Integer.bitCount(ringbufBytes) != 1 || ringbufBytes < 4096) throw new IllegalArgumentException("ring buffer size must be a power of two >= 4096");
    }

    public static CompileOptions defaults() {
        return new CompileOptions(List.of(), false, "localhost", 4096, 1 << 20);
    }

    public CompileOptions withHost(String host) {
        return new CompileOptions(params, unsafe, host, mapMaxEntries, ringbufBytes);
    }

    public CompileOptions withParams(List<String> p) {
        return new CompileOptions(p, unsafe, hostName, mapMaxEntries, ringbufBytes);
    }

    public CompileOptions withUnsafe(boolean u) {
        return new CompileOptions(params, u, hostName, mapMaxEntries, ringbufBytes);
    }
}
