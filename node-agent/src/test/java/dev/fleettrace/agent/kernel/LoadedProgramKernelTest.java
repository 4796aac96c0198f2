package dev.fleettrace.agent.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.agent.Fixtures;
import dev.fleettrace.agent.kernel.maps.BpfMap;
import dev.fleettrace.agent.sys.RingBuffer;
import dev.fleettrace.bpf.MapType;
import dev.fleettrace.bpf.ProgType;
import dev.fleettrace.compiler.facts.TracepointFormat;
import dev.fleettrace.plan.AttachPoint;
import dev.fleettrace.plan.KernelMap;
import dev.fleettrace.plan.ProbeProgram;
import dev.fleettrace.plan.ProgramPlan;
import dev.fleettrace.testkit.KernelAssumptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("kernel")
class LoadedProgramKernelTest {

    @BeforeEach
    void kernel() {
        KernelAssumptions.assumeBpf();
    }

    private static long total(BpfMap map, byte[] key) {
        ByteBuffer b = ByteBuffer.wrap(map.lookup(key).orElseThrow()).order(ByteOrder.LITTLE_ENDIAN);
        long sum = 0;
        for (int c = 0; c < map.cpus(); c++) sum += b.getLong(c * map.valueStride());
        return sum;
    }

    @Test
    void countsExactlyTheWorkloadsCallsAndLeavesNothingBehind() throws Exception {
        String prefix = Fixtures.uniquePrefix();
        String comm = prefix + "x";
        List<Integer> progs, maps;
        try (LoadedProgram lp = LoadedProgram.load(Fixtures.countPlan(prefix, MapType.PERCPU_HASH))) {
            progs = lp.programIds();
            maps = lp.mapIds();
            assertTrue(Fixtures.bpftoolShowsProgram(progs.getFirst()));
            assertEquals(1, lp.attach());
            Fixtures.run(comm, "getppid", 1000, Optional.empty());
            assertEquals(1000, total(lp.map(0), Fixtures.commKey(comm)));
            lp.detach();
            Fixtures.run(comm, "getppid", 10, Optional.empty());
            assertEquals(1000, total(lp.map(0), Fixtures.commKey(comm)), "detached programs must not count");
        }
        for (int id : progs) {
            assertTrue(Fixtures.programGone(id), "program " + id + " still loaded");
            assertFalse(Fixtures.bpftoolShowsProgram(id));
        }
        for (int id : maps) assertTrue(Fixtures.mapGone(id), "map " + id + " still exists");
    }

    @Test
    void unknownTracepointAttachesNothing() throws Exception {
        String prefix = Fixtures.uniquePrefix();
        ProgramPlan good = Fixtures.countPlan(prefix, MapType.PERCPU_HASH);
        ProbeProgram p = good.probes().getFirst();
        ProbeProgram nope = new ProbeProgram("count_nope", ProgType.TRACEPOINT, new AttachPoint.Tracepoint("syscalls", "sys_enter_nope"), p.insns());
        ProgramPlan plan = new ProgramPlan(good.maps(), List.of(p, nope), good.bindings(), List.of(), -1);
        List<Integer> progs;
        try (LoadedProgram lp = LoadedProgram.load(plan)) {
            progs = lp.programIds();
            KernelException.UnknownTracepoint e = assertThrows(KernelException.UnknownTracepoint.class, lp::attach);
            assertEquals("tracepoint:syscalls:sys_enter_nope", e.probe());
            assertTrue(e.getMessage().contains("tracepoint:syscalls:sys_enter_nope does not exist"), e.getMessage());
            assertEquals(2, e.getMessage().lines().count());
            assertEquals(0, lp.attached());
            Fixtures.run(prefix + "x", "getppid", 10, Optional.empty());
            assertTrue(lp.map(0).lookup(Fixtures.commKey(prefix + "x")).isEmpty(), "nothing may be attached after a failed attach");
        }
        for (int id : progs) assertTrue(Fixtures.programGone(id));
    }

    @Test
    void failedAttachDetachesWhatWasAttached() throws Exception {
        String prefix = Fixtures.uniquePrefix();
        ProgramPlan good = Fixtures.countPlan(prefix, MapType.PERCPU_HASH);
        ProbeProgram p = good.probes().getFirst();
        // A raw tracepoint program cannot be attached to a tracepoint perf event: the second attach fails.
        ProbeProgram wrongType = new ProbeProgram("wrong_type", ProgType.RAW_TRACEPOINT, Fixtures.LSEEK, new dev.fleettrace.bpf.Assembler().ret(0).build());
        ProgramPlan plan = new ProgramPlan(good.maps(), List.of(p, wrongType), good.bindings(), List.of(), -1);
        List<Integer> progs;
        try (LoadedProgram lp = LoadedProgram.load(plan)) {
            progs = lp.programIds();
            KernelException e = assertThrows(KernelException.class, lp::attach);
            assertTrue(e.problem().startsWith("attaching tracepoint:syscalls:sys_enter_lseek failed"), e.getMessage());
            assertEquals(0, lp.attached());
            Fixtures.run(prefix + "x", "getppid", 10, Optional.empty());
            assertTrue(lp.map(0).lookup(Fixtures.commKey(prefix + "x")).isEmpty(), "the first probe must be detached again");
            System.out.println(e.getMessage());
        }
        for (int id : progs) assertTrue(Fixtures.programGone(id));
    }

