package dev.fleettrace.bpf;

/** ALU operations with their {@code BPF_OP} bits and the operator bpftool prints. */
public enum AluOp {
    ADD(0x00, "+="), SUB(0x10, "-="), MUL(0x20, "*="), DIV(0x30, "/="), OR(0x40, "|="), AND(0x50, "&="),
    LSH(0x60, "<<="), RSH(0x70, ">>="), NEG(0x80, "= -"), MOD(0x90, "%="), XOR(0xa0, "^="), MOV(0xb0, "="),
    ARSH(0xc0, "s>>="), END(0xd0, "endian");

    public final int code;
    public final String symbol;

    AluOp(int code, String symbol) {
        this.code = code;
        this.symbol = symbol;
    }

    static AluOp ofCode(int code) {
        for (AluOp op : values()) if (op.code == code) return op;
        throw new IllegalArgumentException("bad ALU op bits 0x" + Integer.toHexString(code));
    }
}
