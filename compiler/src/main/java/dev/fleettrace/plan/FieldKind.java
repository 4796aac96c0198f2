package dev.fleettrace.plan;

/** How one part of a map key (or a map value) is represented canonically and printed. */
public enum FieldKind {
    /** A signed integer, printed in decimal. */
    INT,
    /** An unsigned integer, printed in decimal as unsigned 64-bit. */
    UINT,
    /** A NUL-terminated string (comm, str(), ksym(), ...), printed raw. */
    STRING,
    /** A symbolized stack (kstack/ustack), shipped as text, printed on its own lines. */
    STACK,
    /** A tuple value ({@code @x = (1, "a")}), shipped in {@link TupleLayout}'s canonical form, printed {@code (1, a)}. */
    TUPLE,
    /** An address as a key part ({@code @[curtask]}), printed {@code 0x} and lowercase hex as bpftrace prints a pointer key. */
    POINTER
}
