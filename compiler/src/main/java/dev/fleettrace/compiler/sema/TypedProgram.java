package dev.fleettrace.compiler.sema;

import dev.fleettrace.compiler.ast.Expr;
import dev.fleettrace.compiler.ast.Probe;
import dev.fleettrace.compiler.ast.Program;
import dev.fleettrace.compiler.diag.Diagnostic;
import dev.fleettrace.compiler.diag.Source;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * The result of semantic analysis: the tree, each probe's expanded targets, every map's type, and the
 * type of every expression (keyed by node identity).
 */
public record TypedProgram(Source source, Program ast, List<ProbeInfo> probes, SequencedMap<String, MapInfo> maps,
                           IdentityHashMap<Expr, Type> types, List<String> params, List<Diagnostic> warnings,
                           IdentityHashMap<Expr, Long> constants) {

    /** A probe with its targets and the types of its scratch variables. */
    public record ProbeInfo(Probe probe, List<ProbeTarget> targets, Map<String, Type> vars) {
        public boolean kernel() {
            return targets.stream().anyMatch(ProbeTarget::kernel);
        }
    }

    public Type typeOf(Expr e) {
        Type t = types.get(e);
        if (t == null) throw new IllegalStateException("no type for " + e);
        return t;
    }

    /** A value semantic analysis worked out for {@code e} ({@code sizeof(struct x)}, {@code kaddr("f")}), or null. */
    public Long constant(Expr e) {
        return constants.get(e);
    }

    public MapInfo map(String name) {
        return maps.get(name);
    }
}
