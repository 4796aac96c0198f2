package dev.fleettrace.agent.probes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.agent.Fixtures;
import dev.fleettrace.agent.kernel.HostKernelFacts;
import dev.fleettrace.agent.kernel.KernelException;
import dev.fleettrace.agent.kernel.LoadedProgram;
import dev.fleettrace.agent.kernel.features.KernelFeatures;
import dev.fleettrace.agent.kernel.pmu.EventSources;
import dev.fleettrace.compiler.diag.CompileException;
import dev.fleettrace.compiler.facts.Binary;
import dev.fleettrace.compiler.facts.KernelFacts;
import dev.fleettrace.compiler.facts.ProbeFamily;
import dev.fleettrace.compiler.facts.TracepointFormat;
import dev.fleettrace.compiler.facts.btf.Btf;
import dev.fleettrace.plan.ProgramPlan;
import dev.fleettrace.testkit.KernelAssumptions;
import dev.fleettrace.testkit.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Probe types this kernel may lack (kprobes, fentry, hardware counters): where it lacks them, compiling
 * fails with the cause at the attach point, and a plan that reaches the kernel anyway (compiled where
 * they exist) fails to load or attach with the cause, leaving nothing loaded; where it has them, they
 * count. Also a failure half way through attaching: what was attached is released.
 */
@Tag("kernel")
class MissingProbeTypesKernelTest {
    private String comm;
    private HostKernelFacts host;

    @BeforeEach
    void setUp() throws Exception {
        KernelAssumptions.assumeBpf();
        comm = Fixtures.uniquePrefix();
        host = HostKernelFacts.detect();
    }

    /** This host's facts, except that every probe family is said to be supported: what a plan compiled elsewhere assumes. */
    private KernelFacts permissive() {
        return new KernelFacts() {
            public Optional<TracepointFormat> tracepoint(String c, String e) {
                return host.tracepoint(c, e);
            }

            public List<String> tracepoints() {
                return host.tracepoints();
            }

            public int possibleCpus() {
                return host.possibleCpus();
            }

            public Optional<Btf> btf() {
                return host.btf();
            }

            public Optional<Binary> binary(String name) {
                return host.binary(name);
            }

            public OptionalLong kernelSymbol(String name) {
                return host.kernelSymbol(name);
            }
        };
    }

    /** Loads and attaches; asserts it fails with an Unsupported naming {@code cause}, and that nothing stays loaded. */
    private KernelException assertRefused(String script, String cause) throws Exception {
        ProgramPlan plan = ProbeRun.compile(script, comm, permissive());
        List<Integer> mapIds = new ArrayList<>();
        KernelException e = assertThrows(KernelException.class, () -> {
            try (LoadedProgram lp = LoadedProgram.load(plan)) {
                mapIds.addAll(lp.mapIds());
                lp.attach(host.tracefs(), -1);
            }
        });
        assertInstanceOf(KernelException.Unsupported.class, e, e.getMessage());
        assertTrue(e.getMessage().contains(cause), e.getMessage());
        for (int id : mapIds) assertTrue(Fixtures.mapGone(id), "map " + id + " still loaded");
        return e;
    }

    @Test
    void kprobesWhereTheKernelHasNoKprobePmu() throws Exception {
        boolean has = EventSources.host().has("kprobe");
        if (has) {
            try (ProbeRun r = ProbeRun.attach("kprobe:vfs_read /comm == \"COMM\"/ { @ = count(); }", comm)) {
                Workload.run(comm, "read", 100);
                assertEquals(100, r.value("@", ""));
                return;
            }
        }
        String why = host.unsupported(ProbeFamily.KPROBE).orElseThrow();
        assertTrue(why.contains("CONFIG_KPROBES"), why);
        CompileException ce = assertThrows(CompileException.class, () -> ProbeRun.compile("kprobe:vfs_read { @ = count(); }", comm, host));
        assertTrue(ce.render().startsWith("stdin:1:1-16: ERROR: kprobes are not available on this kernel"), ce.render());
        KernelException e = assertRefused("kretprobe:vfs_read { @ = count(); }", "CONFIG_KPROBES is not set");
        assertTrue(e.problem().startsWith("kretprobe:vfs_read: kprobes are not available on this kernel"), e.problem());
        assertEquals("use a tracepoint or a rawtracepoint instead, or a kernel with kprobes", e.remedy());
    }

