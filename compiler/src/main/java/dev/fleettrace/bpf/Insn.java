package dev.fleettrace.bpf;

/**
 * One eBPF instruction. Jumps carry resolved offsets (in instructions, relative to the next one); the
 * {@link Assembler} computes them from labels. {@link LoadImm64}, {@link LoadMapFd} and
 * {@link LoadMapValue} occupy two slots, everything else one.
 */
public sealed interface Insn {

    /** Number of 8-byte slots this instruction takes in the encoded program. */
    default int slots() {
        return 1;
    }

    /** {@code dst op= src}, 64-bit ({@code ALU64}) or 32-bit ({@code ALU}, zero-extending the result). */
    record Alu(boolean wide, AluOp op, Reg dst, Src src) implements Insn {
        public Alu {
            if (op == AluOp.END) throw new IllegalArgumentException("byte swaps are Endian instructions");
        }
    }

    /** Byte swap of the low {@code bits} (16, 32, 64) of {@code dst} to big or little endian. */
    record Endian(boolean toBig, int bits, Reg dst) implements Insn {}

    /** {@code dst = imm64}. */
    record LoadImm64(Reg dst, long imm) implements Insn {
        @Override
        public int slots() {
            return 2;
        }
    }

    /**
     * {@code dst = &map}: the loader puts the map's file descriptor in place of {@code map}, the index
     * of the map in the program's plan ({@code BPF_PSEUDO_MAP_FD}).
     */
    record LoadMapFd(Reg dst, int map) implements Insn {
        @Override
        public int slots() {
            return 2;
        }
    }

    /** {@code dst = &map.value[0] + offset}, direct access to an array map's value ({@code BPF_PSEUDO_MAP_VALUE}). */
    record LoadMapValue(Reg dst, int map, int offset) implements Insn {
        @Override
        public int slots() {
            return 2;
        }
    }

    /** {@code dst = *(size *)(src + off)}. */
    record Load(Size size, Reg dst, Reg src, short off) implements Insn {}

    /** {@code *(size *)(dst + off) = src}. */
    record Store(Size size, Reg dst, short off, Reg src) implements Insn {}

    /** {@code *(size *)(dst + off) = imm}. */
    record StoreImm(Size size, Reg dst, short off, int imm) implements Insn {}

    /** {@code lock *(size *)(dst + off) += src} and the other atomic read-modify-writes. */
    record Atomic(Size size, AtomicOp op, Reg dst, short off, Reg src) implements Insn {}

    /** {@code if dst op src goto pc+off}, 64-bit ({@code JMP}) or 32-bit ({@code JMP32}) compare. */
    record Jump(boolean wide, JmpOp op, Reg dst, Src src, short off) implements Insn {}

    /** {@code goto pc+off}. */
    record Goto(short off) implements Insn {}

    /** A call of kernel helper {@code id}. */
    record Call(int id) implements Insn {}

    /** {@code exit}: return r0. */
    record Exit() implements Insn {}

    /** Atomic operations of {@code BPF_STX | BPF_ATOMIC}. */
    enum AtomicOp {
        ADD(0x00, "+="), OR(0x40, "|="), AND(0x50, "&="), XOR(0xa0, "^=");

        public final int code;
        public final String symbol;

        AtomicOp(int code, String symbol) {
            this.code = code;
            this.symbol = symbol;
        }

        static AtomicOp ofCode(int code) {
            for (AtomicOp op : values()) if (op.code == code) return op;
            throw new IllegalArgumentException("unsupported atomic op 0x" + Integer.toHexString(code));
        }
    }
}
