package dev.fleettrace.compiler.bench;

import dev.fleettrace.compiler.CompileOptions;
import dev.fleettrace.compiler.Compiler;
import dev.fleettrace.compiler.Fixtures;
import dev.fleettrace.compiler.diag.CompileException;
import dev.fleettrace.compiler.diag.Source;
import dev.fleettrace.compiler.facts.KernelFacts;
import dev.fleettrace.plan.ProgramPlan;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Compiling a 100-line script (src/test/resources/bench/hundred-lines.bt: seven probe kinds, every
 * aggregation, strings, loops, printf) in a warm JVM: parse, semantic analysis, code generation, against
 * kernel facts recorded from a 6.18 kernel ({@link Fixtures#facts()}), so no kernel is needed.
 *
 * <p>Run: {@code mvn -B -o -q -pl compiler -Pjmh test-compile exec:exec}
 * (JMH options after it with {@code -Djmh.args="..."}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 10, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CompileBenchmark {

    private KernelFacts facts;
    private String script;

    @Setup
    public void setup() throws IOException {
        facts = Fixtures.facts();
        script = hundredLines();
    }

    /** The benchmark's input script. */
    public static String hundredLines() throws IOException {
        try (InputStream in = CompileBenchmark.class.getResourceAsStream("/bench/hundred-lines.bt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Benchmark
    public ProgramPlan compileHundredLines() throws CompileException {
        ops++;
        return Compiler.compile(Source.stdin(script), facts, CompileOptions.defaults()).plan();
    }

    // On a loaded machine the time per operation is mostly waiting for a core: each iteration also
    // prints the CPU time the compiling thread used per compile.
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private long ops, cpuStart;

    @Setup(Level.Iteration)
    public void startIteration() {
        ops = 0;
        cpuStart = THREADS.getCurrentThreadCpuTime();
    }

    @TearDown(Level.Iteration)
    public void endIteration() {
        // Iteration set-up and tear-down run on the benchmark thread, so this is its CPU time.
        if (ops > 0) System.out.printf("  (CPU %.3f ms per compile over %d compiles)%n", (THREADS.getCurrentThreadCpuTime() - cpuStart) / 1e6 / ops, ops);
    }
}
