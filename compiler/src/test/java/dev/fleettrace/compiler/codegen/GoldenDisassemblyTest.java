package dev.fleettrace.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fleettrace.bpf.Disassembler;
import dev.fleettrace.compiler.CompileOptions;
import dev.fleettrace.compiler.Compiler;
import dev.fleettrace.compiler.Fixtures;
import dev.fleettrace.compiler.diag.Source;
import dev.fleettrace.plan.ProbeProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The instructions generated for each construct, against recorded tracepoint formats. A change in code
 * generation shows here as a diff to review; kernel tests (node-agent) check that the code runs and
 * counts right. Regenerate after an intended change with {@code -Dgolden.update=true}.
 */
class GoldenDisassemblyTest {

    static Stream<Arguments> programs() {
        return Stream.of(
                Arguments.of("count-scalar", "tracepoint:syscalls:sys_enter_getppid /comm == \"bpfwl\"/ { @ = count(); }"),
                Arguments.of("count-by-int-key", "tracepoint:syscalls:sys_enter_lseek /comm == \"bpfwl\"/ { @[args->whence] = count(); }"),
                Arguments.of("sum", "tracepoint:syscalls:sys_enter_lseek { @bytes = sum(args->offset); }"),
                Arguments.of("tuple-key", "tracepoint:syscalls:sys_enter_lseek { @[comm, args->whence] = sum(args->offset); }"),
                Arguments.of("hist", "tracepoint:syscalls:sys_enter_read { @size = hist(args->count); }"),
                Arguments.of("lhist", "tracepoint:syscalls:sys_enter_lseek { @off = lhist(args->offset, 0, 100000, 10000); }"),
                Arguments.of("stats-avg-min-max", "tracepoint:syscalls:sys_enter_read { @s = stats(args->count); @a = avg(args->count); @mn = min(args->count); @mx = max(args->count); }"),
                Arguments.of("str-key", "tracepoint:syscalls:sys_enter_openat { @[str(args->filename)] = count(); }"),
                Arguments.of("variables-ternary-if", "tracepoint:syscalls:sys_enter_read { $big = args->count > 4096 ? 1 : 0; @[$big] = count(); if (args->count < 100) { @small = count(); } else { @rest = sum(args->count); } }"),
                Arguments.of("printf-begin", "BEGIN { printf(\"start %s %d\\n\", comm, 42); }"),
                Arguments.of("logic-and-or-not", "tracepoint:syscalls:sys_enter_getppid /pid > 1 && (tid != 0 || !cpu)/ { @ = count(); }"),
                Arguments.of("exit", "tracepoint:syscalls:sys_enter_getppid { exit(); }"),
                Arguments.of("plain-values-and-increment", "tracepoint:syscalls:sys_enter_getppid { @start[tid] = nsecs; @n++; @last = comm; }"),
                Arguments.of("casts-and-arithmetic", "tracepoint:syscalls:sys_enter_lseek { @[(uint8)(args->offset * 3 + 7) % 5, (int8)args->whence] = count(); }"),
                Arguments.of("benchmark", "tracepoint:syscalls:sys_enter_getppid /comm == \"bpfwl\"/ { @[comm] = count(); @h = hist(nsecs & 0xffff); }"),
                Arguments.of("integer-operators", "tracepoint:syscalls:sys_enter_lseek { $o = args->offset; "
                        + "@[$o + 3, $o - 5, $o * 7, $o / 3, $o % 7, $o & 0xff, $o | 1, $o ^ 0x55, $o << 2, $o >> 3, ~$o, -$o, !$o] = count(); }"),
                Arguments.of("comparisons-signed-unsigned", "tracepoint:syscalls:sys_enter_lseek { $x = (int64)args->offset - 500; "
                        + "@[$x < 0, $x <= 1, $x > 2, $x >= 3, $x == 4, $x != 5, args->offset < 6, args->offset >= 7, $x / 100, $x % 7] = count(); }"),
                Arguments.of("if-else-chain", "tracepoint:syscalls:sys_enter_lseek { if (args->whence == 0) { @a = count(); } "
                        + "else if (args->whence == 1) { @b = count(); } else { @c = sum(args->offset); } }"),
                Arguments.of("unroll", "tracepoint:syscalls:sys_enter_lseek { $i = 0; $s = 0; unroll(3) { $i++; $s += $i * args->whence; } @ = sum($s); }"),
                Arguments.of("while-break-continue", "tracepoint:syscalls:sys_enter_lseek { $j = 0; while ($j < 100) { $j++; "
                        + "if ($j == 4) { continue; } if ($j > 6) { break; } @w = sum($j); } }"),
                Arguments.of("compound-assignment", "tracepoint:syscalls:sys_enter_lseek { $x = 10; $x += args->whence; $x -= 1; $x *= 3; $x /= 2; "
                        + "$x %= 7; $x <<= 2; $x >>= 1; $x &= 0xff; $x |= 0x100; $x ^= 3; @[$x] = count(); @m += args->whence; }"),
                Arguments.of("increment-decrement", "tracepoint:syscalls:sys_enter_lseek { @a++; @b--; ++@c; --@d; @k[args->whence]++; "
                        + "$x = 5; $x++; ++$x; $x--; @x = $x; }"),
                Arguments.of("map-read-self-reference", "tracepoint:syscalls:sys_enter_lseek { @x[args->whence] = @x[args->whence] + 1; "
                        + "@t = @t - 1; if (@x[0] > 10) { @over = count(); } }"),
                Arguments.of("delete", "tracepoint:syscalls:sys_enter_lseek { @last[args->whence] = args->offset; if (args->whence == 2) { delete(@last[2]); } }"),
                Arguments.of("str-compare-and-length", "tracepoint:syscalls:sys_enter_openat /comm != \"bpfw\"/ { "
                        + "@[str(args->filename, 8), str(args->filename) == \"/tmp/wl-missing-3\", \"lit\"] = count(); }"),
                Arguments.of("builtins", "tracepoint:syscalls:sys_enter_getppid { @[uid, gid, tid == pid, nsecs > 0, cpu] = count(); }"),
                Arguments.of("sizeof", "tracepoint:syscalls:sys_enter_getppid { @[sizeof(uint8), sizeof(int32), sizeof(comm), sizeof(args->__syscall_nr)] = count(); }"),
                Arguments.of("printf-probe", "tracepoint:syscalls:sys_enter_lseek /@done == 0/ { @done = 1; "
                        + "printf(\"%s %-5d %05x %lld\\n\", comm, args->whence, args->offset, -1); }"),
                Arguments.of("multiple-attach-wildcard", "tracepoint:syscalls:sys_enter_get*, tracepoint:syscalls:sys_enter_lseek { @[probe] = count(); }"),
                Arguments.of("interval-end", "interval:ms:100 /@t < 2/ { @t++; } END { printf(\"%d\\n\", @t); }"),
                Arguments.of("aggregations-keyed", "tracepoint:syscalls:sys_enter_lseek { $v = (int64)args->offset - 1000; "
                        + "@a[args->whence] = avg($v); @mn[args->whence] = min($v); @mx[args->whence] = max($v); @s[args->whence] = stats($v); "
                        + "@h[args->whence] = hist($v); @l[args->whence] = lhist($v, 0, 200, 50); }"));
    }

