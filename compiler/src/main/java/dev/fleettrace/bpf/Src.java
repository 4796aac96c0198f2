package dev.fleettrace.bpf;

/** The source operand of an ALU or jump instruction: a register ({@code BPF_X}) or an immediate ({@code BPF_K}). */
public sealed interface Src permits Reg, Src.Imm {

    /** A 32-bit immediate, sign-extended to 64 bits by ALU64 and JMP operations. */
    record Imm(int value) implements Src {}

    static Imm imm(int value) {
        return new Imm(value);
    }
}
