package dev.fleettrace.compiler.codegen;

import dev.fleettrace.compiler.ast.Expr;
import dev.fleettrace.compiler.sema.Type;
import dev.fleettrace.compiler.sema.TypedProgram;
import dev.fleettrace.plan.EventArg;
import dev.fleettrace.plan.EventSpec;
import dev.fleettrace.plan.FieldKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Record layouts of the asynchronous actions a kernel probe hands to user space besides printf and
 * exit: {@code print}, {@code clear}, {@code zero}, {@code time}, {@code join}, {@code system}.
 */
final class ActionEvents {
    private ActionEvents() {}

    /** bpftrace 0.17's join(): at most 16 elements of at most 1024 bytes each (join_argnum_, join_argsize_). */
    static final int JOIN_COUNT = 16;
    static final int JOIN_SIZE = 1024;

    private static final Set<String> CALLS = Set.of("print", "clear", "zero", "time", "join", "system");

    static boolean emitsEvent(Expr.Call c) {
        return CALLS.contains(c.name());
    }

    /**
     * delete() of an aggregation is an event: like clear(), it acts on the fleet's merged map and the kernel
     * keeps counting (so deltas stay lossless); plain values are host-local and deleted in the kernel.
     */
    static boolean deleteIsEvent(TypedProgram prog, Expr.Call c) {
        return c.name().equals("delete") && c.args().getFirst() instanceof Expr.MapRef m && prog.map(m.name()) != null
                && prog.map(m.name()).kind() != dev.fleettrace.plan.AggKind.VALUE;
    }

    static EventSpec deleteSpec(ResourceAnalyser.MapResource r, Expr.Call c, int id, boolean begin) {
        Expr.MapRef m = (Expr.MapRef) c.args().getFirst();
        return new EventSpec.MapAction(id, 8 + deleteKeyBytes(r), EventSpec.MapAction.Action.DELETE, m.displayName(), 0, 0,
                r.array() ? List.of() : r.keyFields(), begin);
    }

    /** The key's bytes a DELETE record carries: the key parts, without a histogram's bucket; none for a one-entry array. */
    static int deleteKeyBytes(ResourceAnalyser.MapResource r) {
        if (r.array()) return 0;
        return ResourceAnalyser.align8(r.bucketOffset() >= 0 ? r.bucketOffset() : r.keySize());
    }

    static EventSpec spec(TypedProgram prog, Expr.Call c, int id, boolean begin, Map<String, Integer> stackMaps) {
        List<Expr> args = c.args();
        return switch (c.name()) {
            case "print" -> {
                if (args.getFirst() instanceof Expr.MapRef m && m.keys().isEmpty()) {
                    long top = args.size() > 1 ? literal(prog, args.get(1)) : 0;
                    long div = args.size() > 2 ? literal(prog, args.get(2)) : 0;
                    yield new EventSpec.MapAction(id, 8, EventSpec.MapAction.Action.PRINT, m.displayName(), top, div, begin);
                }
                List<EventArg> one = layout(prog, args, stackMaps);
                yield new EventSpec.PrintValue(id, 8 + ResourceAnalyser.align8(one.getFirst().size()), one.getFirst(), begin);
            }
            case "clear", "zero" -> new EventSpec.MapAction(id, 8, c.name().equals("clear") ? EventSpec.MapAction.Action.CLEAR : EventSpec.MapAction.Action.ZERO,
                    ((Expr.MapRef) args.getFirst()).displayName(), 0, 0, begin);
            case "time" -> new EventSpec.Time(id, 8, args.isEmpty() ? "%H:%M:%S\n" : ((Expr.StrLit) args.getFirst()).value(), begin);
            case "join" -> new EventSpec.Join(id, 8 + JOIN_COUNT * JOIN_SIZE, args.size() > 1 ? ((Expr.StrLit) args.get(1)).value() : " ",
                    JOIN_COUNT, JOIN_SIZE, begin);
            case "system" -> {
                List<EventArg> as = layout(prog, args.subList(1, args.size()), stackMaps);
                int end = as.isEmpty() ? 8 : as.getLast().offset() + ResourceAnalyser.align8(as.getLast().size());
                yield new EventSpec.System(id, end, ((Expr.StrLit) args.getFirst()).value(), as, begin);
            }
            default -> throw new IllegalStateException("no event layout for " + c.name());
        };
    }

    /** Arguments one after the other from offset 8, as printf's: integers in 8 bytes, strings and symbols in their size. */
    static List<EventArg> layout(TypedProgram prog, List<Expr> args, Map<String, Integer> stackMaps) {
        List<EventArg> out = new ArrayList<>();
        int o = 8;
        for (Expr a : args) {
            Type t = prog.typeOf(a);
            // Hook for tuples (print((1, "a"))): a layout per element, and a decoder that prints "(1, a)".
            if (t instanceof Type.Tuple) throw new ProbeCodegen.Unsupported(a.span(), "printing a tuple in a kernel probe is not supported yet");
            int size = t instanceof Type.Str s ? s.size() : t instanceof Type.Symbolized sym ? sym.size() : 8;
            if (t instanceof Type.Symbolized sym) out.add(new EventArg(ResourceAnalyser.fieldKind(t), o, size, ResourceAnalyser.symbolic(sym, stackMaps)));
            else out.add(new EventArg(t instanceof Type.Str ? FieldKind.STRING : t instanceof Type.Int i && i.signed() ? FieldKind.INT : FieldKind.UINT, o, size));
            o += ResourceAnalyser.align8(size);
        }
        return out;
    }

    private static long literal(TypedProgram prog, Expr e) {
        return switch (e) {
            case Expr.IntLit i -> i.value();
            case Expr.Positional p -> dev.fleettrace.compiler.sema.SemanticAnalyser.parseNumber(prog.params().get(p.index() - 1));
            default -> throw new ProbeCodegen.Unsupported(e.span(), "expected an integer literal");
        };
    }
}