    /** Positional parameters are constants in the code: $1 a string, $2 a number, $# their count. */
    @Test
    void positionalParameters() throws Exception {
        check("positional-params", "tracepoint:syscalls:sys_enter_lseek /comm == str($1) && args->whence == $2/ { @[$2, $#] = sum($3); }",
                Fixtures.facts(), CompileOptions.defaults().withParams(List.of("bpfwl", "1", "7")));
    }

    /**
     * Every probe type's context access, stacks and symbols, struct reads through BTF, against
     * {@link Fixtures#probeFacts()} (a small BTF, the pwl workload binary and its SDT notes).
     */
    static Stream<Arguments> probePrograms() {
        return Stream.of(
                Arguments.of("probe-uprobe-args", "uprobe:pwl:pwl_work { @[arg0, sarg1] = sum(arg1); }"),
                Arguments.of("probe-uretprobe-retval", "uretprobe:pwl:pwl_work { @ = sum(retval); @f[func] = count(); }"),
                Arguments.of("probe-usdt-args", "usdt:pwl:pwl:tick { @[arg1] = sum(arg0 + arg2 + arg3); }"),
                Arguments.of("probe-usdt-semaphore", "usdt:pwl:guarded { @ = count(); }"),
                Arguments.of("probe-kprobe", "kprobe:vfs_read+4 { @[func, arg2] = count(); } kretprobe:vfs_read { @r = sum(retval); }"),
                Arguments.of("probe-kfunc-args", "kfunc:vfs_read { @[args->count] = count(); @f = ((struct file *)args->file)->f_pos; }"),
                Arguments.of("probe-kretfunc-retval", "kretfunc:vfs_read /retval > 0/ { @ = sum(retval); @c = sum(args->count); }"),
                Arguments.of("probe-rawtracepoint", "rawtracepoint:sys_enter_getppid { @[arg1] = count(); }"),
                Arguments.of("probe-profile", "profile:hz:99 { @[cpu] = count(); }"),
                Arguments.of("probe-software", "software:faults:10 { @ = count(); } hardware:cycles { @c = count(); }"),
                Arguments.of("probe-kstack-ustack", "tracepoint:syscalls:sys_enter_getppid { @[kstack(3)] = count(); @u[ustack(perf), comm] = count(); }"),
                Arguments.of("probe-stack-value-printf", "tracepoint:syscalls:sys_enter_getppid { @s = kstack; printf(\"%s %s\\n\", ksym(kaddr(\"vfs_read\")), kstack(1)); }"),
                Arguments.of("probe-uprobe-dwarf-args", "uprobe:pwl-debug:pwl_typed { @[args->sc, args->us, args->neg, args->flag] = sum(args->big); "
                        + "@n[str(args->name)] = sum(args->seventh + args->eighth); }"),
                Arguments.of("probe-uprobe-dwarf-struct", "uprobe:pwl-debug:pwl_point { @[args->p->tag] = sum(args->p->x + args->p->y); }"),
                Arguments.of("probe-uaddr-pie", "uprobe:pwl-debug:pwl_typed { @[str(uaddr(\"pwl_greeting\"))] = sum(*uaddr(\"pwl_counter\")); } "
                        + "uretprobe:pwl-debug:pwl_typed { @r = sum(*uaddr(\"pwl_counter\")); } usdt:pwl-debug:pwl:tick { @u = sum(*uaddr(\"pwl_counter\")); }"),
                Arguments.of("probe-usym-ksym", "uprobe:pwl:pwl_work { @[usym(uaddr(\"pwl_work\")), ksym(kaddr(\"jiffies\"))] = count(); }"),
                Arguments.of("probe-struct-fields", "tracepoint:syscalls:sys_enter_getppid { $t = (struct task_struct *)curtask; "
                        + "@[$t->comm, $t->real_parent->pid, $t->se.on_rq, $t->in_iowait, $t->flags_low] = count(); @sz = sizeof(struct task_struct); }"),
                // curtask typed from BTF; pointer arithmetic steps by sizeof(struct task_struct) (80 in the fixture); a pointer key.
                Arguments.of("probe-curtask-pointer", "tracepoint:syscalls:sys_enter_getppid { @[curtask] = sum(curtask->real_parent->pid); "
                        + "@s = (curtask + pid)->pid; @p = (uint64)(2 + curtask - 1); }"));
    }

