package dev.fleettrace.plan;

/**
 * Turns the kernel form of a stack or symbol ({@link Symbolic}) into the text bpftrace prints for it.
 * The agent implements it with the host's stack maps, kallsyms and the processes' ELF files.
 */
@FunctionalInterface
public interface SymbolResolver {

    /**
     * The text of {@code s}, whose kernel form is at {@code offset} of {@code raw}. {@code key}: as a map
     * key prints it (bpftrace indents a stack's frames by 4 there, by 8 elsewhere).
     */
    byte[] text(Symbolic s, byte[] raw, int offset, boolean key);

    /** For plans without stacks or symbols: meeting one is a bug. */
    SymbolResolver NONE = (s, raw, offset, key) -> {
        throw new IllegalStateException("no symbol resolver for a " + s.typeName() + " value");
    };
}
