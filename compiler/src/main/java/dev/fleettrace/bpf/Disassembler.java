package dev.fleettrace.bpf;

import java.util.List;
import java.util.function.IntFunction;

/** Prints instructions in bpftool's notation ({@code   3: (bf) r6 = r1}), one per line. */
public final class Disassembler {
    private Disassembler() {}

    public static String disassemble(List<Insn> insns) {
        return disassemble(insns, m -> "map[" + m + "]");
    }

    /** {@code mapName} renders a map reference (an index before loading, an id after). */
    public static String disassemble(List<Insn> insns, IntFunction<String> mapName) {
        StringBuilder sb = new StringBuilder();
        byte[] code = Encoding.encode(insns);
        int pos = 0;
        for (Insn insn : insns) {
            int opcode = code[pos * 8] & 0xff;
            sb.append(String.format("%4d: (%02x) ", pos, opcode)).append(format(insn, mapName)).append('\n');
            pos += insn.slots();
        }
        return sb.toString();
    }

    public static String format(Insn insn, IntFunction<String> mapName) {
        return switch (insn) {
            case Insn.Alu(boolean wide, AluOp op, Reg dst, Src src) -> {
                String d = reg(dst, wide);
                if (op == AluOp.NEG) yield d + " = -" + d;
                yield d + " " + op.symbol + " " + (src instanceof Reg r ? reg(r, wide) : Integer.toString(((Src.Imm) src).value()));
            }
            case Insn.Endian(boolean toBig, int bits, Reg dst) -> dst + " = " + (toBig ? "be" : "le") + bits + " " + dst;
            case Insn.LoadImm64(Reg dst, long imm) -> dst + " = 0x" + Long.toHexString(imm);
            case Insn.LoadMapFd(Reg dst, int map) -> dst + " = " + mapName.apply(map);
            case Insn.LoadMapValue(Reg dst, int map, int offset) -> dst + " = " + mapName.apply(map) + "[0]+" + offset;
            case Insn.Load(Size size, Reg dst, Reg src, short off) -> dst + " = *(" + size.cType() + " *)(" + src + " " + signed(off) + ")";
            case Insn.Store(Size size, Reg dst, short off, Reg src) -> "*(" + size.cType() + " *)(" + dst + " " + signed(off) + ") = " + src;
            case Insn.StoreImm(Size size, Reg dst, short off, int imm) -> "*(" + size.cType() + " *)(" + dst + " " + signed(off) + ") = " + imm;
            case Insn.Atomic(Size size, Insn.AtomicOp op, Reg dst, short off, Reg src) ->
                    "lock *(" + size.cType() + " *)(" + dst + " " + signed(off) + ") " + op.symbol + " " + src;
            case Insn.Jump(boolean wide, JmpOp op, Reg dst, Src src, short off) -> "if " + reg(dst, wide) + " " + op.symbol + " "
                    + (src instanceof Reg r ? reg(r, wide) : "0x" + Integer.toHexString(((Src.Imm) src).value())) + " goto pc" + signed(off);
            case Insn.Goto(short off) -> "goto pc" + signed(off);
            case Insn.Call(int id) -> {
                Helper h = Helper.byId(id);
                yield "call " + (h != null ? h.cName() : "helper") + "#" + id;
            }
            case Insn.Exit() -> "exit";
        };
    }

    private static String reg(Reg r, boolean wide) {
        return (wide ? "r" : "w") + r.num();
    }

    private static String signed(int off) {
        return off < 0 ? Integer.toString(off) : "+" + off;
    }
}
