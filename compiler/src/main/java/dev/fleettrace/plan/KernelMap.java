package dev.fleettrace.plan;

import dev.fleettrace.bpf.MapType;

/**
 * One map to create in the kernel. Programs refer to it by {@code index} ({@code LoadMapFd}); the
 * loader replaces the index with the descriptor.
 *
 * @param name kernel object name (at most 15 characters, [A-Za-z0-9_.])
 */
public record KernelMap(int index, String name, MapType type, int keySize, int valueSize, int maxEntries, int flags) {

    public KernelMap {
        if (name.length() > 15) throw new IllegalArgumentException("kernel map name too long: " + name);
    }
}
