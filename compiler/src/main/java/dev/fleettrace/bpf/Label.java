package dev.fleettrace.bpf;

/** A position in an {@link Assembler}'s code, bound once; jumps may refer to it before it is bound. */
public final class Label {
    private final String name;
    int slot = -1;

    Label(String name) {
        this.name = name;
    }

    public boolean isBound() {
        return slot >= 0;
    }

    @Override
    public String toString() {
        return name + (slot >= 0 ? "@" + slot : "");
    }
}
