package dev.fleettrace.agent.delta;

import dev.fleettrace.agent.kernel.maps.BpfMap;
import dev.fleettrace.bpf.MapType;

/**
 * How entries of one kernel map come out of a scan: key size, value size, and per value buffer
 * {@code cpus} slots {@code stride} bytes apart (1 slot for a map that is not per-CPU).
 * {@code hashed}: an entry exists only once a probe wrote it (a hash map), so a new entry is news
 * even when its value is zero ({@code sum(0)} prints {@code @: 0}); in an array every slot exists
 * from the start and zero means never written.
 */
record Layout(int keySize, int valueSize, int cpus, int stride, boolean hashed) {

    static Layout of(BpfMap map) {
        boolean array = map.type() == MapType.ARRAY || map.type() == MapType.PERCPU_ARRAY;
        return new Layout(map.keySize(), map.valueSize(), map.cpus(), map.valueStride(), !array);
    }

    /** A per-CPU hash layout as the kernel gives it: each CPU's value rounded up to 8 bytes. */
    static Layout perCpu(int keySize, int valueSize, int cpus) {
        return new Layout(keySize, valueSize, cpus, (valueSize + 7) & ~7, true);
    }

    /** A per-CPU array of one slot. */
    static Layout perCpuArray(int valueSize, int cpus) {
        return new Layout(4, valueSize, cpus, (valueSize + 7) & ~7, false);
    }

    /** A map that is not per-CPU. */
    static Layout shared(int keySize, int valueSize) {
        return new Layout(keySize, valueSize, 1, valueSize, true);
    }

    int bufferSize() {
        return cpus * stride;
    }
}