    @Test
    void kfuncWhereTheKernelRefusesFentry() throws Exception {
        Btf btf = host.btf().orElse(null);
        Assumptions.assumeTrue(btf != null, "this kernel has no BTF: kfunc cannot even be compiled");
        Optional<String> refused = KernelFeatures.fentryRefused(btf, "vfs_read");
        if (refused.isEmpty()) {
            // A kernel that allows fentry: the same plan loads, attaches and counts.
            try (ProbeRun r = ProbeRun.attach("kfunc:vfs_read /comm == \"COMM\"/ { @ = count(); @c = sum(args->count); }", comm)) {
                Workload.run(comm, "read", 100);
                assertEquals(100, r.value("@", ""));
                long bytes = 0;
                for (long i = 0; i < 100; i++) bytes += (i * 131) % 8192 + 1;
                assertEquals(bytes, r.value("@c", ""), "args->count, typed from BTF");
                return;
            }
        }
        assertTrue(host.unsupported(ProbeFamily.KFUNC).orElseThrow().contains("refuses to load fentry/fexit programs"));
        KernelException e = assertRefused("kfunc:vfs_read { @[args->count] = count(); }", "BPF_PROG_LOAD returned EPERM although fleettrace runs as root");
        assertTrue(e.problem().startsWith("kfunc:vfs_read: this kernel refuses to load fentry/fexit programs"), e.problem());
        if (!host.kernelFunctions().isEmpty()) return;
        assertTrue(e.problem().contains("available_filter_functions is refused too (EPERM)"), "the evidence: " + e.problem());
    }

    @Test
    void hardwareEventsWhereTheMachineHasNoCounters() throws Exception {
        if (EventSources.host().hasHardware()) {
            try (ProbeRun r = ProbeRun.attach("hardware:cpu-cycles:100000 /comm == \"COMM\"/ { @ = count(); }", comm)) {
                Workload.runUser(comm, "spin", 200, 0);
                assertTrue(r.value("@", "") > 0);
                return;
            }
        }
        assertTrue(host.unsupported(ProbeFamily.HARDWARE).isPresent());
        assertRefused("hardware:cycles:1000000 { @ = count(); }", "no hardware performance counters");
    }

    @Test
    void aFailureHalfWayThroughAttachingReleasesWhatWasAttached() throws Exception {
        // sys_enter has two arguments: a program reading arg5 loads, then the kernel refuses to attach it.
        ProgramPlan plan = ProbeRun.compile("tracepoint:syscalls:sys_enter_getppid /comm == \"COMM\"/ { @a = count(); }"
                + " uprobe:PWL:pwl_work /comm == \"COMM\"/ { @b = count(); } rawtracepoint:sys_enter { @c = sum(arg5); }", comm, host);
        List<Integer> progs = new ArrayList<>(), maps = new ArrayList<>();
        KernelException e = assertThrows(KernelException.class, () -> {
            try (LoadedProgram lp = LoadedProgram.load(plan)) {
                progs.addAll(lp.programIds());
                maps.addAll(lp.mapIds());
                try {
                    lp.attach(host.tracefs(), -1);
                } finally {
                    assertEquals(0, lp.attached(), "the first two probes were detached again");
                }
            }
        });
        assertTrue(e.getMessage().startsWith("rawtracepoint:sys_enter: the program reads more arguments than this tracepoint has"), e.getMessage());
        for (int id : progs) assertTrue(Fixtures.programGone(id), "program " + id);
        for (int id : maps) assertTrue(Fixtures.mapGone(id), "map " + id);
    }
}
