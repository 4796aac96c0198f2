package dev.fleettrace.agent;

import static dev.fleettrace.bpf.Reg.R0;
import static dev.fleettrace.bpf.Reg.R1;
import static dev.fleettrace.bpf.Reg.R10;
import static dev.fleettrace.bpf.Reg.R2;
import static dev.fleettrace.bpf.Reg.R3;
import static dev.fleettrace.bpf.Reg.R4;
import static dev.fleettrace.bpf.Reg.R6;

import dev.fleettrace.agent.sys.Bpf;
import dev.fleettrace.bpf.AluOp;
import dev.fleettrace.bpf.Assembler;
import dev.fleettrace.bpf.Helper;
import dev.fleettrace.bpf.Insn;
import dev.fleettrace.bpf.JmpOp;
import dev.fleettrace.bpf.Label;
import dev.fleettrace.bpf.MapType;
import dev.fleettrace.bpf.ProgType;
import dev.fleettrace.bpf.Size;
import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.AttachPoint;
import dev.fleettrace.plan.FieldKind;
import dev.fleettrace.plan.KernelMap;
import dev.fleettrace.plan.KeyField;
import dev.fleettrace.plan.MapBinding;
import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.plan.ProbeProgram;
import dev.fleettrace.plan.ProgramPlan;
import dev.fleettrace.testkit.Workload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Hand-assembled programs and plans for the kernel tests. Programs count only processes whose comm
 * starts with a prefix unique to the test run, so other work on the machine (another test suite
 * running the same workload) cannot change the counts.
 */
public final class Fixtures {
    private Fixtures() {}

    /** A 7-character comm prefix no other process has: "w" and six random letters. */
    public static String uniquePrefix() {
        StringBuilder sb = new StringBuilder("w");
        for (int i = 0; i < 6; i++) sb.append((char) ('a' + ThreadLocalRandom.current().nextInt(26)));
        return sb.toString();
    }

    /** Jumps to {@code out} unless the comm at {@code fp+commOff} starts with {@code prefix} (at most 8 bytes). Clobbers r1, r2. */
    public static void commFilter(Assembler a, int commOff, String prefix, Label out) {
        byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
        if (p.length == 0 || p.length > 8) throw new IllegalArgumentException("prefix of 1..8 bytes");
        long want = 0, mask = 0;
        for (int i = 0; i < p.length; i++) {
            want |= (p[i] & 0xffL) << (8 * i);
            mask |= 0xffL << (8 * i);
        }
        a.load(Size.DW, R1, R10, commOff);
        if (p.length < 8) {
            a.emit(new Insn.LoadImm64(R2, mask));
            a.alu(AluOp.AND, R1, R2);
        }
        a.emit(new Insn.LoadImm64(R2, want));
        a.jump(R1, JmpOp.JNE, R2, out);
    }

    /** r1..r5 clobbered: {@code map[key at fp+keyOff] += 1}, inserting 1 when absent (racing inserts retried as an increment). */
    public static void increment(Assembler a, int map, int keyOff, int scratchOff, Label out) {
        Label inc = a.newLabel("inc");
        a.loadMapFd(R1, map).mov(R2, R10).add(R2, keyOff).call(Helper.MAP_LOOKUP_ELEM);
        a.jump(R0, JmpOp.JNE, 0, inc);
        a.storeImm(Size.DW, R10, scratchOff, 1);
        a.loadMapFd(R1, map).mov(R2, R10).add(R2, keyOff).mov(R3, R10).add(R3, scratchOff).movImm(R4, Bpf.BPF_NOEXIST)
                .call(Helper.MAP_UPDATE_ELEM);
        a.jump(R0, JmpOp.JEQ, 0, out);
        a.loadMapFd(R1, map).mov(R2, R10).add(R2, keyOff).call(Helper.MAP_LOOKUP_ELEM);
        a.jump(R0, JmpOp.JEQ, 0, out);
        a.bind(inc);
        a.movImm(R1, 1).atomicAdd(Size.DW, R0, 0, R1);
    }

