package dev.fleettrace.bpf;

/** Conditional jump operations with their {@code BPF_OP} bits and the comparison bpftool prints. */
public enum JmpOp {
    JEQ(0x10, "=="), JGT(0x20, ">"), JGE(0x30, ">="), JSET(0x40, "&"), JNE(0x50, "!="), JSGT(0x60, "s>"),
    JSGE(0x70, "s>="), JLT(0xa0, "<"), JLE(0xb0, "<="), JSLT(0xc0, "s<"), JSLE(0xd0, "s<=");

    public final int code;
    public final String symbol;

    JmpOp(int code, String symbol) {
        this.code = code;
        this.symbol = symbol;
    }

    static JmpOp ofCode(int code) {
        for (JmpOp op : values()) if (op.code == code) return op;
        throw new IllegalArgumentException("bad jump op bits 0x" + Integer.toHexString(code));
    }

    /** The jump taken exactly when this one is not. */
    public JmpOp negate() {
        return switch (this) {
            case JEQ -> JNE;
            case JNE -> JEQ;
            case JGT -> JLE;
            case JLE -> JGT;
            case JGE -> JLT;
            case JLT -> JGE;
            case JSGT -> JSLE;
            case JSLE -> JSGT;
            case JSGE -> JSLT;
            case JSLT -> JSGE;
            case JSET -> throw new IllegalStateException("JSET has no single-instruction negation");
        };
    }

    /** The same comparison with its operands swapped ({@code a < b} is {@code b > a}). */
    public JmpOp swap() {
        return switch (this) {
            case JEQ, JNE, JSET -> this;
            case JGT -> JLT;
            case JLT -> JGT;
            case JGE -> JLE;
            case JLE -> JGE;
            case JSGT -> JSLT;
            case JSLT -> JSGT;
            case JSGE -> JSLE;
            case JSLE -> JSGE;
        };
    }
}