    /** Asynchronous actions in kernel probes, and the unsafe helpers (compiled with --unsafe). */
    static Stream<Arguments> actionPrograms() {
        return Stream.of(
                Arguments.of("act-print-clear-zero", "tracepoint:syscalls:sys_enter_getppid { @c = count(); print(@c); print(@c, 3, 10); clear(@c); zero(@c); }"),
                Arguments.of("act-print-value-time", "tracepoint:syscalls:sys_enter_lseek { print(args->whence); print(comm); time(); time(\"%Y\\n\"); }"),
                Arguments.of("act-join", "tracepoint:syscalls:sys_enter_execve { join(args->argv, \",\"); }"),
                Arguments.of("act-system", "tracepoint:syscalls:sys_enter_lseek { system(\"echo %d %s\", args->whence, comm); }"),
                Arguments.of("act-signal", "tracepoint:syscalls:sys_enter_getppid { signal(\"KILL\"); signal(pid % 2 + 10); }"));
    }

    /** override() needs a kprobe, which this kernel lacks: only its code is checked. */
    static Stream<Arguments> kprobeActionPrograms() {
        return Stream.of(Arguments.of("act-override", "kprobe:vfs_read { override(-5); } kprobe:vfs_write { override(arg2 * 2); }"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("actionPrograms")
    void actionsMatchGolden(String name, String program) throws Exception {
        check(name, program, Fixtures.facts(), CompileOptions.defaults().withUnsafe(true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kprobeActionPrograms")
    void kprobeActionsMatchGolden(String name, String program) throws Exception {
        check(name, program, Fixtures.probeFacts(), CompileOptions.defaults().withUnsafe(true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("probePrograms")
    void probeTypesMatchGolden(String name, String program) throws Exception {
        check(name, program, Fixtures.probeFacts());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void matchesGolden(String name, String program) throws Exception {
        check(name, program, Fixtures.facts());
    }

    private static void check(String name, String program, dev.fleettrace.compiler.facts.KernelFacts facts) throws Exception {
        check(name, program, facts, CompileOptions.defaults());
    }

    private static void check(String name, String program, dev.fleettrace.compiler.facts.KernelFacts facts, CompileOptions opts) throws Exception {
        var plan = Compiler.compile(Source.stdin(program), facts, opts).plan();
        StringBuilder sb = new StringBuilder("# ").append(program).append('\n');
        for (ProbeProgram p : plan.probes()) {
            sb.append('\n').append(p.attach().probeName()).append(" (").append(p.slots()).append(" instructions)\n");
            sb.append(Disassembler.disassemble(p.insns(), i -> "map[" + plan.maps().get(i).name() + "]"));
        }
        Path golden = Path.of("src/test/resources/golden", name + ".txt");
        if (Boolean.getBoolean("golden.update")) Files.writeString(golden, sb.toString());
        assertEquals(Files.readString(golden), sb.toString(), "generated code changed for " + name + " (review, then -Dgolden.update=true)");
    }
}
