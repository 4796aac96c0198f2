package dev.fleettrace.compiler.sema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fleettrace.compiler.CompileOptions;
import dev.fleettrace.compiler.Compiler;
import dev.fleettrace.compiler.Fixtures;
import dev.fleettrace.compiler.diag.CompileException;
import dev.fleettrace.compiler.diag.Source;
import dev.fleettrace.bpf.Disassembler;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code reg()}, {@code kptr()} and {@code uptr()}: errors as bpftrace 0.17 reports them (recorded on this machine), and what reg() reads. */
class RegistersTest {

    @ParameterizedTest
    @CsvSource(delimiterString = "=>", textBlock = """
            BEGIN { @ = reg("sp"); }                                   => stdin:1:13-22: ERROR: reg can not be used with "BEGIN" probes
            tracepoint:syscalls:sys_enter_getppid { @ = reg("ip"); }   => stdin:1:45-54: ERROR: reg can not be used with "tracepoint" probes
            END { @ = reg("ip"); }                                     => stdin:1:11-20: ERROR: reg can not be used with "END" probes
            uprobe:pwl:pwl_work { @ = reg("nope"); }                   => stdin:1:27-38: ERROR: 'nope' is not a valid register on this architecture (x86_64)
            uprobe:pwl:pwl_work { @ = reg(1); }                        => stdin:1:27-33: ERROR: reg() expects a string literal (integer provided)
            uprobe:pwl:pwl_work { @ = reg("ip", 1); }                  => stdin:1:27-39: ERROR: reg() requires one argument (2 provided)
            BEGIN { @ = kptr("a"); }                                   => stdin:1:13-22: ERROR: kptr() only supports integer or pointer arguments (string provided)
            BEGIN { @ = kptr(); }                                      => stdin:1:13-19: ERROR: kptr() requires one argument (0 provided)
            """)
    void reportsWhatBpftraceReports(String program, String expected) {
        CompileException e = assertThrows(CompileException.class, () -> Compiler.compile(Source.stdin(program.strip()), Fixtures.probeFacts(), CompileOptions.defaults()));
        assertEquals(expected, e.render().lines().findFirst().orElseThrow());
    }

    /** Registers are 8-byte slots of struct pt_regs in bpftrace's order: di at 112, ip at 128, sp at 152. */
    @ParameterizedTest
    @CsvSource(delimiterString = "=>", textBlock = """
            di => 112
            ip => 128
            sp => 152
            r15 => 0
            ax => 80
            """)
    void readsTheSavedRegister(String reg, int offset) throws Exception {
        var c = Compiler.compile(Source.stdin("uprobe:pwl:pwl_work { @ = sum(reg(\"" + reg + "\")); }"), Fixtures.probeFacts(), CompileOptions.defaults());
        String text = Disassembler.disassemble(c.plan().probes().getFirst().insns(), i -> "map");
        org.junit.jupiter.api.Assertions.assertTrue(text.contains("= *(u64 *)(r6 +" + offset + ")"), text);
    }
}
