package dev.fleettrace.compiler.sema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fleettrace.compiler.CompileOptions;
import dev.fleettrace.compiler.Compiler;
import dev.fleettrace.compiler.Fixtures;
import dev.fleettrace.compiler.diag.CompileException;
import dev.fleettrace.compiler.diag.Source;
import dev.fleettrace.plan.FieldKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code curtask} and pointers as bpftrace 0.17 types them (messages recorded from bpftrace 0.17 on
 * this machine; the fixture's BTF stands in for the kernel's).
 */
class PointerSemanticsTest {

    private static String firstLine(String program) {
        CompileException e = assertThrows(CompileException.class, () -> Compiler.compile(Source.stdin(program), Fixtures.probeFacts(), CompileOptions.defaults()));
        return e.render().lines().findFirst().orElseThrow();
    }

    @ParameterizedTest
    @CsvSource(delimiterString = "=>", textBlock = """
            BEGIN { @ = curtask - curtask; }                 => stdin:1:21-22: ERROR: The - operator can not be used on expressions of types struct task_struct *, struct task_struct *
            BEGIN { @ = curtask & 0xfff; }                   => stdin:1:21-22: ERROR: The & operator can not be used on expressions of types struct task_struct *, int64
            BEGIN { @ = curtask * 2; }                       => stdin:1:21-22: ERROR: The * operator can not be used on expressions of types struct task_struct *, int64
            BEGIN { @ = 1 - curtask; }                       => stdin:1:15-16: ERROR: The - operator can not be used on expressions of types int64, struct task_struct *
            BEGIN { @ = curtask && 1; }                      => stdin:1:21-23: ERROR: The && operator can not be used on expressions of types struct task_struct *, int64
            BEGIN { @ = 1 || curtask; }                      => stdin:1:15-17: ERROR: The || operator can not be used on expressions of types int64, struct task_struct *
            BEGIN { @ = sum( curtask ); }                    => stdin:1:13-27: ERROR: sum() only supports integer arguments (pointer provided)
            BEGIN { @ = hist( curtask ); }                   => stdin:1:13-28: ERROR: hist() only supports integer arguments (pointer provided)
            BEGIN { @ = sum(comm); }                         => stdin:1:13-22: ERROR: sum() only supports integer arguments (string provided)
            BEGIN { print( curtask ); }                      => stdin:1:9-25: ERROR: struct task_struct * type passed to print() is not printable
            BEGIN { if (curtask) { } }                       => stdin:1:1-1: ERROR: Invalid condition in if(): pointer
            BEGIN { if ("a") { } }                           => stdin:1:1-1: ERROR: Invalid condition in if(): string
            BEGIN { @ = comm ? 1 : 2; }                      => stdin:1:13-25: ERROR: Invalid condition in ternary: string
            BEGIN { @ = curtask; @ = 1; }                    => stdin:1:22-23: ERROR: Type mismatch for @: trying to assign value of type 'int64' when map already contains a value of type 'struct task_struct *
            BEGIN { @ = 1; @ = curtask; }                    => stdin:1:16-17: ERROR: Type mismatch for @: trying to assign value of type 'struct task_struct *' when map already contains a value of type 'int64
            BEGIN { @ = curtask->nope; }                     => stdin:1:13-26: ERROR: Struct/union of type 'struct task_struct' does not contain a field named 'nope'
            """)
    void reportsWhatBpftraceReports(String program, String expected) {
        assertEquals(expected, firstLine(program.strip()));
    }

    /** fleettrace's own: END and interval blocks run on the coordinator, where there is no task to point at. */
    @Test
    void curtaskIsRefusedWhereNoTaskRuns() {
        assertEquals("stdin:1:22-29: ERROR: curtask is not available in END and interval blocks: they run on the coordinator, which is no task on the traced hosts (read it in a probe and keep what you need in a map)",
                firstLine("END { printf(\"%d\\n\", curtask->pid); }"));
    }

    @Test
    void theOperatorAloneIsMarkedForAnInvalidUnaryOperator() throws Exception {
        CompileException e = assertThrows(CompileException.class, () -> Compiler.compile(Source.stdin("BEGIN { @n = !curtask; }"), Fixtures.probeFacts(), CompileOptions.defaults()));
        assertEquals("""
                stdin:1:14-15: ERROR: The ! operator can not be used on expressions of type 'struct task_struct *'
                BEGIN { @n = !curtask; }
                             ~
                """, e.render());
    }

    @Test
    void anIfConditionErrorHasAnEmptyCaretLineAsInBpftrace() {
        CompileException e = assertThrows(CompileException.class, () -> Compiler.compile(Source.stdin("BEGIN { if (curtask) { } }"), Fixtures.probeFacts(), CompileOptions.defaults()));
        assertEquals("stdin:1:1-1: ERROR: Invalid condition in if(): pointer\nBEGIN { if (curtask) { } }\n\n", e.render());
    }

    @Test
    void curtaskIsATaskStructPointerAndArithmeticKeepsThePointer() throws Exception {
        var c = Compiler.compile(Source.stdin("tracepoint:syscalls:sys_enter_getppid { $t = curtask + 1; @[curtask] = count(); @v = $t->real_parent; @c = $t == curtask; }"),
                Fixtures.probeFacts(), CompileOptions.defaults());
        Type t = c.typed().types().entrySet().stream().filter(e -> e.getKey().toString().contains("Binary[op=ADD")).findFirst().orElseThrow().getValue();
        assertInstanceOf(Type.Pointer.class, t);
        assertEquals("struct task_struct *", t.toString());
        // The address is the key, printed 0x... on the coordinator; the pointer value prints as a signed integer.
        var at = c.plan().bindings().stream().filter(b -> b.schema().name().equals("@")).findFirst().orElseThrow();
        assertEquals(java.util.List.of(FieldKind.POINTER), at.schema().key());
        var v = c.plan().bindings().stream().filter(b -> b.schema().name().equals("@v")).findFirst().orElseThrow();
        assertEquals(FieldKind.INT, v.schema().value());
    }

    @Test
    void comparingDistinctPointerTypesWarns() throws Exception {
        var c = Compiler.compile(Source.stdin("BEGIN { @ = curtask == curtask->real_parent; @d = curtask == (struct file *)0; }"), Fixtures.probeFacts(), CompileOptions.defaults());
        assertEquals(1, c.typed().warnings().size());
        assertEquals("stdin:1:51-77: WARNING: comparison of distinct pointer types ('struct task_struct, 'struct file')\n",
                c.typed().warnings().getFirst().render(Source.stdin("BEGIN { @ = curtask == curtask->real_parent; @d = curtask == (struct file *)0; }")).lines().findFirst().orElseThrow() + "\n");
    }
}
