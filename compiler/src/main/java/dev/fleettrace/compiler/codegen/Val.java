package dev.fleettrace.compiler.codegen;

import dev.fleettrace.bpf.Reg;

/**
 * Where an integer value lives while code is generated. Every Val survives helper calls: constants,
 * callee-saved registers and stack slots; scratch registers R0..R5 never hold a Val.
 */
sealed interface Val {

    /** Known when compiling. */
    record Const(long value) implements Val {}

    /** In a callee-saved register this value owns. */
    record InReg(Reg reg) implements Val {}

    /** In an 8-byte stack slot; {@code owned} slots may be overwritten, borrowed ones (variables) not. */
    record Slot(int offset, boolean owned) implements Val {}
}
