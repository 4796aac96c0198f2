package dev.fleettrace.bpf;

/** A comparison that a conditional jump tests: {@code dst op src}, 64- or 32-bit. */
public record Cond(JmpOp op, Reg dst, Src src, boolean wide) {

    public static Cond of(Reg dst, JmpOp op, Src src) {
        return new Cond(op, dst, src, true);
    }

    public static Cond of(Reg dst, JmpOp op, int imm) {
        return new Cond(op, dst, Src.imm(imm), true);
    }

    public Cond negate() {
        return new Cond(op.negate(), dst, src, wide);
    }
}
