package dev.fleettrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.testkit.KernelAssumptions;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Mistakes get one clear message with a position and a caret, a non-zero exit, no stack trace, nothing attached. */
@Tag("kernel")
class BadInputIT {

    private static void noStackTrace(Cli.Result r) {
        assertFalse(r.stderr().contains("\tat ") || r.stderr().contains("Exception"), "stack trace on stderr:\n" + r.stderr());
    }

    @Test
    void unknownTracepoint() throws Exception {
        KernelAssumptions.assumeBpf();
        var r = Cli.run(Duration.ofSeconds(60), "-e", "tracepoint:syscalls:sys_enter_foo { @ = count(); }");
        assertEquals(1, r.exit());
        assertEquals("""
                stdin:1:1-34: ERROR: tracepoint not found: syscalls:sys_enter_foo
                tracepoint:syscalls:sys_enter_foo { @ = count(); }
                ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
                """, r.stderr());
        assertEquals("", r.stdout());
        assertEquals(List.of(), Cli.leftInKernel());
    }

    @Test
    void syntaxErrorInAFileNamesTheFileLineAndColumn() throws Exception {
        KernelAssumptions.assumeBpf();
        Path f = Files.createTempFile("bad", ".bt");
        Files.writeString(f, "BEGIN {\n  @x = count(;\n}\n");
        var r = Cli.run(Duration.ofSeconds(60), f.toString());
        assertEquals(1, r.exit());
        assertTrue(r.stderr().startsWith(f + ":2:8-15: ERROR: syntax error, unexpected ;, expecting an expression\n  @x = count(;\n       ~~~~~~~\n"), r.stderr());
        noStackTrace(r);
    }

    @Test
    void typeErrorPointsAtItsSpan() throws Exception {
        KernelAssumptions.assumeBpf();
        var r = Cli.run(Duration.ofSeconds(60), "-e", "BEGIN { @x = count(1); }");
        assertEquals(1, r.exit());
        assertTrue(r.stderr().startsWith("stdin:1:14-22: ERROR: count() requires no arguments (1 provided)\nBEGIN { @x = count(1); }\n             ~~~~~~~~\n"), r.stderr());
    }

    @Test
    void noBrokerAtBootstrapFailsWithinSeconds() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        var r = Cli.run(Duration.ofSeconds(60), "--bootstrap", "127.0.0.1:" + port, "-e", "BEGIN { exit(); }");
        assertEquals(1, r.exit());
        assertEquals("fleettrace: no Kafka broker answers at 127.0.0.1:" + port
                + " (connection refused): start one, or drop --bootstrap to use the embedded broker\n", r.stderr());
        assertTrue(r.took().toSeconds() < 10, "took " + r.took());
    }

    @Test
    void notRootSaysWhatToDo() throws Exception {
        KernelAssumptions.assumeBpf();
        var r = Cli.exec(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
                Cli.launcher().toString(), "-e", "BEGIN { exit(); }"), Duration.ofSeconds(60));
        assertEquals(1, r.exit());
        assertEquals("fleettrace: loading BPF programs needs root (or CAP_BPF and CAP_PERFMON): run fleettrace with sudo\n", r.stderr());
    }

    @Test
    void missingScriptFile() throws Exception {
        var r = Cli.run(Duration.ofSeconds(60), "/nonexistent/script.bt");
        assertEquals(1, r.exit());
        assertEquals("fleettrace: cannot read /nonexistent/script.bt: no such file\n", r.stderr());
    }
}
