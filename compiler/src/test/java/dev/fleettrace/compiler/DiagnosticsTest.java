package dev.fleettrace.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fleettrace.compiler.diag.CompileException;
import dev.fleettrace.compiler.diag.Source;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Errors point at the right span with bpftrace's wording. Each row: a program and the first line
 * bpftrace 0.17 prints for it (recorded on this machine), except where marked as fleettrace's own.
 */
class DiagnosticsTest {

    private static String firstLine(String program) {
        CompileException e = assertThrows(CompileException.class, () -> Compiler.compile(Source.stdin(program), Fixtures.facts(), CompileOptions.defaults()));
        return e.render().lines().findFirst().orElseThrow();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            tracepoint:syscalls:sys_enter_foo { @ = count(); }               | stdin:1:1-34: ERROR: tracepoint not found: syscalls:sys_enter_foo
            tracepoint:syscalls { }                                          | stdin:1:1-20: ERROR: tracepoint probe type requires 2 arguments
            tracepoint:nosuch:* { }                                          | stdin:1:1-20: ERROR: tracepoints not found: nosuch:*
            interval:x:1 { }                                                 | stdin:1:1-13: ERROR: x is not an accepted unit of time
            interval:s { }                                                   | stdin:1:1-11: ERROR: interval probe type requires 2 arguments
            BEGIN { @x = 1; @x = "a"; }                                      | stdin:1:17-19: ERROR: Type mismatch for @x: trying to assign value of type 'string[2]' when map already contains a value of type 'int64
            tracepoint:syscalls:sys_enter_openat { @ = count(); @ = sum(1); } | stdin:1:53-54: ERROR: Type mismatch for @: trying to assign value of type 'sum' when map already contains a value of type 'count
            BEGIN { printf("%d\\n"); }                                       | stdin:1:9-23: ERROR: printf: Not enough arguments for format string (0 supplied, 1 expected)
            BEGIN { printf("%s\\n", 1); }                                    | stdin:1:9-26: ERROR: printf: %s specifier expects a value of type string (integer supplied)
            BEGIN { printf("%d\\n", "a"); }                                  | stdin:1:9-28: ERROR: printf: %d specifier expects a value of type integer (string supplied)
            BEGIN { printf(1); }                                             | stdin:1:9-18: ERROR: printf() expects a string literal (integer provided)
            BEGIN { count(); }                                               | stdin:1:9-16: ERROR: count() should be directly assigned to a map
            BEGIN { @x = hist(); }                                           | stdin:1:14-20: ERROR: hist() requires one argument (0 provided)
            BEGIN { @x = lhist(1, 0, 10); }                                  | stdin:1:14-29: ERROR: lhist() requires 4 arguments (3 provided)
            BEGIN { @x = count(1); }                                         | stdin:1:14-22: ERROR: count() requires no arguments (1 provided)
            BEGIN { $x = "a" + 1; }                                          | stdin:1:14-21: ERROR: Type mismatch for '+': comparing 'string[2]' with 'int64'
            BEGIN { @x = nosuch; }                                           | stdin:1:14-20: ERROR: Unknown identifier: 'nosuch'
            BEGIN { @ = args->x; }                                           | stdin:1:13-17: ERROR: The args builtin can only be used with tracepoint/kfunc/uprobeprobes (special used here)
            BEGIN { @ = $y; }                                                | stdin:1:13-15: ERROR: Undefined or undeclared variable: $y
            END { clear(1); }                                                | stdin:1:7-15: ERROR: clear() expects a map to be provided
            BEGIN { @x = foo(1); }                                           | stdin:1:14-17: ERROR: Unknown function: foo
            tracepoint:syscalls:sys_enter_read / comm / { }                 | stdin:1:36-44: ERROR: Invalid type for predicate: string
            tracepoint:syscalls:sys_enter_read /(comm)/ { }                 | stdin:1:36-44: ERROR: Invalid type for predicate: string
            BEGIN { @x = lhist(1, -1, 10, 1); }                              | stdin:1:14-33: ERROR: lhist() min must be non-negative (provided min -1)
            BEGIN { @x = lhist(1, 0, 10, 0); }                               | stdin:1:14-32: ERROR: lhist() step must be >= 1 (0 provided)
            BEGIN { @x =foo(1); }                                            | stdin:1:12-16: ERROR: Unknown function: foo
            BEGIN { @ = count(); @[1] = 2; }                                 | stdin:1:22-26: ERROR: Type mismatch for @: trying to assign value of type 'int64' when map already contains a value of type 'count
            BEGIN { @[1] = 1; @["a"] = "b"; }                                | stdin:1:19-25: ERROR: Type mismatch for @: trying to assign value of type 'string[2]' when map already contains a value of type 'int64
            BEGIN { $x = 1; $x = "s"; }                                      | stdin:1:20-21: ERROR: Type mismatch for $x: trying to assign value of type 'string[2]' when variable already contains a value of type 'int64'
            tracepoint:syscalls:sys_enter_openat { @[args->nofield] = count(); } | stdin:1:40-55: ERROR: Struct/union of type 'struct _tracepoint_syscalls_sys_enter_openat' does not contain a field named 'nofield'
            BEGIN { unroll(101) { } }                                        | stdin:1:9-20: ERROR: unroll maximum value is 100
            """)
    void reportsWhatBpftraceReports(String program, String expected) {
        assertEquals(expected, firstLine(program.strip()));
    }

    /** Unsafe functions and actions, as bpftrace 0.17 reports them (recorded on this machine). */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            tracepoint:syscalls:sys_enter_getppid { system("echo hi"); }     | stdin:1:41-58: ERROR: system() is an unsafe function being used in safe mode
            tracepoint:syscalls:sys_enter_getppid { signal("KILL"); }        | stdin:1:41-55: ERROR: signal() is an unsafe function being used in safe mode
            tracepoint:syscalls:sys_enter_getppid { override(1); }           | stdin:1:41-52: ERROR: override can only be used with kprobes.
            tracepoint:syscalls:sys_enter_execve { join(comm); }             | stdin:1:40-50: ERROR: () only supports int or pointer arguments (string provided)
            tracepoint:syscalls:sys_enter_execve { join(args->argv, comm); } | stdin:1:40-62: ERROR: join() expects a string literal (string provided)
            """)
    void unsafeFunctionsNeedUnsafe(String program, String expected) {
        assertEquals(expected, firstLine(program.strip()));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            tracepoint:syscalls:sys_enter_getppid { signal("FOO"); }  | stdin:1:41-54: ERROR: FOO is not a valid signal
            tracepoint:syscalls:sys_enter_getppid { signal(99); }     | stdin:1:41-51: ERROR: 99 is not a valid signal, allowed range: [1,64]
            tracepoint:syscalls:sys_enter_getppid { signal(comm); }   | stdin:1:41-53: ERROR: signal only accepts string literals or integers
            tracepoint:syscalls:sys_enter_getppid { override(1); }    | stdin:1:41-52: ERROR: override can only be used with kprobes.
            """)
    void unsafeFunctionsWithUnsafe(String program, String expected) {
        CompileException e = assertThrows(CompileException.class,
                () -> Compiler.compile(Source.stdin(program.strip()), Fixtures.facts(), CompileOptions.defaults().withUnsafe(true)));
        assertEquals(expected, e.render().lines().findFirst().orElseThrow());
    }

    @org.junit.jupiter.api.Test
    void overrideWithoutUnsafeInAKprobe() {
        String program = "kprobe:vfs_read { override(1); }";
        CompileException e = assertThrows(CompileException.class, () -> Compiler.compile(Source.stdin(program), Fixtures.probeFacts(), CompileOptions.defaults()));
        assertEquals("stdin:1:19-30: ERROR: override() is an unsafe function being used in safe mode", e.render().lines().findFirst().orElseThrow());
    }

    /**
     * Where fleettrace's message or span differs from bpftrace's on purpose: the parser names what it
     * expected (bpftrace's spans, recorded on this machine, where it reports the same place), and a
     * variable's type mismatch underlines the variable (bpftrace underlines the {@code =}).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            BEGIN { @x = count() }}                            | stdin:1:22-24: ERROR: syntax error, unexpected }, expecting an attach point
            BEGIN { @x = (1 + ; }                              | stdin:1:19-20: ERROR: syntax error, unexpected ;, expecting an expression
            BEGIN { if (1) { exit(); } else }                  | stdin:1:33-34: ERROR: syntax error, unexpected }, expecting {
            BEGIN { "abc }                                     | stdin:1:9-15: ERROR: unterminated string
            BEGIN { @x = 0x; }                                 | stdin:1:14-16: ERROR: invalid integer: 0x
            BEGIN { break; }                                   | stdin:1:9-14: ERROR: break used outside of a loop
            """)
    void fleettracesOwnSyntaxMessagesPointAtTheOffendingToken(String program, String expected) {
        assertEquals(expected, firstLine(program.strip()));
    }

