package dev.fleettrace.compiler.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The compile benchmark measures what it says: its input is 100 lines and compiles. */
class CompileBenchmarkInputTest {

    @Test
    void theInputIsAHundredLinesThatCompile() throws Exception {
        assertEquals(100, CompileBenchmark.hundredLines().lines().count());
        CompileBenchmark b = new CompileBenchmark();
        b.setup();
        var plan = b.compileHundredLines();
        assertTrue(plan.probes().size() >= 6, "probes compiled: " + plan.probes().size());
    }
}