    /** {@code tracepoint:syscalls:sys_enter_getppid /comm starts with prefix/ { @[comm] = count(); }} */
    public static List<Insn> countGetppid(String prefix) {
        Assembler a = new Assembler();
        Label out = a.newLabel("out");
        a.mov(R1, R10).add(R1, -16).movImm(R2, 16).call(Helper.GET_CURRENT_COMM);
        commFilter(a, -16, prefix, out);
        increment(a, 0, -16, -24, out);
        a.bind(out).ret(0);
        return a.build();
    }

    public static final AttachPoint GETPPID = new AttachPoint.Tracepoint("syscalls", "sys_enter_getppid");
    public static final AttachPoint LSEEK = new AttachPoint.Tracepoint("syscalls", "sys_enter_lseek");

    /** The plan of {@link #countGetppid}: map 0 {@code @} keyed by comm, per CPU. */
    public static ProgramPlan countPlan(String prefix, MapType type) {
        KernelMap m = new KernelMap(0, "counts", type, 16, 8, 64, 0);
        ProbeProgram p = new ProbeProgram("count_getppid", ProgType.TRACEPOINT, GETPPID, countGetppid(prefix));
        MapBinding b = new MapBinding(MapSchema.of("@", AggKind.COUNT, List.of(FieldKind.STRING), FieldKind.UINT), 0,
                List.of(new KeyField(FieldKind.STRING, 0, 16)), -1);
        return new ProgramPlan(List.of(m), List.of(p), List.of(b), List.of(), -1);
    }

    /**
     * {@code tracepoint:syscalls:sys_enter_lseek /comm starts with prefix/ { @h[comm] = lhist-like by args.whence }}:
     * key {@code comm[16], bucket u64} with the bucket = whence.
     */
    public static ProgramPlan histPlan(String prefix, int whenceOffset) {
        Assembler a = new Assembler();
        Label out = a.newLabel("out");
        a.mov(R6, R1);
        a.mov(R1, R10).add(R1, -24).movImm(R2, 16).call(Helper.GET_CURRENT_COMM);
        commFilter(a, -24, prefix, out);
        a.load(Size.DW, R1, R6, whenceOffset).store(Size.DW, R10, -8, R1);
        increment(a, 0, -24, -32, out);
        a.bind(out).ret(0);
        KernelMap m = new KernelMap(0, "hist", MapType.PERCPU_HASH, 24, 8, 256, 0);
        ProbeProgram p = new ProbeProgram("hist_lseek", ProgType.TRACEPOINT, LSEEK, a.build());
        MapBinding b = new MapBinding(new MapSchema("@h", AggKind.LHIST, List.of(FieldKind.STRING), FieldKind.INT, 0, 3, 1), 0,
                List.of(new KeyField(FieldKind.STRING, 0, 16)), 16);
        return new ProgramPlan(List.of(m), List.of(p), List.of(b), List.of(), -1);
    }

    /** {@code tracepoint:syscalls:sys_enter_lseek /comm starts with prefix/} writes {@code args.offset} (8 bytes) to the ring buffer. */
    public static ProgramPlan ringPlan(String prefix, int offsetOffset, int ringSize) {
        Assembler a = new Assembler();
        Label out = a.newLabel("out");
        a.mov(R6, R1);
        a.mov(R1, R10).add(R1, -16).movImm(R2, 16).call(Helper.GET_CURRENT_COMM);
        commFilter(a, -16, prefix, out);
        a.load(Size.DW, R1, R6, offsetOffset).store(Size.DW, R10, -24, R1);
        a.loadMapFd(R1, 0).mov(R2, R10).add(R2, -24).movImm(R3, 8).movImm(R4, 0).call(Helper.RINGBUF_OUTPUT);
        a.bind(out).ret(0);
        KernelMap m = new KernelMap(0, "events", MapType.RINGBUF, 0, 0, ringSize, 0);
        ProbeProgram p = new ProbeProgram("ring_lseek", ProgType.TRACEPOINT, LSEEK, a.build());
        return new ProgramPlan(List.of(m), List.of(p), List.of(), List.of(), 0);
    }

