package dev.fleettrace.plan;

/**
 * One argument of an event record: {@code size} bytes at {@code offset} in the ring buffer record;
 * {@code symbolic} as in {@link KeyField}.
 */
public record EventArg(FieldKind kind, int offset, int size, Symbolic symbolic) {

    public EventArg(FieldKind kind, int offset, int size) {
        this(kind, offset, size, null);
    }
}