    @Test
    void verifierRejectionReleasesEverythingCreated() throws Exception {
        String prefix = Fixtures.uniquePrefix();
        ProgramPlan good = Fixtures.countPlan(prefix, MapType.PERCPU_HASH);
        ProbeProgram bad = new ProbeProgram("bad", ProgType.TRACEPOINT, Fixtures.GETPPID, Fixtures.scalarDereference());
        ProgramPlan plan = new ProgramPlan(good.maps(), List.of(good.probes().getFirst(), bad), good.bindings(), List.of(), -1);
        List<Integer> before = ourObjects();
        KernelException.VerifierRejected e = assertThrows(KernelException.VerifierRejected.class, () -> LoadedProgram.load(plan));
        assertTrue(e.summary().contains("R1 invalid mem access 'scalar'"), e.summary());
        assertTrue(e.log().contains("R1 invalid mem access 'scalar'"), e.log());
        System.out.println(e.getMessage());
        assertTrue(e.getMessage().startsWith("the kernel's verifier rejected the program of tracepoint:syscalls:sys_enter_getppid"), e.getMessage());
        // The good program loaded first must be gone again: no object appeared that was not there before
        // (objects of earlier tests may still be on their way out, so "before" can shrink meanwhile).
        Thread.sleep(50);
        List<Integer> after = ourObjects();
        after.removeAll(before);
        assertEquals(List.of(), after);
    }

    /** Ids of loaded programs and maps named like those of the plan, from bpftool. */
    private static List<Integer> ourObjects() throws Exception {
        List<Integer> ids = new ArrayList<>();
        for (String what : List.of("prog", "map")) {
            Process p = new ProcessBuilder("bpftool", what, "show").redirectErrorStream(true).start();
            for (String line : new String(p.getInputStream().readAllBytes()).lines().toList()) {
                if (line.contains("name count_getppid") || line.contains("name bad") || line.contains("name counts"))
                    ids.add(Integer.parseInt(line.substring(0, line.indexOf(':'))));
            }
            p.waitFor();
        }
        return ids;
    }

    @Test
    void beginRunsOnce() throws Exception {
        try (LoadedProgram lp = LoadedProgram.load(Fixtures.beginPlan())) {
            assertEquals(0, lp.attach(), "BEGIN is not attached");
            lp.runBegin();
            byte[] v = lp.map(0).lookup(new byte[4]).orElseThrow();
            assertEquals(1, ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong());
            assertThrows(IllegalStateException.class, lp::runBegin);
        }
    }

    @Test
    void ringBufferDeliversRecordsInOrderAcrossTheWrap() throws Exception {
        HostKernelFacts facts = HostKernelFacts.detect();
        TracepointFormat f = facts.tracepoint("syscalls", "sys_enter_lseek").orElseThrow();
        int offsetField = f.field("offset").orElseThrow().offset();
        String prefix = Fixtures.uniquePrefix();
        // 16 bytes a record (8 of header, 8 of data): 3000 fill 48,000 of the 65,536 bytes, so the
        // second round wraps around the end of the data area and is read through the second mapping.
        int n = 3000;
        try (LoadedProgram lp = LoadedProgram.load(Fixtures.ringPlan(prefix, offsetField, 64 * 1024))) {
            RingBuffer ring = lp.ringBuffer().orElseThrow();
            lp.attach();
            assertFalse(ring.await(10), "no record before the workload runs");
            for (int round = 0; round < 2; round++) {
                Fixtures.run(prefix + "x", "lseek", n, Optional.empty());
                assertTrue(ring.await(1000));
                List<Long> got = new ArrayList<>();
                while (ring.available()) ring.consume(b -> {
                    assertEquals(8, b.remaining());
                    got.add(b.getLong(0));
                });
                assertEquals(n, got.size(), "round " + round);
                for (int i = 0; i < n; i++) assertEquals((i * 37L) % 100000, got.get(i), "record " + i + " of round " + round);
                assertFalse(ring.available());
            }
        }
    }

    @Test
    void closeIsIdempotentAndMapsSurviveDetach() throws Exception {
        LoadedProgram lp = LoadedProgram.load(Fixtures.countPlan(Fixtures.uniquePrefix(), MapType.PERCPU_HASH));
        lp.attach();
        lp.detach();
        lp.map(0).lookup(new byte[16]);
        lp.close();
        lp.close();
        assertThrows(IllegalStateException.class, lp::attach);
        assertTrue(lp.map(0).fd().isClosed());
    }

    @Test
    void planWithoutMapsOrRingLoads() throws Exception {
        ProbeProgram p = new ProbeProgram("noop", ProgType.TRACEPOINT, Fixtures.GETPPID,
                new dev.fleettrace.bpf.Assembler().ret(0).build());
        try (LoadedProgram lp = LoadedProgram.load(new ProgramPlan(List.<KernelMap>of(), List.of(p), List.of(), List.of(), -1))) {
            assertTrue(lp.ringBuffer().isEmpty());
            assertEquals(1, lp.attach());
        }
    }

    @Test
    void kernelExceptionsAreSealed() {
        KernelException e = new KernelException.TracefsMissing();
        String kind = switch (e) {
            case KernelException.NotPermitted x -> "perm";
            case KernelException.TracefsMissing x -> "tracefs";
            case KernelException.UnknownTracepoint x -> "tp";
            case KernelException.VerifierRejected x -> "verifier";
            case KernelException.Unsupported x -> "unsupported";
            case KernelException.SystemFailure x -> "system";
        };
        assertEquals("tracefs", kind);
        assertEquals("mount it: mount -t tracefs nodev /sys/kernel/tracing", e.remedy());
        assertInstanceOf(Exception.class, e);
    }
}
