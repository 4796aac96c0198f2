package dev.fleettrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.testkit.KernelAssumptions;
import dev.fleettrace.testkit.Workload;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case recorded from bpftrace 0.17 (conformance/cases) through the real CLI and the whole
 * pipeline, compared by conformance/run.py, with one agent and with three agents on this kernel
 * (additive aggregates exactly 3x, averages and extremes unchanged). Afterwards nothing of ours is
 * left in the kernel.
 *
 * <p>To stay well inside CI's time, the runs share one broker (each run with topics of its own,
 * agents and coordinator in its process as in embedded mode), two cases run side by side, the JVMs
 * compile with C1 only (a run lasts seconds), and CI checks every case in text with one agent and
 * in JSON with three: both formats and the merge. {@code -Dconformance.matrix=full} adds JSON with
 * one agent and text with three.
 */
@Tag("kernel")
class ConformanceIT {
    private static LocalCluster cluster;
    private static String bootstrap;

    @BeforeAll
    static void broker() throws Exception {
        if (KernelAssumptions.missing() != null) return;
        cluster = new LocalCluster(Files.createTempDirectory("conformance-broker"));
        bootstrap = cluster.broker();
    }

    @AfterAll
    static void stopBroker() {
        if (cluster != null) cluster.close();
    }

    @BeforeEach
    void kernel() {
        KernelAssumptions.assumeBpf();
    }

    static List<Arguments> configurations() {
        List<Arguments> all = new ArrayList<>(List.of(Arguments.of(1, false), Arguments.of(3, true)));
        if ("full".equals(System.getProperty("conformance.matrix"))) all.addAll(List.of(Arguments.of(1, true), Arguments.of(3, false)));
        return all;
    }

    @ParameterizedTest(name = "agents={0} json={1}")
    @MethodSource("configurations")
    void everyRecordedCasePasses(int agents, boolean json) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("python3", "conformance/run.py", "--tracer", Cli.launcher().toString(),
                "--cases", "conformance/cases", "--agents", Integer.toString(agents), "--bootstrap", bootstrap, "--jobs", "2"));
        if (json) cmd.add("--json");
        var r = Cli.exec(List.of("env", "WL=" + Workload.binary(), "PWL=" + Workload.userBinary(), "FLEETTRACE_JVM_OPTS=-XX:TieredStopAtLevel=1",
                        "bash", "-c", String.join(" ", cmd.stream().map(ConformanceIT::quote).toList())),
                Duration.ofMinutes(15));
        System.out.println(r.stdout());
        String last = r.stdout().strip().lines().reduce((a, b) -> b).orElse("");
        assertEquals(0, r.exit(), r.stdout() + r.stderr());
        assertTrue(last.matches("conformance: (\\d+)/\\1 passed"), last);
        assertEquals(List.of(), Cli.leftInKernel(), "programs or maps left loaded");
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
