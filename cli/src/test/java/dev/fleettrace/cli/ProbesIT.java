package dev.fleettrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.agent.kernel.pmu.EventSources;
import dev.fleettrace.testkit.KernelAssumptions;
import dev.fleettrace.testkit.Workload;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Probe types through the real CLI: listing as bpftrace lists (outputs recorded from bpftrace 0.17 on
 * this machine), --info, -p, and a clear error (exit 1, no stack trace, nothing attached) for each probe
 * type this kernel lacks.
 */
@Tag("kernel")
class ProbesIT {
    private static final Duration T = Duration.ofSeconds(120);

    @BeforeEach
    void kernel() {
        KernelAssumptions.assumeBpf();
    }

    private static void clean(Cli.Result r) throws Exception {
        assertFalse(r.stderr().contains("\tat ") || r.stderr().contains("Exception"), "stack trace on stderr:\n" + r.stderr());
        assertEquals(List.of(), Cli.leftInKernel());
    }

    @Test
    void listsAsBpftraceDoes() throws Exception {
        var r = Cli.run(T, "-lv", "tracepoint:sched:sched_switch");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals("""
                tracepoint:sched:sched_switch
                    char prev_comm[16]
                    pid_t prev_pid
                    int prev_prio
                    long prev_state
                    char next_comm[16]
                    pid_t next_pid
                    int next_prio
                """, r.stdout());
        var all = Cli.run(T, "-l", "t:syscalls:sys_*_getppid");
        assertEquals("tracepoint:syscalls:sys_enter_getppid\ntracepoint:syscalls:sys_exit_getppid\n", all.stdout());
        String pwl = Workload.userBinary().toString();
        var user = Cli.run(T, "-l", "uprobe:" + pwl + ":pwl_w*");
        assertEquals("uprobe:" + pwl + ":pwl_work\n", user.stdout());
        var usdt = Cli.run(T, "-l", "usdt:" + pwl + ":*");
        assertEquals("usdt:" + pwl + ":pwl:guarded\nusdt:" + pwl + ":pwl:tick\n", usdt.stdout());
        var bad = Cli.run(T, "-l", "uprobe:/nonexistent:*");
        assertEquals(1, bad.exit());
        assertEquals("fleettrace: uprobe target file '/nonexistent' does not exist or is not executable\n", bad.stderr());
    }

    @Test
    void listsUprobeParametersFromDwarf() throws Exception {
        String pwl = Workload.userBinary().toString(); // built with gcc -g
        var p = Cli.run(T, "-lv", "uprobe:" + pwl + ":pwl_point");
        assertEquals("uprobe:" + pwl + ":pwl_point\n    const struct pwl_point* p\n", p.stdout());
        var r = Cli.run(T, "-lv", "uprobe:" + pwl + ":pwl_t*");
        assertEquals(0, r.exit(), r.stderr());
        // Recorded from bpftrace 0.17 -lv on the same binary.
        assertEquals("uprobe:" + pwl + ":pwl_typed\n"
                + "    signed char sc\n"
                + "    short unsigned int us\n"
                + "    int neg\n"
                + "    long long int big\n"
                + "    const char* name\n"
                + "    unsigned char flag\n"
                + "    double scale\n"
                + "    long int seventh\n"
                + "    long int eighth\n"
                + "uprobe:" + pwl + ":pwl_types\n"
                + "    long int n\n", r.stdout());
        var ret = Cli.run(T, "-lv", "uretprobe:" + pwl + ":pwl_typed");
        assertEquals("uretprobe:" + pwl + ":pwl_typed\n", ret.stdout(), "a return probe has no arguments");
    }

    /**
     * {@code args->NAME} from the binary's DWARF, read from the registers and the stack as the SysV
     * ABI places them: signed narrow integers sign-extended (bpftrace 0.17 widens them as unsigned 32
     * bits, a bug not copied), the 7th and 8th integer arguments from the stack (0.17 aborts), a
     * string through {@code const char*}, a struct through a pointer. {@code uaddr} on this PIE binary
     * is relocated to where it is mapped, in entry, return and USDT probes alike.
     */
    @Test
    void uprobeArgumentsByNameAndUaddrInAPieBinary() throws Exception {
        String pwl = Workload.userBinary().toString();
        String comm = "dwarf" + ProcessHandle.current().pid() % 1000;
        String only = " /comm == \"" + comm + "\"/ ";
        String script = "uprobe:" + pwl + ":pwl_typed" + only + "{ @sc = sum(args->sc); @scmin = min(args->sc); @us = sum(args->us);"
                + " @neg = sum(args->neg); @big = sum(args->big); @flag = sum(args->flag); @stack = sum(args->seventh * 1000 + args->eighth);"
                + " @n[str(args->name)] = sum(args->flag); @entry = sum(*uaddr(\"pwl_counter\")); @greet[str(uaddr(\"pwl_greeting\"))] = count(); }"
                + " uretprobe:" + pwl + ":pwl_typed" + only + "{ @exit = sum(*uaddr(\"pwl_counter\")); }"
                + " uprobe:" + pwl + ":pwl_point" + only + "{ @p[args->p->tag] = sum(args->p->x + args->p->y); }"
                + " usdt:" + pwl + ":pwl:tick" + only + "{ @tick[str(uaddr(\"pwl_greeting\"))] = count(); }";
        String out = traceWhile(script, "Attaching 4 probes...", () -> {
            Workload.runUser(comm, "typed", 5, 0);
            Workload.runUser(comm, "calls", 3, 0);
        });
        // i = 0..4: sc = -1-i, us = 65535-i, neg = -1000i, big = -3e9(i+1), flag = 200+i, seventh = 70+i,
        // eighth = 80+i; names cycle alpha, beta, gamma; pwl_counter is 1000+i on entry, one more on return.
        assertEquals("""


                @big: -45000000000
                @entry: 5010
                @exit: 5015
                @flag: 1010
                @greet[hello from pwl]: 5
                @n[gamma]: 202
                @n[alpha]: 403
                @n[beta]: 405
                @neg: -10000
                @p[pt]: -7999999993
                @sc: -15
                @scmin: -5
                @stack: 360410
                @tick[hello from pwl]: 3
                @us: 327665
                """, out);
    }

