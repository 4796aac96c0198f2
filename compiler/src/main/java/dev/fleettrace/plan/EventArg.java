package dev.fleettrace.plan;

/** One argument of an event record: {@code size} bytes at {@code offset} in the ring buffer record. */
public record EventArg(FieldKind kind, int offset, int size) {}
