package dev.fleettrace.agent.kernel.links;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.agent.Fixtures;
import dev.fleettrace.agent.kernel.maps.BpfMap;
import dev.fleettrace.agent.kernel.programs.Program;
import dev.fleettrace.agent.kernel.tracefs.Tracefs;
import dev.fleettrace.bpf.MapType;
import dev.fleettrace.plan.ProgramPlan;
import dev.fleettrace.testkit.KernelAssumptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One tracepoint perf event (pid -1, CPU 0) runs the program on every CPU: pinning the workload to
 * each CPU in turn, the per-CPU slot of that CPU gets every call.
 */
@Tag("kernel")
class PerfEventLinkKernelTest {

    @BeforeEach
    void kernel() {
        KernelAssumptions.assumeBpf();
    }

    @ParameterizedTest(name = "bpf link {0}")
    @ValueSource(booleans = {true, false})
    @SuppressWarnings("try") // closing inside the block tests that close is idempotent
    void countsOnEveryCpu(boolean allowLink) throws Exception {
        String prefix = Fixtures.uniquePrefix();
        ProgramPlan plan = Fixtures.countPlan(prefix, MapType.PERCPU_HASH);
        long tp = new Tracefs(KernelAssumptions.TRACEFS).tracepointId("syscalls", "sys_enter_getppid").orElseThrow();
        try (BpfMap map = BpfMap.create(plan.maps().getFirst());
             Program prog = Program.load(plan.probes().getFirst(), List.of(map));
             PerfEventLink link = PerfEventLink.attachTracepoint(prog, tp, allowLink)) {
            assertEquals(allowLink, link.bpfLink());
            int n = 500;
            for (int cpu : Fixtures.onlineCpus()) {
                String comm = prefix + cpu;
                Fixtures.run(comm, "getppid", n, Optional.of(cpu));
                List<byte[]> perCpu = map.lookupPerCpu(Fixtures.commKey(comm)).orElseThrow();
                assertEquals(map.cpus(), perCpu.size());
                for (int c = 0; c < perCpu.size(); c++) {
                    long v = ByteBuffer.wrap(perCpu.get(c)).order(ByteOrder.LITTLE_ENDIAN).getLong();
                    assertEquals(c == cpu ? n : 0, v, "calls pinned to CPU " + cpu + ", slot of CPU " + c);
                }
            }
            link.close();
            link.close();
            Fixtures.run(prefix + "z", "getppid", 10, Optional.empty());
            assertFalse(map.lookup(Fixtures.commKey(prefix + "z")).isPresent(), "closing the link detaches");
        }
    }

    @ParameterizedTest(name = "bpf link {0}")
    @ValueSource(booleans = {true, false})
    void detachedWhenTheProgramFdClosesAfterTheLink(boolean allowLink) throws Exception {
        String prefix = Fixtures.uniquePrefix();
        ProgramPlan plan = Fixtures.countPlan(prefix, MapType.PERCPU_HASH);
        long tp = new Tracefs(KernelAssumptions.TRACEFS).tracepointId("syscalls", "sys_enter_getppid").orElseThrow();
        int id;
        try (BpfMap map = BpfMap.create(plan.maps().getFirst())) {
            Program prog = Program.load(plan.probes().getFirst(), List.of(map));
            id = prog.id();
            PerfEventLink link = PerfEventLink.attachTracepoint(prog, tp, allowLink);
            prog.close(); // the link holds the program
            Fixtures.run(prefix + "a", "getppid", 7, Optional.empty());
            assertTrue(map.lookup(Fixtures.commKey(prefix + "a")).isPresent());
            link.close();
        }
        assertTrue(Fixtures.programGone(id));
    }
}
