package dev.fleettrace.agent.compiled;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fleettrace.agent.Fixtures;
import dev.fleettrace.agent.delta.DeltaReader;
import dev.fleettrace.agent.kernel.HostKernelFacts;
import dev.fleettrace.agent.kernel.LoadedProgram;
import dev.fleettrace.bpf.Disassembler;
import dev.fleettrace.compiler.CompileOptions;
import dev.fleettrace.compiler.Compiler;
import dev.fleettrace.compiler.diag.Source;
import dev.fleettrace.plan.CanonicalKey;
import dev.fleettrace.plan.ProbeProgram;
import dev.fleettrace.schemas.DeltaEntry;
import dev.fleettrace.schemas.MapDelta;
import dev.fleettrace.testkit.KernelAssumptions;
import dev.fleettrace.testkit.Workload;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Programs the compiler emits pass the real verifier and count exactly what the workload does. Each
 * test renames the workload to a name no other process has, so parallel activity cannot disturb it.
 */
@Tag("kernel")
class CompiledProgramKernelTest {

    private String comm;

    @BeforeEach
    void setUp() {
        KernelAssumptions.assumeBpf();
        comm = Fixtures.uniquePrefix();
    }

    /** Compiles, loads, attaches, runs the workload, and returns every map's deltas summed per key. */
    private Map<String, Map<String, long[]>> run(String script, String mode, long n) throws Exception {
        var facts = HostKernelFacts.detect();
        var comp = Compiler.compile(Source.stdin(script.replace("bpfwl", comm)), facts, CompileOptions.defaults());
        for (ProbeProgram p : comp.plan().probes()) System.out.println(p.name() + ":\n" + Disassembler.disassemble(p.insns()));
        Map<String, Map<String, long[]>> out = new TreeMap<>();
        try (LoadedProgram lp = LoadedProgram.load(comp.plan())) {
            lp.attach();
            DeltaReader reader = new DeltaReader(lp);
            Workload.run(comm, mode, n);
            for (MapDelta md : reader.read()) {
                Map<String, long[]> m = out.computeIfAbsent(md.getMap(), k -> new TreeMap<>());
                for (DeltaEntry e : md.getEntries()) {
                    byte[] key = new byte[e.getKey().remaining()];
                    e.getKey().duplicate().get(key);
                    var schema = comp.plan().schemas().stream().filter(s -> s.name().equals(md.getMap())).findFirst().orElseThrow();
                    m.put(render(CanonicalKey.decode(schema.key(), key)), e.getValues().stream().mapToLong(Long::longValue).toArray());
                }
            }
        }
        return out;
    }

    private String render(List<Object> parts) {
        List<String> s = new ArrayList<>();
        for (Object p : parts) s.add(p instanceof byte[] b ? new String(b).replace(comm, "bpfwl") : p.toString());
        return String.join(",", s);
    }

    @Test
    void countScalar() throws Exception {
        var r = run("tracepoint:syscalls:sys_enter_getppid /comm == \"bpfwl\"/ { @ = count(); }", "getppid", 12345);
        assertEquals(12345, r.get("@").get("")[0]);
    }

    @Test
    void countByWhence() throws Exception {
        var r = run("tracepoint:syscalls:sys_enter_lseek /comm == \"bpfwl\"/ { @[args->whence] = count(); }", "lseek", 1000);
        assertEquals(334, r.get("@").get("0")[0]);
        assertEquals(333, r.get("@").get("1")[0]);
        assertEquals(333, r.get("@").get("2")[0]);
    }

    @Test
    void sumOffset() throws Exception {
        var r = run("tracepoint:syscalls:sys_enter_lseek /comm == \"bpfwl\"/ { @bytes = sum(args->offset); }", "lseek", 1000);
        assertEquals(18481500, r.get("@bytes").get("")[0]);
    }

    @Test
    void tupleKey() throws Exception {
        var r = run("tracepoint:syscalls:sys_enter_lseek /comm == \"bpfwl\"/ { @[comm, args->whence] = sum(args->offset); } "
                + "tracepoint:syscalls:sys_enter_getppid /comm == \"bpfwl\"/ { @calls = count(); }", "mixed", 400);
        assertEquals(989121, r.get("@").get("bpfwl,0")[0]);
        assertEquals(979279, r.get("@").get("bpfwl,1")[0]);
        assertEquals(984200, r.get("@").get("bpfwl,2")[0]);
        assertEquals(400, r.get("@calls").get("")[0]);
    }

