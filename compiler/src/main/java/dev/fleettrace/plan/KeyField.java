package dev.fleettrace.plan;

/** One key part's place in a kernel map key: {@code size} bytes at {@code offset}. */
public record KeyField(FieldKind kind, int offset, int size) {}
