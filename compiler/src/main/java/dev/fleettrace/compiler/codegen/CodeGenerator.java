package dev.fleettrace.compiler.codegen;

import dev.fleettrace.bpf.Insn;
import dev.fleettrace.bpf.ProgType;
import dev.fleettrace.compiler.CompileOptions;
import dev.fleettrace.compiler.diag.CompileException;
import dev.fleettrace.compiler.diag.Diagnostic;
import dev.fleettrace.compiler.sema.ProbeTarget;
import dev.fleettrace.compiler.sema.TypedProgram;
import dev.fleettrace.plan.AttachPoint;
import dev.fleettrace.plan.ProbeProgram;
import java.util.ArrayList;
import java.util.List;

/** Emits one program per kernel attach point; END and interval blocks run on the coordinator instead. */
public final class CodeGenerator {
    private CodeGenerator() {}

    public static List<ProbeProgram> generate(TypedProgram prog, ResourceAnalyser.Resources res, CompileOptions opts) throws CompileException {
        List<ProbeProgram> out = new ArrayList<>();
        for (TypedProgram.ProbeInfo info : prog.probes()) {
            for (ProbeTarget t : info.targets()) {
                if (!t.kernel()) continue;
                List<Insn> insns;
                try {
                    insns = new ProbeCodegen(prog, res, info, t, opts).generate();
                } catch (ProbeCodegen.Unsupported u) {
                    throw new CompileException(prog.source(), Diagnostic.error(u.span == null ? info.probe().span() : u.span, u.getMessage()));
                }
                out.add(switch (t) {
                    case ProbeTarget.Tracepoint tp -> new ProbeProgram(programName(tp.format().event()), ProgType.TRACEPOINT,
                            new AttachPoint.Tracepoint(tp.format().category(), tp.format().event()), insns);
                    // BEGIN runs once per agent through BPF_PROG_TEST_RUN, which raw tracepoint programs support.
                    case ProbeTarget.Begin b -> new ProbeProgram("ft_BEGIN", ProgType.RAW_TRACEPOINT, new AttachPoint.Begin(), insns);
                    case ProbeTarget.End e -> throw new IllegalStateException("END runs on the coordinator");
                    case ProbeTarget.Interval i -> throw new IllegalStateException("interval runs on the coordinator");
                    case ProbeTarget.Kprobe k -> new ProbeProgram(programName(k.function()), ProgType.KPROBE,
                            new AttachPoint.Kprobe(k.function(), k.offset(), k.ret()), insns);
                    case ProbeTarget.Uprobe u -> new ProbeProgram(programName(u.symbol().isEmpty() ? "uprobe" : u.symbol()), ProgType.KPROBE,
                            new AttachPoint.Uprobe(u.probeName(), u.path(), u.fileOffset(), u.ret(), 0), insns);
                    case ProbeTarget.Usdt u -> new ProbeProgram(programName(u.name()), ProgType.KPROBE,
                            new AttachPoint.Uprobe(u.probeName(), u.path(), u.fileOffset(), false, u.semaphoreOffset()), insns);
                    case ProbeTarget.Kfunc k -> new ProbeProgram(programName(k.function()), ProgType.TRACING,
                            new AttachPoint.Kfunc(k.function(), k.ret(), k.signature().id()), insns);
                    case ProbeTarget.RawTracepoint r -> new ProbeProgram(programName(r.name()), ProgType.RAW_TRACEPOINT,
                            new AttachPoint.RawTracepoint(r.name()), insns);
                    case ProbeTarget.PerfEvent pe -> new ProbeProgram(programName(pe.provider() + "_" + pe.event()), ProgType.PERF_EVENT,
                            new AttachPoint.PerfEvent(pe.probeName(), pe.type(), pe.config(), pe.period(), pe.frequency()), insns);
                });
            }
        }
        return out;
    }

    /** Kernel object names: "ft_" and as much of the event name as fits in 15 characters. */
    static String programName(String event) {
        String n = "ft_" + event.replaceAll("[^A-Za-z0-9_.]", "_");
        return n.length() > 15 ? n.substring(0, 15) : n;
    }
}
