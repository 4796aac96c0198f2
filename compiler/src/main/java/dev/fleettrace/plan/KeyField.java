package dev.fleettrace.plan;

/**
 * One key part's place in a kernel map key: {@code size} bytes at {@code offset}. {@code symbolic} is
 * set when the kernel holds a stack id or an address that the agent resolves to text (then
 * {@code kind} is the printed kind, STACK or STRING, and {@code size} the kernel's bytes).
 */
public record KeyField(FieldKind kind, int offset, int size, Symbolic symbolic) {

    public KeyField(FieldKind kind, int offset, int size) {
        this(kind, offset, size, null);
    }
}