    /**
     * A uprobe's {@code args} from DWARF (the pwl workload built with -g, and without): bpftrace 0.17's
     * messages, recorded on this machine with the same programs on /tmp/pwl.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            uprobe:pwl-debug:pwl_typed { @ = args->nosuch; }                     | stdin:1:34-46: ERROR: Can't find function parameter nosuch
            uprobe:pwl-debug:pwl_typed { @ = args->scale; }                      | stdin:1:34-45: ERROR: scale has unsupported type
            uprobe:pwl:pwl_work { @ = args->i; }                                 | stdin:1:1-20: ERROR: No debuginfo found for /opt/fixtures/pwl
            uprobe:pwl-debug:pwl_calls,uprobe:pwl-debug:pwl_work { @ = args->n; } | stdin:1:28-53: ERROR: Probe has attach points with mixed arguments
            uretprobe:pwl-debug:pwl_typed { @ = args->sc; }                      | stdin:1:37-41: ERROR: The args builtin can only be used with tracepoint/kfunc/uprobeprobes (uretprobe used here)
            uprobe:pwl-debug:0x1234 { @ = args->sc; }                            | stdin:1:31-39: ERROR: Can't find function parameter sc
            """)
    void uprobeArgumentsFromDwarf(String program, String expected) {
        CompileException e = assertThrows(CompileException.class,
                () -> Compiler.compile(Source.stdin(program.strip()), Fixtures.probeFacts(), CompileOptions.defaults()));
        assertEquals(expected, e.render().lines().findFirst().orElseThrow());
    }

    @org.junit.jupiter.api.Test
    void rendersTheSourceLineAndATildeUnderlineAsBpftrace() {
        CompileException e = assertThrows(CompileException.class,
                () -> Compiler.compile(new Source("t.bt", "BEGIN {\n  @x = foo(1);\n}\n"), Fixtures.facts(), CompileOptions.defaults()));
        assertEquals("t.bt:2:8-11: ERROR: Unknown function: foo\n  @x = foo(1);\n       ~~~\n", e.render());
    }
}
