package dev.fleettrace.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class EncodingTest {

    @Test
    void roundTripsEveryInstructionForm() {
        Assembler a = new Assembler();
        Label out = a.newLabel();
        a.mov(Reg.R6, Reg.R1)
                .movImm(Reg.R2, 0x1_0000_0000L)
                .alu32(AluOp.ADD, Reg.R3, Src.imm(-5))
                .alu(AluOp.NEG, Reg.R4, 0)
                .emit(new Insn.Endian(true, 16, Reg.R5))
                .loadMapFd(Reg.R1, 3)
                .loadMapValue(Reg.R1, 2, 8)
                .load(Size.W, Reg.R0, Reg.R1, 16)
                .store(Size.DW, Reg.R10, -8, Reg.R0)
                .storeImm(Size.B, Reg.R10, -9, 7)
                .atomicAdd(Size.DW, Reg.R0, 0, Reg.R1)
                .jump(Reg.R0, JmpOp.JEQ, 0, out)
                .jump32(Reg.R1, JmpOp.JSLT, Reg.R2, out)
                .call(Helper.MAP_LOOKUP_ELEM)
                .jumpTo(out)
                .bind(out)
                .ret(0);
        List<Insn> insns = a.build();
        assertEquals(insns, Encoding.decode(Encoding.encode(insns)));
    }

    @Test
    void encodesTheKernelsByteLayout() {
        // r1 = *(u32 *)(r2 + 16): opcode 0x61, dst 1 in the low nibble, src 2 in the high nibble
        byte[] code = Encoding.encode(List.of(new Insn.Load(Size.W, Reg.R1, Reg.R2, (short) 16)));
        assertEquals(List.of(0x61, 0x21, 16, 0, 0, 0, 0, 0), toList(code));
        // ld_imm64 with a map reference carries the fd and the pseudo source 1
        byte[] ld = Encoding.encode(List.of(new Insn.LoadMapFd(Reg.R1, 0)), m -> 42);
        assertEquals(List.of(0x18, 0x11, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), toList(ld));
    }

    @Test
    void resolvesForwardAndBackwardJumps() {
        Assembler a = new Assembler();
        Label top = a.newLabel();
        Label end = a.newLabel();
        a.bind(top).jump(Reg.R1, JmpOp.JGT, 10, end).add(Reg.R1, 1).jumpTo(top).bind(end).exit();
        List<Insn> insns = a.build();
        assertEquals(new Insn.Jump(true, JmpOp.JGT, Reg.R1, Src.imm(10), (short) 2), insns.get(0));
        assertEquals(new Insn.Goto((short) -3), insns.get(2));
    }

    @Test
    void refusesAnUnboundLabel() {
        Assembler a = new Assembler();
        a.jumpTo(a.newLabel());
        assertThrows(IllegalStateException.class, a::build);
    }

    @Test
    void disassemblesInBpftoolNotation() {
        Assembler a = new Assembler();
        Label l = a.newLabel();
        a.mov(Reg.R6, Reg.R1).loadMapFd(Reg.R1, 0).jump(Reg.R0, JmpOp.JEQ, 0, l)
                .load(Size.DW, Reg.R1, Reg.R0, 0).add(Reg.R1, 1).store(Size.DW, Reg.R0, 0, Reg.R1)
                .bind(l).call(Helper.GET_CURRENT_COMM).ret(0);
        String expected = """
                   0: (bf) r6 = r1
                   1: (18) r1 = map[@x]
                   3: (15) if r0 == 0x0 goto pc+3
                   4: (79) r1 = *(u64 *)(r0 +0)
                   5: (07) r1 += 1
                   6: (7b) *(u64 *)(r0 +0) = r1
                   7: (85) call bpf_get_current_comm#16
                   8: (b7) r0 = 0
                   9: (95) exit
                """;
        assertEquals(expected, Disassembler.disassemble(a.build(), m -> "map[@x]"));
    }

    private static List<Integer> toList(byte[] b) {
        java.util.ArrayList<Integer> l = new java.util.ArrayList<>();
        for (byte x : b) l.add(x & 0xff);
        return l;
    }
}
