package dev.fleettrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.testkit.KernelAssumptions;
import dev.fleettrace.testkit.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every case recorded from bpftrace 0.17 (conformance/cases) through the real CLI and the whole
 * pipeline, compared by conformance/run.py: text and JSON, one agent, and three agents on this kernel
 * (additive aggregates exactly 3x, averages and extremes unchanged). Afterwards nothing of ours is
 * left in the kernel.
 */
@Tag("kernel")
class ConformanceIT {

    @BeforeEach
    void kernel() {
        KernelAssumptions.assumeBpf();
    }

    @ParameterizedTest(name = "agents={0} json={1}")
    @CsvSource({"1,false", "1,true", "3,false", "3,true"})
    void everyRecordedCasePasses(int agents, boolean json) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("python3", "conformance/run.py", "--tracer", Cli.launcher().toString(),
                "--cases", "conformance/cases", "--agents", Integer.toString(agents)));
        if (json) cmd.add("--json");
        Workload.binary();
        var r = Cli.exec(List.of("env", "WL=" + Workload.binary(), "PWL=" + Workload.userBinary(), "bash", "-c", String.join(" ", cmd.stream().map(ConformanceIT::quote).toList())),
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