    /** {@code BEGIN { @ = count(); }} as a raw tracepoint program incrementing slot 0 of array map 0. */
    public static List<Insn> beginIncrement() {
        Assembler a = new Assembler();
        Label out = a.newLabel("out");
        a.storeImm(Size.W, R10, -4, 0);
        a.loadMapFd(R1, 0).mov(R2, R10).add(R2, -4).call(Helper.MAP_LOOKUP_ELEM);
        a.jump(R0, JmpOp.JEQ, 0, out);
        a.movImm(R1, 1).atomicAdd(Size.DW, R0, 0, R1);
        a.bind(out).ret(0);
        return a.build();
    }

    public static ProgramPlan beginPlan() {
        KernelMap m = new KernelMap(0, "begin", MapType.ARRAY, 4, 8, 1, 0);
        ProbeProgram p = new ProbeProgram("BEGIN", ProgType.RAW_TRACEPOINT, new AttachPoint.Begin(), beginIncrement());
        MapBinding b = new MapBinding(MapSchema.of("@", AggKind.VALUE, List.of(), FieldKind.INT), 0, List.of(), -1);
        return new ProgramPlan(List.of(m), List.of(p), List.of(b), List.of(), -1);
    }

    /**
     * Dereferences a plain number ({@code r1 = 0; r0 = *(u64 *)(r1 + 0)}): the verifier refuses it
     * ("R1 invalid mem access 'scalar'"). (Reading uninitialised stack would not do: since Linux 6.x
     * the verifier allows it to programs loaded with CAP_PERFMON, as root's are.)
     */
    public static List<Insn> scalarDereference() {
        return new Assembler().movImm(R1, 0).load(Size.DW, R0, R1, 0).exit().build();
    }

    /** Reads the stack below its 512 bytes: refused whatever the privileges ("invalid read from stack"). */
    public static List<Insn> stackOutOfBounds() {
        return new Assembler().load(Size.DW, R0, R10, -520).exit().build();
    }

    /** Returns without setting r0: the verifier refuses it. */
    public static List<Insn> exitWithoutR0() {
        return new Assembler().exit().build();
    }

    /** Runs {@code wl NAME MODE N}, pinned to {@code cpu} with taskset when given. */
    public static void run(String comm, String mode, long n, Optional<Integer> cpu) {
        Workload.run(comm, mode, n, cpu);
    }

    /** The online CPUs, from {@code /sys/devices/system/cpu/online}. */
    public static List<Integer> onlineCpus() throws IOException {
        List<Integer> cpus = new ArrayList<>();
        for (String part : Files.readString(Path.of("/sys/devices/system/cpu/online")).trim().split(",")) {
            int dash = part.indexOf('-');
            int lo = Integer.parseInt(dash < 0 ? part : part.substring(0, dash)), hi = dash < 0 ? lo : Integer.parseInt(part.substring(dash + 1));
            for (int c = lo; c <= hi; c++) cpus.add(c);
        }
        return cpus;
    }

    /** A comm as the kernel stores it in a 16-byte key: NUL-padded. */
    public static byte[] commKey(String comm) {
        byte[] k = new byte[16];
        byte[] b = comm.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, k, 0, b.length);
        return k;
    }

    /** Waits up to 5 s for the kernel to free a program (freeing can be deferred past close). */
    public static boolean programGone(int id) throws InterruptedException {
        return gone(() -> Bpf.progById(id));
    }

    /** Waits up to 5 s for the kernel to free a map. */
    public static boolean mapGone(int id) throws InterruptedException {
        return gone(() -> Bpf.mapById(id));
    }

    private static boolean gone(java.util.function.Supplier<Optional<dev.fleettrace.agent.sys.Fd>> byId) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            Optional<dev.fleettrace.agent.sys.Fd> fd = byId.get();
            if (fd.isEmpty()) return true;
            fd.get().close();
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(20);
        }
    }

    /** Whether {@code bpftool prog show id ID} still finds the program. */
    public static boolean bpftoolShowsProgram(int id) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bpftool", "prog", "show", "id", Integer.toString(id)).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
    }
}
