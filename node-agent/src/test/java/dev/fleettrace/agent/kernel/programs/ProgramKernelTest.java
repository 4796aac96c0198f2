package dev.fleettrace.agent.kernel.programs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.agent.Fixtures;
import dev.fleettrace.agent.kernel.maps.BpfMap;
import dev.fleettrace.agent.sys.Bpf;
import dev.fleettrace.agent.sys.Errno;
import dev.fleettrace.agent.sys.SysException;
import dev.fleettrace.bpf.Assembler;
import dev.fleettrace.bpf.Insn;
import dev.fleettrace.bpf.MapType;
import dev.fleettrace.bpf.ProgType;
import dev.fleettrace.bpf.Reg;
import dev.fleettrace.bpf.Src;
import dev.fleettrace.plan.AttachPoint;
import dev.fleettrace.plan.KernelMap;
import dev.fleettrace.plan.ProbeProgram;
import dev.fleettrace.testkit.KernelAssumptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("kernel")
class ProgramKernelTest {

    @BeforeEach
    void kernel() {
        KernelAssumptions.assumeBpf();
    }

    private static ProbeProgram tp(String name, List<Insn> insns) {
        return new ProbeProgram(name, ProgType.TRACEPOINT, Fixtures.GETPPID, insns);
    }

    @Test
    void loadsAndNamesTheProgram() throws Exception {
        int id;
        try (Program p = Program.load(tp("ok-prog:1", new Assembler().ret(0).build()), List.of())) {
            id = p.id();
            assertEquals("ok_prog_1", p.name(), "characters the kernel refuses in names are replaced");
            Bpf.ObjInfo info = Bpf.progInfo(p.fd());
            assertEquals(id, info.id());
            assertEquals("ok_prog_1", info.name());
            assertEquals(ProgType.TRACEPOINT.id, info.type());
            assertTrue(Fixtures.bpftoolShowsProgram(id));
        }
        assertTrue(Fixtures.programGone(id));
    }

    @Test
    void scalarDereferenceIsRejectedWithTheVerifiersWords() {
        VerifierException e = assertThrows(VerifierException.class, () -> Program.load(tp("deref", Fixtures.scalarDereference()), List.of()));
        assertTrue(e.log().contains("R1 invalid mem access 'scalar'"), e.log());
        assertEquals("R1 invalid mem access 'scalar' (at 1: (79) r0 = *(u64 *)(r1 +0))", e.summary());
        assertEquals(Errno.EACCES, e.errno());
        assertEquals("deref", e.program());
    }

    @Test
    void exitWithoutR0IsRejected() {
        VerifierException e = assertThrows(VerifierException.class, () -> Program.load(tp("nor0", Fixtures.exitWithoutR0()), List.of()));
        assertTrue(e.log().contains("R0 !read_ok"), e.log());
        assertTrue(e.summary().startsWith("R0 !read_ok"), e.summary());
    }

    @Test
    void stackOutOfBoundsIsRejected() {
        VerifierException e = assertThrows(VerifierException.class, () -> Program.load(tp("oob", Fixtures.stackOutOfBounds()), List.of()));
        assertTrue(e.summary().contains("invalid read from stack"), e.summary());
    }

    @Test
    void aLongLogIsReadInFull() {
        // 40,000 register moves then a bad exit: the verifier log outgrows the first 64 KiB buffer
        // (log level 1 prints only the failing path, so make the failing path long).
        Assembler a = new Assembler();
        for (int i = 0; i < 40_000; i++) a.mov(Reg.R2, Src.imm(i));
        a.exit();
        VerifierException e = assertThrows(VerifierException.class, () -> Program.load(tp("long", a.build()), List.of()));
        assertTrue(e.summary().startsWith("R0 !read_ok"), e.summary());
        assertTrue(e.log().length() > 64 * 1024, "log grown past the first buffer: " + e.log().length());
        assertTrue(e.log().startsWith("func#0") || e.log().startsWith("0: R1=ctx()"), "the log is read from its start: " + e.log().substring(0, 40));
    }

    @Test
    void mapIndexOutOfRangeIsAProgrammingError() {
        List<Insn> insns = new Assembler().loadMapFd(Reg.R1, 3).ret(0).build();
        assertThrows(IllegalArgumentException.class, () -> Program.load(tp("nomap", insns), List.of()));
    }

    @Test
    void testRunRunsARawTracepointProgramOnce() {
        KernelMap km = new KernelMap(0, "runs", MapType.ARRAY, 4, 8, 1, 0);
        try (BpfMap map = BpfMap.create(km);
             Program p = Program.load(new ProbeProgram("BEGIN", ProgType.RAW_TRACEPOINT, new AttachPoint.Begin(), Fixtures.beginIncrement()), List.of(map))) {
            for (int i = 1; i <= 3; i++) {
                Bpf.TestRun r = p.testRun();
                assertEquals(0, r.retval());
                assertEquals(i, ByteBuffer.wrap(map.lookup(new byte[4]).orElseThrow()).order(ByteOrder.LITTLE_ENDIAN).getLong());
            }
        }
    }

    @Test
    void tracepointProgramsHaveNoTestRun() {
        try (Program p = Program.load(tp("notest", new Assembler().ret(0).build()), List.of())) {
            SysException e = assertThrows(SysException.class, p::testRun);
            assertEquals(Errno.ENOTSUPP, e.errno(), e.getMessage());
        }
    }

    @Test
    void manyProgramsShareOneMap() {
        KernelMap km = new KernelMap(0, "shared", MapType.PERCPU_HASH, 16, 8, 8, 0);
        List<Program> progs = new ArrayList<>();
        try (BpfMap map = BpfMap.create(km)) {
            for (int i = 0; i < 3; i++) progs.add(Program.load(tp("p" + i, Fixtures.countGetppid("abc")), List.of(map)));
            assertEquals(3, progs.stream().map(Program::id).distinct().count());
        } finally {
            progs.forEach(Program::close);
        }
    }
}