    @Test
    void histOfReadSizes() throws Exception {
        var r = run("tracepoint:syscalls:sys_enter_read /comm == \"bpfwl\"/ { @size = hist(args->count); }", "read", 5000);
        // bpftrace: [1] 1, [2,4) 1, [4,8) 2, ..., [4K,8K) 2500, [8K,16K) 1; bucket 2 + log2(v)
        long[] sparse = r.get("@size").get("");
        Map<Long, Long> buckets = new TreeMap<>();
        for (int i = 0; i < sparse.length; i += 2) buckets.put(sparse[i], sparse[i + 1]);
        assertEquals(Map.ofEntries(Map.entry(2L, 1L), Map.entry(3L, 1L), Map.entry(4L, 2L), Map.entry(5L, 5L), Map.entry(6L, 9L),
                Map.entry(7L, 21L), Map.entry(8L, 38L), Map.entry(9L, 79L), Map.entry(10L, 155L), Map.entry(11L, 313L),
                Map.entry(12L, 625L), Map.entry(13L, 1250L), Map.entry(14L, 2500L), Map.entry(15L, 1L)), buckets);
    }

    @Test
    void histSaturatesAsBpftraceDoes() throws Exception {
        // bpftrace 0.17 puts 2^31, 2^32 and 5e9 all in [2G, 4G) (index 33), negatives in index 0, zero in 1.
        var r = run("tracepoint:syscalls:sys_enter_getppid /comm == \"bpfwl\"/ { @h[1] = hist(2147483648); @h[2] = hist(4294967296); "
                + "@h[3] = hist(5000000000); @h[4] = hist(-1); @h[5] = hist(0); @h[6] = hist(1023); }", "getppid", 3);
        Map<String, List<Long>> got = new TreeMap<>();
        r.get("@h").forEach((k, v) -> got.put(k, boxed(v)));
        assertEquals(Map.of("1", List.of(33L, 3L), "2", List.of(33L, 3L), "3", List.of(33L, 3L), "4", List.of(0L, 3L),
                "5", List.of(1L, 3L), "6", List.of(11L, 3L)), got);
    }

    @Test
    void lhistOfOffsets() throws Exception {
        var r = run("tracepoint:syscalls:sys_enter_lseek /comm == \"bpfwl\"/ { @off = lhist(args->offset, 0, 100000, 10000); }", "lseek", 2000);
        long[] sparse = r.get("@off").get("");
        Map<Long, Long> buckets = new TreeMap<>();
        for (int i = 0; i < sparse.length; i += 2) buckets.put(sparse[i], sparse[i + 1]);
        // bpftrace: [0,10000) 271, [10000,20000) 270, ... [70000,80000) 108; bucket 1 + v / step
        assertEquals(Map.of(1L, 271L, 2L, 270L, 3L, 270L, 4L, 271L, 5L, 270L, 6L, 270L, 7L, 270L, 8L, 108L), buckets);
    }

    @Test
    void statsAvgMinMax() throws Exception {
        var r = run("tracepoint:syscalls:sys_enter_read /comm == \"bpfwl\"/ { @s = stats(args->count); @a = avg(args->count); "
                + "@mn = min(args->count); @mx = max(args->count); }", "read", 3000);
        // bpftrace: @s: count 3000, average 4095, total 12286596; @mn: 1; @mx: 8191
        assertEquals(List.of(3000L, 12286596L), boxed(r.get("@s").get("")));
        assertEquals(List.of(3000L, 12286596L), boxed(r.get("@a").get("")));
        assertEquals(1, r.get("@mn").get("")[0]);
        assertEquals(8191, r.get("@mx").get("")[0]);
    }

    @Test
    void stringKeysFromUserMemory() throws Exception {
        var r = run("tracepoint:syscalls:sys_enter_openat /comm == \"bpfwl\"/ { @[str(args->filename)] = count(); }", "openat", 777);
        assertEquals(Map.of("/tmp/wl-missing-0", 156L, "/tmp/wl-missing-1", 156L, "/tmp/wl-missing-2", 155L, "/tmp/wl-missing-3", 155L,
                "/tmp/wl-missing-4", 155L), flatten(r.get("@")));
    }

    @Test
    void variablesTernaryAndIf() throws Exception {
        var r = run("tracepoint:syscalls:sys_enter_read /comm == \"bpfwl\"/ { $big = args->count > 4096 ? 1 : 0; @[$big] = count(); "
                + "if (args->count < 100) { @small = count(); } else { @rest = sum(args->count); } }", "read", 2000);
        assertEquals(Map.of("1", 999L, "0", 1001L), flatten(r.get("@")));
        assertEquals(8188149, r.get("@rest").get("")[0]);
        assertEquals(24, r.get("@small").get("")[0]);
    }

    private static List<Long> boxed(long[] v) {
        return java.util.Arrays.stream(v).boxed().toList();
    }

    private static Map<String, Long> flatten(Map<String, long[]> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v[0]));
        return out;
    }
}
