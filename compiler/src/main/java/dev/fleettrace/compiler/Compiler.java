package dev.fleettrace.compiler;

import dev.fleettrace.compiler.ast.Program;
import dev.fleettrace.compiler.codegen.CodeGenerator;
import dev.fleettrace.compiler.codegen.ResourceAnalyser;
import dev.fleettrace.compiler.diag.CompileException;
import dev.fleettrace.compiler.diag.Source;
import dev.fleettrace.compiler.facts.KernelFacts;
import dev.fleettrace.compiler.parse.Parser;
import dev.fleettrace.compiler.sema.MapInfo;
import dev.fleettrace.compiler.sema.SemanticAnalyser;
import dev.fleettrace.compiler.sema.TypedProgram;
import dev.fleettrace.plan.ProbeProgram;
import dev.fleettrace.plan.ProgramPlan;
import java.util.List;
import java.util.Map;

/**
 * The pipeline: parse → semantic analysis → resource analysis → code generation. Pure: the same
 * source, facts and options give the same plan, on a host or in a test.
 */
public final class Compiler {
    private Compiler() {}

    /** A compiled program: the typed tree (for the coordinator's blocks and for -d) and the plan for an agent. */
    public record Compilation(TypedProgram typed, ProgramPlan plan) {}

    public static Compilation compile(Source source, KernelFacts facts, CompileOptions opts) throws CompileException {
        TypedProgram typed = check(source, facts, opts);
        ResourceAnalyser.Resources res = ResourceAnalyser.analyse(typed, opts);
        List<ProbeProgram> probes = CodeGenerator.generate(typed, res, opts);
        return new Compilation(typed, new ProgramPlan(res.kernelMaps(), probes, res.bindings(), res.events(), res.ringbuf(), res.epochMap()));
    }

    /** Parse and type-check only: what the CLI does before it submits a job. */
    public static TypedProgram check(Source source, KernelFacts facts, CompileOptions opts) throws CompileException {
        Program ast = Parser.parse(source);
        var so = new SemanticAnalyser.Options(opts.params(), opts.unsafe(), true, Map.of(), true);
        return SemanticAnalyser.analyse(source, ast, facts, so);
    }

    /**
     * Parse and type-check without this host's kernel (a client submitting to a cluster): tracepoints
     * cannot be looked up here, so the agents check those.
     */
    public static TypedProgram checkWithoutKernel(Source source, CompileOptions opts) throws CompileException {
        Program ast = Parser.parse(source);
        var so = new SemanticAnalyser.Options(opts.params(), opts.unsafe(), true, Map.of(), false);
        return SemanticAnalyser.analyse(source, ast, KernelFacts.none(), so);
    }

    /**
     * The coordinator's view: END and interval blocks typed against the map types the agents reported;
     * kernel probes are not analysed (the coordinator may have no tracefs).
     */
    public static TypedProgram checkUserspace(Source source, List<String> params, Map<String, MapInfo> knownMaps) throws CompileException {
        Program ast = Parser.parse(source);
        var so = new SemanticAnalyser.Options(params, false, false, knownMaps, false);
        return SemanticAnalyser.analyse(source, ast, KernelFacts.none(), so);
    }
}
