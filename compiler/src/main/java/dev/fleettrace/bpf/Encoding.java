package dev.fleettrace.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * The kernel's binary form of instructions ({@code struct bpf_insn}, 8 bytes each, little endian on
 * x86-64): {@code code:8 dst:4 src:4 off:16 imm:32}.
 */
public final class Encoding {
    private Encoding() {}

    static final int LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, JMP32 = 0x06, ALU64 = 0x07;
    static final int K = 0x00, X = 0x08;
    static final int MEM = 0x60, IMM = 0x00, ATOMIC = 0xc0;
    static final int JA = 0x00, CALL = 0x80, EXIT = 0x90;
    public static final int PSEUDO_MAP_FD = 1, PSEUDO_MAP_VALUE = 2;

    /** Encodes {@code insns}; map references become the descriptors {@code fdOfMap} gives for each map index. */
    public static byte[] encode(List<Insn> insns, IntUnaryOperator fdOfMap) {
        int slots = insns.stream().mapToInt(Insn::slots).sum();
        ByteBuffer b = ByteBuffer.allocate(slots * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (Insn insn : insns) {
            switch (insn) {
                case Insn.Alu(boolean wide, AluOp op, Reg dst, Src src) -> {
                    int cls = wide ? ALU64 : ALU;
                    if (src instanceof Reg r) put(b, cls | op.code | X, dst.num(), r.num(), 0, 0);
                    else put(b, cls | op.code | K, dst.num(), 0, 0, ((Src.Imm) src).value());
                }
                case Insn.Endian(boolean toBig, int bits, Reg dst) -> put(b, ALU | AluOp.END.code | (toBig ? X : K), dst.num(), 0, 0, bits);
                case Insn.LoadImm64(Reg dst, long imm) -> {
                    put(b, LD | IMM | Size.DW.code, dst.num(), 0, 0, (int) imm);
                    put(b, 0, 0, 0, 0, (int) (imm >>> 32));
                }
                case Insn.LoadMapFd(Reg dst, int map) -> {
                    put(b, LD | IMM | Size.DW.code, dst.num(), PSEUDO_MAP_FD, 0, fdOfMap.applyAsInt(map));
                    put(b, 0, 0, 0, 0, 0);
                }
                case Insn.LoadMapValue(Reg dst, int map, int offset) -> {
                    put(b, LD | IMM | Size.DW.code, dst.num(), PSEUDO_MAP_VALUE, 0, fdOfMap.applyAsInt(map));
                    put(b, 0, 0, 0, 0, offset);
                }
                case Insn.Load(Size size, Reg dst, Reg src, short off) -> put(b, LDX | MEM | size.code, dst.num(), src.num(), off, 0);
                case Insn.Store(Size size, Reg dst, short off, Reg src) -> put(b, STX | MEM | size.code, dst.num(), src.num(), off, 0);
                case Insn.StoreImm(Size size, Reg dst, short off, int imm) -> put(b, ST | MEM | size.code, dst.num(), 0, off, imm);
                case Insn.Atomic(Size size, Insn.AtomicOp op, Reg dst, short off, Reg src) -> put(b, STX | ATOMIC | size.code, dst.num(), src.num(), off, op.code);
                case Insn.Jump(boolean wide, JmpOp op, Reg dst, Src src, short off) -> {
                    int cls = wide ? JMP : JMP32;
                    if (src instanceof Reg r) put(b, cls | op.code | X, dst.num(), r.num(), off, 0);
                    else put(b, cls | op.code | K, dst.num(), 0, off, ((Src.Imm) src).value());
                }
                case Insn.Goto(short off) -> put(b, JMP | JA, 0, 0, off, 0);
                case Insn.Call(int id) -> put(b, JMP | CALL, 0, 0, 0, id);
                case Insn.Exit() -> put(b, JMP | EXIT, 0, 0, 0, 0);
            }
        }
        return b.array();
    }

    /** Encodes a program with no map references (or with map indexes left in place of descriptors). */
    public static byte[] encode(List<Insn> insns) {
        return encode(insns, IntUnaryOperator.identity());
    }

    private static void put(ByteBuffer b, int code, int dst, int src, int off, int imm) {
        b.put((byte) code).put((byte) ((src << 4) | (dst & 0xf))).putShort((short) off).putInt(imm);
    }

    /** Decodes the kernel's form; map references keep the descriptor (or index) in place of the map. */
    public static List<Insn> decode(byte[] code) {
        if (code.length % 8 != 0) throw new IllegalArgumentException("BPF code length " + code.length + " is not a multiple of 8");
        ByteBuffer b = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
        List<Insn> out = new ArrayList<>();
        while (b.hasRemaining()) {
            int op = b.get() & 0xff;
            int regs = b.get() & 0xff;
            Reg dst = Reg.of(regs & 0xf);
            int srcNum = regs >>> 4;
            short off = b.getShort();
            int imm = b.getInt();
            int cls = op & 0x07;
            switch (cls) {
                case ALU, ALU64 -> {
                    int aop = op & 0xf0;
                    if (aop == AluOp.END.code) {
                        out.add(new Insn.Endian((op & X) != 0, imm, dst));
                    } else {
                        Src src = (op & X) != 0 ? Reg.of(srcNum) : Src.imm(imm);
                        out.add(new Insn.Alu(cls == ALU64, AluOp.ofCode(aop), dst, src));
                    }
                }
                case JMP, JMP32 -> {
                    int jop = op & 0xf0;
                    if (jop == JA && cls == JMP) out.add(new Insn.Goto(off));
                    else if (jop == CALL) out.add(new Insn.Call(imm));
                    else if (jop == EXIT) out.add(new Insn.Exit());
                    else {
                        Src src = (op & X) != 0 ? Reg.of(srcNum) : Src.imm(imm);
                        out.add(new Insn.Jump(cls == JMP, JmpOp.ofCode(jop), dst, src, off));
                    }
                }
                case LDX -> out.add(new Insn.Load(Size.ofCode(op & 0x18), dst, Reg.of(srcNum), off));
                case STX -> {
                    if ((op & 0xe0) == ATOMIC) out.add(new Insn.Atomic(Size.ofCode(op & 0x18), Insn.AtomicOp.ofCode(imm & ~1), dst, off, Reg.of(srcNum)));
                    else out.add(new Insn.Store(Size.ofCode(op & 0x18), dst, off, Reg.of(srcNum)));
                }
                case ST -> out.add(new Insn.StoreImm(Size.ofCode(op & 0x18), dst, off, imm));
                case LD -> {
                    if (op != (LD | IMM | Size.DW.code)) throw new IllegalArgumentException("unsupported LD opcode 0x" + Integer.toHexString(op));
                    b.getInt(); // second slot: code, regs, off
                    int hi = b.getInt();
                    switch (srcNum) {
                        case 0 -> out.add(new Insn.LoadImm64(dst, (((long) hi) << 32) | (imm & 0xffff_ffffL)));
                        case PSEUDO_MAP_FD -> out.add(new Insn.LoadMapFd(dst, imm));
                        case PSEUDO_MAP_VALUE -> out.add(new Insn.LoadMapValue(dst, imm, hi));
                        default -> throw new IllegalArgumentException("unsupported ld_imm64 pseudo source " + srcNum);
                    }
                }
                default -> throw new IllegalArgumentException("unknown instruction class " + cls);
            }
        }
        return out;
    }
}
