package dev.fleettrace.agent.probes;

import dev.fleettrace.agent.delta.DeltaReader;
import dev.fleettrace.agent.kernel.HostKernelFacts;
import dev.fleettrace.agent.kernel.KernelException;
import dev.fleettrace.agent.kernel.LoadedProgram;
import dev.fleettrace.compiler.CompileOptions;
import dev.fleettrace.compiler.Compiler;
import dev.fleettrace.compiler.diag.CompileException;
import dev.fleettrace.compiler.diag.Source;
import dev.fleettrace.compiler.facts.KernelFacts;
import dev.fleettrace.plan.CanonicalKey;
import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.plan.ProgramPlan;
import dev.fleettrace.schemas.DeltaEntry;
import dev.fleettrace.schemas.MapDelta;
import dev.fleettrace.testkit.Workload;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A compiled program loaded and attached on this kernel, its deltas summed per key, rendered as
 * {@code key,parts -> values}. {@code PWL} in a script stands for the user-space workload's path and
 * {@code COMM} for the test's unique comm.
 */
final class ProbeRun implements AutoCloseable {
    final String comm;
    final ProgramPlan plan;
    final LoadedProgram program;
    private final DeltaReader reader;
    private final Map<String, Map<String, List<Object>>> totals = new TreeMap<>();

    private ProbeRun(String comm, ProgramPlan plan, LoadedProgram program) {
        this.comm = comm;
        this.plan = plan;
        this.program = program;
        this.reader = new DeltaReader(program);
    }

    static String script(String script, String comm) {
        return script.replace("PWL", Workload.userBinary().toString()).replace("COMM", comm);
    }

    static ProgramPlan compile(String script, String comm, KernelFacts facts) throws CompileException {
        return Compiler.compile(Source.stdin(script(script, comm)), facts, CompileOptions.defaults()).plan();
    }

    /** Compiles against this host, loads and attaches (uprobes in {@code pid} only, or everywhere when -1). */
    static ProbeRun attach(String script, String comm, int pid) throws Exception {
        HostKernelFacts facts = HostKernelFacts.detect();
        ProgramPlan plan = compile(script, comm, facts);
        LoadedProgram lp = LoadedProgram.load(plan);
        try {
            lp.attach(facts.tracefs(), pid);
        } catch (KernelException | RuntimeException e) {
            lp.close();
            throw e;
        }
        return new ProbeRun(comm, plan, lp);
    }

    static ProbeRun attach(String script, String comm) throws Exception {
        return attach(script, comm, -1);
    }

    /** Reads the maps; returns every map's totals so far: map -> key text -> values (longs, or the text of a string value). */
    Map<String, Map<String, List<Object>>> read() {
        for (MapDelta md : reader.read()) {
            MapSchema schema = plan.schemas().stream().filter(s -> s.name().equals(md.getMap())).findFirst().orElseThrow();
            Map<String, List<Object>> m = totals.computeIfAbsent(md.getMap(), k -> new TreeMap<>());
            for (DeltaEntry e : md.getEntries()) {
                byte[] key = new byte[e.getKey().remaining()];
                e.getKey().duplicate().get(key);
                String k = render(CanonicalKey.decode(schema.key(), key));
                if (e.getBytesValue() != null) {
                    byte[] t = new byte[e.getBytesValue().remaining()];
                    e.getBytesValue().duplicate().get(t);
                    m.put(k, List.of(new String(t, StandardCharsets.ISO_8859_1)));
                    continue;
                }
                List<Object> prev = m.get(k);
                List<Object> now = new ArrayList<>();
                for (int i = 0; i < e.getValues().size(); i++) {
                    long v = e.getValues().get(i);
                    now.add(prev != null && i < prev.size() && !schema.kind().histogram() ? (Long) prev.get(i) + v : v);
                }
                m.put(k, now);
            }
        }
        return totals;
    }

    /** The single value of a counter or sum at {@code key} ("" for a map without a key), 0 when absent. */
    long value(String map, String key) {
        List<Object> v = read().getOrDefault(map, Map.of()).get(key);
        return v == null ? 0 : (Long) v.getFirst();
    }

    private String render(List<Object> parts) {
        List<String> s = new ArrayList<>();
        for (Object p : parts) s.add(p instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1).replace(comm, "COMM") : p.toString());
        return String.join(",", s);
    }

    @Override
    public void close() {
        program.close();
    }
}
