package dev.fleettrace.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.bpf.ProgType;
import dev.fleettrace.compiler.diag.CompileException;
import dev.fleettrace.compiler.diag.Source;
import dev.fleettrace.compiler.facts.KernelFacts;
import dev.fleettrace.compiler.facts.ProbeFamily;
import dev.fleettrace.compiler.sema.ProbeTarget;
import dev.fleettrace.compiler.sema.Type;
import dev.fleettrace.plan.AttachPoint;
import dev.fleettrace.plan.FieldKind;
import dev.fleettrace.plan.ProbeProgram;
import dev.fleettrace.plan.ProgramPlan;
import dev.fleettrace.plan.Symbolic;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Attach points of every probe type (bpftrace's syntax and short forms, wildcards), what each probe
 * type's context offers, and the errors, with bpftrace 0.17's wording where it has one (recorded on
 * this machine).
 */
class ProbeTypesTest {
    private static final KernelFacts FACTS = Fixtures.probeFacts();

    private static ProgramPlan plan(String program, String... params) throws CompileException {
        return Compiler.compile(Source.stdin(program), FACTS, CompileOptions.defaults().withParams(List.of(params))).plan();
    }

    private static List<String> probes(String program, String... params) throws CompileException {
        return plan(program, params).probes().stream().map(p -> p.attach().probeName()).toList();
    }

    private static String error(KernelFacts facts, String program) {
        CompileException e = assertThrows(CompileException.class, () -> Compiler.compile(Source.stdin(program), facts, CompileOptions.defaults()));
        return e.render().lines().findFirst().orElseThrow();
    }

    private static String error(String program) {
        return error(FACTS, program);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            u:pwl:pwl_work                       | uprobe:/opt/fixtures/pwl:pwl_work        | KPROBE
            uprobe:/opt/fixtures/pwl:pwl_work+4  | uprobe:/opt/fixtures/pwl:pwl_work+4      | KPROBE
            uprobe:pwl:0x1380                    | uprobe:/opt/fixtures/pwl:0x1380          | KPROBE
            ur:pwl:pwl_work                      | uretprobe:/opt/fixtures/pwl:pwl_work     | KPROBE
            U:pwl:pwl:tick                       | usdt:/opt/fixtures/pwl:pwl:tick          | KPROBE
            usdt:pwl:guarded                     | usdt:/opt/fixtures/pwl:pwl:guarded       | KPROBE
            k:vfs_read                           | kprobe:vfs_read                          | KPROBE
            kprobe:vfs_read+16                   | kprobe:vfs_read+16                       | KPROBE
            kr:vfs_read                          | kretprobe:vfs_read                       | KPROBE
            f:vfs_read                           | kfunc:vfs_read                           | TRACING
            kretfunc:vfs_read                    | kretfunc:vfs_read                        | TRACING
            rawtracepoint:sched_switch           | rawtracepoint:sched_switch               | RAW_TRACEPOINT
            rt:sys_enter_read                    | rawtracepoint:sys_enter_read             | RAW_TRACEPOINT
            p:hz:99                              | profile:hz:99                            | PERF_EVENT
            profile:ms:10                        | profile:ms:10                            | PERF_EVENT
            s:faults:100                         | software:faults:100                      | PERF_EVENT
            software:cpu-clock                   | software:cpu-clock                       | PERF_EVENT
            h:cycles:1000                        | hardware:cycles:1000                     | PERF_EVENT
            t:syscalls:sys_enter_read            | tracepoint:syscalls:sys_enter_read       | TRACEPOINT
            """)
    void everyProbeTypeAndShortForm(String written, String name, ProgType type) throws Exception {
        ProgramPlan p = plan(written + " { @ = count(); }");
        assertEquals(1, p.probes().size());
        assertEquals(name, p.probes().getFirst().attach().probeName());
        assertEquals(type, p.probes().getFirst().type());
    }

    @Test
    void attachPointsCarryWhatTheAgentNeeds() throws Exception {
        ProgramPlan p = plan("uretprobe:pwl:pwl_work { @a = count(); } usdt:pwl:guarded { @b = count(); } kfunc:vfs_read { @c = count(); }"
                + " profile:hz:99 { @d = count(); } software:faults { @e = count(); } profile:ms:10 { @f = count(); }");
        List<AttachPoint> aps = p.probes().stream().map(ProbeProgram::attach).toList();
        assertEquals(new AttachPoint.Uprobe("uretprobe:/opt/fixtures/pwl:pwl_work", "/opt/fixtures/pwl", 0x1380, true, 0), aps.get(0));
        // The semaphore at 0x4068 lives in the data segment, at file offset 0x3068: the kernel counts it there.
        assertEquals(new AttachPoint.Uprobe("usdt:/opt/fixtures/pwl:pwl:guarded", "/opt/fixtures/pwl", 0x13c9, false, 0x3068), aps.get(1));
        assertEquals(new AttachPoint.Kfunc("vfs_read", false, FACTS.btf().orElseThrow().find("vfs_read", 12).orElseThrow()), aps.get(2));
        assertEquals(new AttachPoint.PerfEvent("profile:hz:99", 1, 0, 99, true), aps.get(3));
        assertEquals(new AttachPoint.PerfEvent("software:faults", 1, 2, 100, false), aps.get(4), "page-faults, bpftrace's default period");
        assertEquals(new AttachPoint.PerfEvent("profile:ms:10", 1, 0, 10_000_000, false), aps.get(5), "cpu-clock counts nanoseconds");
    }

    @Test
    void wildcardsExpandAsBpftraceDoes() throws Exception {
        assertEquals(List.of("uprobe:/opt/fixtures/pwl:pwl_calls", "uprobe:/opt/fixtures/pwl:pwl_malloc", "uprobe:/opt/fixtures/pwl:pwl_spin",
                "uprobe:/opt/fixtures/pwl:pwl_syscall", "uprobe:/opt/fixtures/pwl:pwl_work"), probes("uprobe:pwl:pwl_* { @ = count(); }"));
        assertEquals(List.of("usdt:/opt/fixtures/pwl:pwl:tick", "usdt:/opt/fixtures/pwl:pwl:guarded"), probes("usdt:pwl:pwl:* { @ = count(); }"));
        assertEquals(List.of("kprobe:vfs_read", "kprobe:vfs_readv"), probes("kprobe:vfs_read* { @ = count(); }"));
        assertEquals(List.of("kfunc:vfs_read"), probes("kfunc:vfs_* { @ = count(); }"));
        assertEquals(List.of("rawtracepoint:sys_enter_read", "rawtracepoint:sys_exit_read"), probes("rawtracepoint:sys_*_read { @ = count(); }"));
        assertEquals(List.of("uprobe:/opt/fixtures/pwl:pwl_work"), probes("uprobe:$1:pwl_work { @ = count(); }", "pwl"), "positional parameters in attach points");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            uprobe:pwl { }                                  | stdin:1:1-11: ERROR: uprobe probe type requires 2 arguments
            uprobe:/tmp/nonexist:foo { }                    | stdin:1:1-25: ERROR: uprobe target file '/tmp/nonexist' does not exist or is not executable
            uretprobe:pwl:pwl_work+4 { }                    | stdin:1:1-25: ERROR: Offset not allowed
            profile:hz { }                                  | stdin:1:1-11: ERROR: profile probe type requires 2 arguments
            profile:xx:9 { }                                | stdin:1:1-13: ERROR: xx is not an accepted unit of time
            software:bogus:1 { }                            | stdin:1:1-17: ERROR: bogus is not a software probe
            hardware:bogus { }                              | stdin:1:1-15: ERROR: bogus is not a hardware probe
            profile:hz:99 { @ = arg0; }                     | stdin:1:21-25: ERROR: The arg0 builtin can only be used with 'kprobes', 'uprobes' and 'usdt' probes
            uretprobe:pwl:pwl_work { @ = arg0; }            | stdin:1:30-34: ERROR: The arg0 builtin can only be used with 'kprobes', 'uprobes' and 'usdt' probes
            tracepoint:syscalls:sys_enter_read { @ = retval; } | stdin:1:42-48: ERROR: The retval builtin can only be used with 'kretprobe' and 'uretprobe' and 'kfunc' probes (try to use args->ret instead)
            tracepoint:syscalls:sys_enter_read { @[func] = count(); } | stdin:1:38-44: ERROR: The func builtin can not be used with 'tracepoint' probes
            profile:hz:99 { @[func] = count(); }            | stdin:1:17-23: ERROR: The func builtin can not be used with 'profile' probes
            """)
    void errorsAsBpftraceWordsThem(String program, String expected) {
        assertEquals(expected, error(program.strip()));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            uprobe:pwl:nosuch { }                   | stdin:1:1-18: ERROR: No function nosuch in /opt/fixtures/pwl (uprobes attach to the functions of .symtab and .dynsym)
            usdt:pwl:nosuch { }                     | stdin:1:1-16: ERROR: No USDT probe nosuch in /opt/fixtures/pwl
            usdt:pwl:pwl:tick { @ = arg4; }         | stdin:1:25-29: ERROR: usdt:/opt/fixtures/pwl:pwl:tick has 4 arguments: there is no arg4
            kfunc:nosuch { }                        | stdin:1:1-13: ERROR: No BTF found for nosuch: kfunc probes attach to kernel functions the kernel's BTF describes
            kfunc:vfs_read { @ = args->nosuch; }    | stdin:1:22-34: ERROR: Struct/union of type 'struct kfunc_vfs_read' does not contain a field named 'nosuch'
            kprobe:vfs_read { @ = arg6; }           | stdin:1:23-27: ERROR: x86_64 doesn't support arg6
            BEGIN { @ = kstack(raw); }              | stdin:1:13-23: ERROR: kstack: invalid mode value, use either "bpftrace" or "perf"
            BEGIN { @ = ustack(200); }              | stdin:1:13-23: ERROR: ustack() limit must be between 0 and 127 (200 provided)
            END { @ = kstack; }                     | stdin:1:11-17: ERROR: kstack can not be used with 'END' probes: they run on the coordinator, where there is no stack
            BEGIN { @ = kaddr("nosuch"); }          | stdin:1:13-28: ERROR: Failed to resolve kernel symbol: nosuch
            BEGIN { @ = uaddr("pwl_work"); }        | stdin:1:13-30: ERROR: uaddr can only be used with uprobes and usdt probes (BEGIN used here)
            BEGIN { @ = ((struct nosuch *)0)->x; }  | stdin:1:13-31: ERROR: Unknown struct/union: 'struct nosuch'
            BEGIN { @ = ((struct task_struct *)0)->nosuch; } | stdin:1:13-47: ERROR: Struct/union of type 'struct task_struct' does not contain a field named 'nosuch'
            """)
    void fleettracesOwnErrors(String program, String expected) {
        assertEquals(expected, error(program.strip()));
    }

    @Test
    void whatTheKernelLacksIsAnErrorAtTheAttachPoint() {
        KernelFacts lacking = Fixtures.probeFactsBuilder()
                .unsupported(ProbeFamily.KPROBE, "kprobes are not available on this kernel: it is built without them")
                .unsupported(ProbeFamily.KFUNC, "kfunc/kretfunc not available: this kernel refuses to load fentry/fexit programs")
                .unsupported(ProbeFamily.HARDWARE, "hardware events are not available: this machine exposes no hardware performance counters").build();
        assertEquals("stdin:1:1-19: ERROR: kprobes are not available on this kernel: it is built without them", error(lacking, "kretprobe:vfs_read { }"));
        assertEquals("stdin:1:1-15: ERROR: kfunc/kretfunc not available: this kernel refuses to load fentry/fexit programs", error(lacking, "kfunc:vfs_read { }"));
        assertEquals("stdin:1:1-16: ERROR: hardware events are not available: this machine exposes no hardware performance counters", error(lacking, "hardware:cycles { }"));
    }

    @Test
    void kfuncArgumentsAndReturnValueAreTypedFromBtf() throws Exception {
        var typed = Compiler.check(Source.stdin("kretfunc:vfs_read { $c = args->count; $r = retval; $f = args->file; }"), FACTS, CompileOptions.defaults());
        var vars = typed.probes().getFirst().vars();
        assertEquals(Type.Int.UINT64, vars.get("c"), "size_t");
        assertEquals(Type.Int.INT64, vars.get("r"), "ssize_t");
        assertInstanceOf(Type.Pointer.class, vars.get("f"));
        assertEquals("struct file *", vars.get("f").toString());
    }

    @Test
    void structsComeFromBtf() throws Exception {
        var typed = Compiler.check(Source.stdin("BEGIN { $t = (struct task_struct *)curtask; $c = $t->comm; $p = $t->real_parent->pid; "
                + "$q = $t->se.on_rq; $b = $t->in_iowait; $u = $t->flags_low; $s = sizeof(struct task_struct); }"), FACTS, CompileOptions.defaults());
        var vars = typed.probes().getFirst().vars();
        assertEquals(new Type.Str(16), vars.get("c"), "char[16] is a string");
        assertEquals(Type.Int.INT64, vars.get("p"), "pid_t, through a pointer to another task_struct");
        assertEquals(Type.Int.UINT64, vars.get("q"), "a field of an embedded struct");
        assertEquals(Type.Int.UINT64, vars.get("b"), "a bitfield");
        assertEquals(Type.Int.UINT64, vars.get("u"), "a field of an anonymous union");
    }

    @Test
    void stacksAndSymbolsAreResolvedOnTheAgent() throws Exception {
        ProgramPlan p = plan("tracepoint:syscalls:sys_enter_read { @k[kstack(perf, 5)] = count(); @u[comm, ustack] = count(); @s[ksym(1)] = count(); @v = ustack(2); }");
        var k = p.bindings().stream().filter(b -> b.schema().name().equals("@k")).findFirst().orElseThrow();
        assertEquals(List.of(FieldKind.STACK), k.schema().key());
        Symbolic ks = k.keyFields().getFirst().symbolic();
        assertEquals(new Symbolic(Symbolic.Kind.KSTACK, 5, Symbolic.StackMode.PERF, ks.stackMap()), ks);
        assertEquals(40, p.maps().get(ks.stackMap()).valueSize(), "a stack map keeps 5 frames");
        var u = p.bindings().stream().filter(b -> b.schema().name().equals("@u")).findFirst().orElseThrow();
        assertEquals(List.of(FieldKind.STRING, FieldKind.STACK), u.schema().key());
        assertEquals(16, u.keyFields().get(1).size(), "a user stack id and its process id");
        var s = p.bindings().stream().filter(b -> b.schema().name().equals("@s")).findFirst().orElseThrow();
        assertEquals(List.of(FieldKind.STRING), s.schema().key(), "ksym prints as a string");
        var v = p.bindings().stream().filter(b -> b.schema().name().equals("@v")).findFirst().orElseThrow();
        assertEquals(FieldKind.STACK, v.schema().value());
        assertEquals(Symbolic.Kind.USTACK, v.valueSymbolic().kind());
        assertTrue(p.maps().stream().filter(m -> m.type() == dev.fleettrace.bpf.MapType.STACK_TRACE).count() == 3, "one stack map per kind and limit");
    }

    @Test
    void funcIsTheProbedFunction() throws Exception {
        var typed = Compiler.check(Source.stdin("uprobe:pwl:pwl_* { @[func] = count(); }"), FACTS, CompileOptions.defaults());
        assertEquals(5, typed.probes().getFirst().targets().size());
        assertInstanceOf(ProbeTarget.Uprobe.class, typed.probes().getFirst().targets().getFirst());
    }
}