    /** Starts the job, waits for its attach line, runs the workload, stops it with SIGINT: what it printed after attaching. */
    private static String traceWhile(String script, String attached, Runnable workload) throws Exception {
        Process job = new ProcessBuilder(Cli.launcher().toString(), "-e", script).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            var out = new java.io.BufferedReader(new java.io.InputStreamReader(job.getInputStream(), java.nio.charset.StandardCharsets.ISO_8859_1));
            assertEquals(attached, out.readLine());
            workload.run();
            assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(job.pid())).start().waitFor());
            StringBuilder rest = new StringBuilder();
            for (String l; (l = out.readLine()) != null; ) rest.append(l).append('\n');
            assertTrue(job.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, job.exitValue());
            assertEquals(List.of(), Cli.leftInKernel());
            return rest.toString();
        } finally {
            job.destroyForcibly();
        }
    }

    @Test
    void infoReportsWhatThisKernelSupports() throws Exception {
        var r = Cli.run(T, "--info");
        assertEquals(0, r.exit(), r.stderr());
        for (String section : List.of("System\n", "Build\n", "Kernel helpers\n", "Kernel features\n", "Map types\n", "Probe types\n"))
            assertTrue(r.stdout().contains(section), section + " in\n" + r.stdout());
        assertTrue(r.stdout().contains("  probe_read_kernel: yes\n"));
        assertTrue(r.stdout().contains("  tracepoint: yes\n"));
        assertTrue(r.stdout().contains("  uprobe: yes\n"));
        assertTrue(r.stdout().contains("  kprobe: " + (EventSources.host().has("kprobe") ? "yes" : "no") + "\n"), r.stdout());
        assertTrue(r.stdout().contains("  hardware: " + (EventSources.host().hasHardware() ? "yes" : "no") + "\n"), r.stdout());
        clean(r);
    }

    @Test
    void kprobesWhereTheKernelHasNone() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(EventSources.host().has("kprobe"), "this kernel has kprobes");
        var r = Cli.run(T, "-e", "kprobe:vfs_read { @ = count(); }", "-c", "true");
        assertEquals(1, r.exit());
        assertTrue(r.stderr().startsWith("stdin:1:1-16: ERROR: kprobes are not available on this kernel: it is built without them (CONFIG_KPROBES is not set"), r.stderr());
        assertTrue(r.stderr().endsWith("kprobe:vfs_read { @ = count(); }\n~~~~~~~~~~~~~~~\n"), r.stderr());
        clean(r);
    }

    @Test
    void kfuncWhereTheKernelRefusesFentry() throws Exception {
        var info = Cli.run(T, "--info");
        org.junit.jupiter.api.Assumptions.assumeTrue(info.stdout().contains("  kfunc: no\n"), "this kernel loads fentry programs");
        var r = Cli.run(T, "-e", "kretfunc:vfs_read { @ = sum(retval); }", "-c", "true");
        assertEquals(1, r.exit());
        assertTrue(r.stderr().startsWith("stdin:1:1-18: ERROR: kfunc/kretfunc not available: this kernel refuses to load fentry/fexit programs"), r.stderr());
        clean(r);
    }

    @Test
    void hardwareWhereTheMachineHasNoCounters() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(EventSources.host().hasHardware(), "this machine has hardware counters");
        var r = Cli.run(T, "-e", "hardware:cycles:100000 { @ = count(); }", "-c", "true");
        assertEquals(1, r.exit());
        assertTrue(r.stderr().startsWith("stdin:1:1-23: ERROR: hardware events are not available: this machine exposes no hardware performance counters"), r.stderr());
        clean(r);
    }

    @Test
    void minusPFiresInThatProcessOnly() throws Exception {
        String comm = "minusp" + ProcessHandle.current().pid() % 1000;
        String pwl = Workload.userBinary().toString();
        // The target waits on its standard input, so the job attaches before it calls anything.
        Process target = new ProcessBuilder(pwl, comm, "calls", "70", "0", "-").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Process job = new ProcessBuilder(Cli.launcher().toString(), "-p", Long.toString(target.pid()), "-e", "uprobe:" + pwl + ":pwl_work { @[comm] = count(); }")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            var out = new java.io.BufferedReader(new java.io.InputStreamReader(job.getInputStream(), java.nio.charset.StandardCharsets.ISO_8859_1));
            assertEquals("Attaching 1 probe...", out.readLine());
            target.getOutputStream().write('\n');
            target.getOutputStream().flush();
            Workload.runUser(comm, "calls", 30, 0); // the same program and name, another process: not counted
            assertTrue(target.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(job.pid())).start().waitFor());
            StringBuilder rest = new StringBuilder();
            for (String l; (l = out.readLine()) != null; ) rest.append(l).append('\n');
            assertTrue(job.waitFor(60, TimeUnit.SECONDS));
            assertEquals("\n\n@[" + comm + "]: 70\n", rest.toString());
        } finally {
            target.destroyForcibly();
            job.destroyForcibly();
        }
        var gone = Cli.run(T, "-p", "999999999", "-e", "uprobe:" + pwl + ":pwl_work { @ = count(); }");
        assertEquals(1, gone.exit());
        assertEquals("fleettrace: -p 999999999: no such process on this host\n", gone.stderr());
    }
}
