package dev.fleettrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.testkit.KernelAssumptions;
import dev.fleettrace.testkit.Workload;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Ending a job from outside: Ctrl-C (SIGINT) and SIGTERM stop the fleet and print the maps, as
 * bpftrace's Ctrl-C does; kill -9 prints nothing but leaves nothing attached either, because every
 * kernel object is owned by a file descriptor of the dead process.
 */
@Tag("kernel")
class SignalsIT {

    @BeforeEach
    void kernel() {
        KernelAssumptions.assumeBpf();
    }

    /** Jobs this test started: a failed assertion must not leave one running (attached) after the test. */
    private final List<Process> jobs = new ArrayList<>();

    @AfterEach
    void stopLeftoverJobs() throws InterruptedException {
        for (Process p : jobs) {
            if (!p.isAlive()) continue;
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private Process job(ProcessBuilder b) throws IOException {
        Process p = b.start();
        jobs.add(p);
        return p;
    }

    /** Starts a job with no -c, waits until it attached, runs the workload; returns the process and its stdout reader. */
    private record Running(Process process, BufferedReader out) {}

    private Running startAndCount(String comm, int calls) throws Exception {
        Process p = job(new ProcessBuilder(Cli.launcher().toString(), "-e",
                "tracepoint:syscalls:sys_enter_getppid /comm == \"" + comm + "\"/ { @ = count(); }")
                .redirectError(ProcessBuilder.Redirect.DISCARD));
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.ISO_8859_1));
        String first = out.readLine();
        assertEquals("Attaching 1 probe...", first);
        Workload.run(comm, "getppid", calls);
        return new Running(p, out);
    }

    private static String rest(BufferedReader out) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String l; (l = out.readLine()) != null; ) sb.append(l).append('\n');
        return sb.toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM"})
    void aSignalStopsTheFleetAndPrintsTheMaps(String signal) throws Exception {
        String comm = "sig" + signal.toLowerCase() + ProcessHandle.current().pid() % 1000;
        Running r = startAndCount(comm, 321);
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(javaPid(r.process()))).start();
        assertEquals(0, kill.waitFor());
        assertEquals("\n\n@: 321\n", rest(r.out()));
        assertTrue(r.process().waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, r.process().exitValue());
        assertEquals(List.of(), Cli.leftInKernel());
    }

    @Test
    void killMinusNineLeavesNothingAttached() throws Exception {
        Running r = startAndCount("sigkill" + ProcessHandle.current().pid() % 1000, 10);
        assertTrue(!Cli.loadedInKernel().isEmpty(), "the job's programs are loaded while it runs");
        Process kill = new ProcessBuilder("kill", "-KILL", Long.toString(javaPid(r.process()))).start();
        assertEquals(0, kill.waitFor());
        assertTrue(r.process().waitFor(30, TimeUnit.SECONDS));
        // The kernel frees programs and maps once the last descriptor is gone; that is asynchronous (RCU).
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> left = Cli.leftInKernel();
        while (!left.isEmpty() && System.nanoTime() < end) {
            Thread.sleep(100);
            left = Cli.leftInKernel();
        }
        assertEquals(List.of(), left);
    }

    /** A probe of every type this kernel has, all filtering on {@code comm}, with stacks and symbols. */
    static String everyProbeType(String comm) {
        String pwl = Workload.userBinary().toString();
        return "tracepoint:syscalls:sys_enter_getppid /comm == \"" + comm + "\"/ { @t[kstack(2), ustack(1)] = count(); }"
                + " rawtracepoint:sys_enter /comm == \"" + comm + "\"/ { @r = count(); }"
                + " uprobe:" + pwl + ":pwl_work /comm == \"" + comm + "\"/ { @u = count(); }"
                + " uretprobe:" + pwl + ":pwl_work /comm == \"" + comm + "\"/ { @ur = sum(retval); }"
                + " usdt:" + pwl + ":pwl:guarded /comm == \"" + comm + "\"/ { @g = count(); }"
                + " profile:hz:99 /comm == \"" + comm + "\"/ { @p = count(); }"
                + " software:cpu-clock:1000000 /comm == \"" + comm + "\"/ { @s = count(); }";
    }

    /**
     * Links of every kind (perf events on tracepoints and uprobes, a semaphore the kernel counts,
     * per-CPU sampling events, a raw tracepoint), stack maps: SIGINT, SIGTERM and kill -9 all leave
     * nothing of ours in the kernel.
     */
    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM", "KILL"})
    void everyProbeTypeIsReleasedWhateverEndsTheProcess(String signal) throws Exception {
        String comm = "all" + signal.toLowerCase() + ProcessHandle.current().pid() % 1000;
        Process p = job(new ProcessBuilder(Cli.launcher().toString(), "-e", everyProbeType(comm)).redirectError(ProcessBuilder.Redirect.DISCARD));
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.ISO_8859_1));
        assertEquals("Attaching 7 probes...", out.readLine());
        Workload.runUser(comm, "calls", 10, 0);
        List<String> loaded = Cli.loadedInKernel();
        assertTrue(loaded.stream().filter(l -> l.contains("name ft_")).count() >= 7, "the job's programs are loaded while it runs: " + loaded);
        assertTrue(loaded.stream().anyMatch(l -> l.contains("_stk_")), "and its stack maps: " + loaded);
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(javaPid(p))).start();
        assertEquals(0, kill.waitFor());
        String rest = rest(out);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        if (!signal.equals("KILL")) {
            assertEquals(0, p.exitValue());
            assertTrue(rest.contains("@u: 10\n"), rest);
            assertTrue(rest.contains("@ur: 100\n"), "the sum of 2i+1 for i < 10: " + rest);
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> left = Cli.leftInKernel();
        while (!left.isEmpty() && System.nanoTime() < end) {
            Thread.sleep(100);
            left = Cli.leftInKernel();
        }
        assertEquals(List.of(), left);
    }

    /** An exception while attaching (the kernel refuses the last probe) fails the job clearly, with nothing left behind. */
    @Test
    void aFailureWhileAttachingLeavesNothing() throws Exception {
        String comm = "fail" + ProcessHandle.current().pid() % 1000;
        var r = Cli.run(java.time.Duration.ofMinutes(3), "-e", everyProbeType(comm) + " rawtracepoint:sys_exit { @x = sum(arg7); }", "-c", "true");
        assertEquals(1, r.exit(), r.stdout() + r.stderr());
        assertTrue(r.stderr().contains("rawtracepoint:sys_exit: the program reads more arguments than this tracepoint has"), r.stderr());
        assertTrue(!r.stderr().contains("\tat "), "no stack trace: " + r.stderr());
        assertEquals(List.of(), Cli.leftInKernel());
    }

    /** bin/fleettrace execs java, so the launcher's pid is the JVM's. */
    private static long javaPid(Process p) {
        return p.pid();
    }
}
