package dev.fleettrace.compiler.sema;

import dev.fleettrace.compiler.ast.AttachPointSpec;
import dev.fleettrace.compiler.ast.BinOp;
import dev.fleettrace.compiler.ast.Block;
import dev.fleettrace.compiler.ast.Expr;
import dev.fleettrace.compiler.ast.Probe;
import dev.fleettrace.compiler.ast.Program;
import dev.fleettrace.compiler.ast.Stmt;
import dev.fleettrace.compiler.ast.TypeName;
import dev.fleettrace.compiler.ast.UnOp;
import dev.fleettrace.compiler.diag.CompileException;
import dev.fleettrace.compiler.diag.Diagnostics;
import dev.fleettrace.compiler.diag.Source;
import dev.fleettrace.compiler.diag.Span;
import dev.fleettrace.compiler.facts.Binary;
import dev.fleettrace.compiler.facts.KernelFacts;
import dev.fleettrace.compiler.facts.dwarf.DebugInfo;
import dev.fleettrace.compiler.facts.dwarf.DwarfType;
import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.PrintfFormat;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Types every expression, fixes every map's kind, key and value types, and checks what bpftrace
 * checks, with bpftrace's messages. Map types may be fixed by an assignment later in the source than
 * a read, so the program is walked quietly until the types settle, then once more reporting errors.
 */
public final class SemanticAnalyser {

    /**
     * @param params        positional parameters $1..$N
     * @param kernelProbes  false on the coordinator: only END and interval blocks are analysed, against
     *                      the map types the agents reported ({@code knownMaps})
     * @param factsComplete whether a missing tracepoint is an error (false where the facts are partial)
     */
    public record Options(List<String> params, boolean unsafe, boolean kernelProbes, Map<String, MapInfo> knownMaps, boolean factsComplete) {
        public static Options defaults() {
            return new Options(List.of(), false, true, Map.of(), true);
        }

        public Options withParams(List<String> p) {
            return new Options(p, unsafe, kernelProbes, knownMaps, factsComplete);
        }
    }

    /** The string bpftrace's default BPFTRACE_STRLEN gives str() and friends. */
    public static final int STRLEN = 64;
    /** {@code host}, fleettrace's builtin: the agent's host name. */
    public static final int HOST_LEN = 64;

    private static final Set<String> AGGREGATIONS = Set.of("count", "sum", "avg", "min", "max", "stats", "hist", "lhist");

    private final Source source;
    private final KernelFacts facts;
    private final Options opts;
    private final LinkedHashMap<String, MapInfo> maps = new LinkedHashMap<>();
    /** Where each target was written, for errors about one attach point. */
    private final Map<ProbeTarget, Span> targetSpans = new java.util.HashMap<>();
    /** Uprobes' arguments from DWARF, worked out once (null: none to read). */
    private final Map<ProbeTarget.Uprobe, DwarfArgs> uprobeArgs = new java.util.HashMap<>();
    /** The map whose first assignment's value is being typed: reading it there is allowed. */
    private String defining;
    private IdentityHashMap<Expr, Type> types = new IdentityHashMap<>();
    /** Values known when compiling that codegen cannot work out alone: sizeof(struct x), kaddr(), uaddr(). */
    private IdentityHashMap<Expr, Long> constants = new IdentityHashMap<>();
    private Diagnostics diags;
    private boolean report;

    private SemanticAnalyser(Source source, KernelFacts facts, Options opts) {
        this.source = source;
        this.facts = facts;
        this.opts = opts;
        maps.putAll(opts.knownMaps());
    }

    public static TypedProgram analyse(Source source, Program ast, KernelFacts facts, Options opts) throws CompileException {
        return new SemanticAnalyser(source, facts, opts).run(ast);
    }

    /** The probe's context: its targets and the scratch variables assigned so far. */
    private record Ctx(List<ProbeTarget> targets, Map<String, Type> vars, Kind kind) {
        boolean userspace() {
            return kind == Kind.END || kind == Kind.INTERVAL;
        }
    }

    private enum Kind { BEGIN, END, TRACEPOINT, INTERVAL, KPROBE, KRETPROBE, UPROBE, URETPROBE, USDT, KFUNC, KRETFUNC, RAWTRACEPOINT, PERF_EVENT }

    private TypedProgram run(Program ast) throws CompileException {
        Diagnostics resolveDiags = new Diagnostics(source);
        List<Probe> probes = new ArrayList<>();
        List<List<ProbeTarget>> targets = new ArrayList<>();
        for (Probe p : ast.probes()) {
            List<ProbeTarget> ts = new ArrayList<>();
            boolean userspace = p.attachPoints().stream().allMatch(SemanticAnalyser::userspaceSpec);
            if (!opts.kernelProbes() && !userspace) continue;
            for (AttachPointSpec ap : p.attachPoints()) {
                List<ProbeTarget> resolved = AttachPoints.resolve(ap, facts, resolveDiags, opts.factsComplete(), opts.params());
                for (ProbeTarget t : resolved) targetSpans.putIfAbsent(t, ap.span());
                ts.addAll(resolved);
            }
            if (!ts.isEmpty() && ts.stream().map(SemanticAnalyser::kindOf).distinct().count() > 1)
                resolveDiags.error(p.attachPoints().getFirst().span().to(p.attachPoints().getLast().span()), "a probe's attach points must all be of one kind");
            probes.add(p);
            targets.add(ts);
        }
        resolveDiags.throwIfErrors();

        // Quiet passes until map types settle, then one pass that reports.
        for (int pass = 0; pass < 4; pass++) {
            int before = maps.hashCode();
            walk(probes, targets, false);
            if (maps.hashCode() == before && pass > 0) break;
        }
        List<TypedProgram.ProbeInfo> infos = walk(probes, targets, true);
        diags.throwIfErrors();
        return new TypedProgram(source, ast, infos, new LinkedHashMap<>(maps), types, opts.params(), diags.warnings(), constants);
    }

    static boolean userspaceSpec(AttachPointSpec ap) {
        String raw = ap.raw();
        if (raw.equals("END")) return true;
        int colon = raw.indexOf(':');
        return colon > 0 && "interval".equals(AttachPoints.canonicalProvider(raw.substring(0, colon)));
    }

    private static Kind kindOf(ProbeTarget t) {
        return switch (t) {
            case ProbeTarget.Begin b -> Kind.BEGIN;
            case ProbeTarget.End e -> Kind.END;
            case ProbeTarget.Tracepoint tp -> Kind.TRACEPOINT;
            case ProbeTarget.Interval i -> Kind.INTERVAL;
            case ProbeTarget.Kprobe k -> k.ret() ? Kind.KRETPROBE : Kind.KPROBE;
            case ProbeTarget.Uprobe u -> u.ret() ? Kind.URETPROBE : Kind.UPROBE;
            case ProbeTarget.Usdt u -> Kind.USDT;
            case ProbeTarget.Kfunc k -> k.ret() ? Kind.KRETFUNC : Kind.KFUNC;
            case ProbeTarget.RawTracepoint r -> Kind.RAWTRACEPOINT;
            case ProbeTarget.PerfEvent pe -> Kind.PERF_EVENT;
        };
    }

    private List<TypedProgram.ProbeInfo> walk(List<Probe> probes, List<List<ProbeTarget>> targets, boolean reporting) {
        report = reporting;
        diags = new Diagnostics(source);
        types = new IdentityHashMap<>();
        constants = new IdentityHashMap<>();
        List<TypedProgram.ProbeInfo> infos = new ArrayList<>();
        for (int i = 0; i < probes.size(); i++) {
            Probe p = probes.get(i);
            List<ProbeTarget> ts = targets.get(i);
            Ctx ctx = new Ctx(ts, new LinkedHashMap<>(), ts.isEmpty() ? Kind.TRACEPOINT : kindOf(ts.getFirst()));
            p.predicate().ifPresent(pred -> {
                Type t = expr(pred, ctx);
                if (t != null && !(t instanceof Type.Int)) error(p.predicateSpan(), "Invalid type for predicate: " + kindName(t));
            });
            block(p.body(), ctx, 0);
            infos.add(new TypedProgram.ProbeInfo(p, ts, ctx.vars()));
        }
        return infos;
    }

    // ---- statements

    private void block(Block b, Ctx ctx, int loopDepth) {
        for (Stmt s : b.stmts()) stmt(s, ctx, loopDepth);
    }

    private void stmt(Stmt s, Ctx ctx, int loopDepth) {
        switch (s) {
            case Stmt.ExprStmt(Expr e, Span span) -> {
                if (e instanceof Expr.Call c && AGGREGATIONS.contains(c.name())) {
                    error(c.span(), c.name() + "() should be directly assigned to a map");
                    return;
                }
                expr(e, ctx);
            }
            case Stmt.AssignMap(Expr.MapRef map, Expr value, Span span) -> assignMap(map, value, ctx);
            case Stmt.AssignVar(Expr.Var var, Expr value, Span span) -> {
                if (value instanceof Expr.Call c && AGGREGATIONS.contains(c.name())) {
                    error(c.span(), c.name() + "() should be directly assigned to a map");
                    return;
                }
                Type t = expr(value, ctx);
                if (t == null) return;
                if (t instanceof Type.None) {
                    error(value.span(), "Value of type none cannot be assigned to a variable");
                    return;
                }
                Type prev = ctx.vars().get(var.name());
                if (prev != null && !compatible(prev, t)) {
                    error(span, "Type mismatch for $" + var.name() + ": trying to assign value of type '" + t
                            + "' when variable already contains a value of type '" + prev + "'");
                    return;
                }
                ctx.vars().put(var.name(), prev == null ? normalizeVar(t) : unify(prev, t));
                types.put(var, ctx.vars().get(var.name()));
            }
            case Stmt.If(Expr cond, Block then, Optional<Stmt> otherwise, Span span) -> {
                Type t = expr(cond, ctx);
                // bpftrace 0.17 reports this one without a location: line 1, column 1, no caret.
                if (t != null && !(t instanceof Type.Int)) error(new Span(0, 0), "Invalid condition in if(): " + kindName(t));
                block(then, ctx, loopDepth);
                otherwise.ifPresent(o -> stmt(o, ctx, loopDepth));
            }
            case Stmt.Unroll(Expr count, Block body, Span span) -> {
                long n = literal(count, ctx);
                if (n > 100) error(span, "unroll maximum value is 100");
                else if (n < 1) error(span, "unroll minimum value is 1");
                block(body, ctx, loopDepth);
            }
            case Stmt.While(Expr cond, Block body, Span span) -> {
                Type t = expr(cond, ctx);
                if (t != null && !(t instanceof Type.Int)) error(cond.span(), "Invalid condition in while(): " + t);
                block(body, ctx, loopDepth + 1);
            }
            case Stmt.Jump(Stmt.JumpKind kind, Span span) -> {
                if (kind != Stmt.JumpKind.RETURN && loopDepth == 0) error(span, kind.name().toLowerCase() + " used outside of a loop");
            }
            case Stmt.Nested(Block b, Span span) -> block(b, ctx, loopDepth);
        }
    }

    private void assignMap(Expr.MapRef map, Expr value, Ctx ctx) {
        // bpftrace checks the value's type against the map's before its key's.
        List<Type> keyTypes = keyTypes(map, ctx, false);
        AggKind kind = AggKind.VALUE;
        Type valueType;
        long lmin = 0, lmax = 0, lstep = 0;
        if (value instanceof Expr.Call c && AGGREGATIONS.contains(c.name())) {
            kind = AggKind.valueOf(c.name().toUpperCase());
            boolean signed = true;
            int want = switch (kind) {
                case COUNT -> 0;
                case LHIST -> 4;
                default -> 1;
            };
            if (c.args().size() != want) {
                error(c.span(), c.name() + "() requires " + (want == 0 ? "no arguments" : want == 1 ? "one argument" : want + " arguments")
                        + " (" + c.args().size() + " provided)");
                return;
            }
            if (want > 0) {
                Type arg = expr(c.args().getFirst(), ctx);
                if (arg == null) return;
                if (!(arg instanceof Type.Int ai)) {
                    error(c.span(), c.name() + "() only supports integer arguments (" + kindName(arg) + " provided)");
                    return;
                }
                signed = ai.signed();
            }
            if (kind == AggKind.LHIST) {
                lmin = literal(c.args().get(1), ctx);
                lmax = literal(c.args().get(2), ctx);
                lstep = literal(c.args().get(3), ctx);
                if (report) {
                    if (lmin < 0) error(c.span(), "lhist() min must be non-negative (provided min " + lmin + ")");
                    else if (lmin > lmax) error(c.span(), "lhist() min must be less than max (provided min " + lmin + " and max " + lmax + ")");
                    else if (lstep <= 0) error(c.span(), "lhist() step must be >= 1 (" + lstep + " provided)");
                    else if ((lmax - lmin) / lstep > 1000) error(c.span(), "lhist() too many buckets, must be <= 1000 (would need " + (lmax - lmin) / lstep + ")");
                }
            }
            valueType = new Type.Agg(kind, signed);
            types.put(value, valueType);
        } else {
            // A map read in its own first assignment (@x = @x + 1, @n -= 1) reads 0 before any
            // value is stored, as in bpftrace: the map is being defined here.
            String outer = defining;
            defining = maps.containsKey(map.name()) ? null : map.name();
            Type t;
            try {
                t = expr(value, ctx);
            } finally {
                defining = outer;
            }
            if (t == null) return;
            if (t instanceof Type.None) {
                error(value.span(), "Value of type none cannot be assigned to a map");
                return;
            }
            valueType = t instanceof Type.Agg a ? new Type.Int(64, a.signed()) : normalizeVar(t);
        }
        if (keyTypes == null) return;
        MapInfo prev = maps.get(map.name());
        if (prev != null && (prev.kind() != kind || (kind == AggKind.VALUE && !compatible(prev.value(), valueType)))) {
            error(map.span(), "Type mismatch for " + map.displayName() + ": trying to assign value of type '" + valueType
                    + "' when map already contains a value of type '" + prev.value());
            return;
        }
        if (!keysMatch(map, keyTypes)) return;
        if (prev == null) {
            maps.put(map.name(), new MapInfo(map.name(), kind, keyTypes, valueType, lmin, lmax, lstep, map.span()));
        } else {
            if (kind == AggKind.LHIST && (prev.lhistMin() != lmin || prev.lhistMax() != lmax || prev.lhistStep() != lstep)) {
                error(value.span(), "Different lhist bounds in a single map unsupported");
                return;
            }
            Type newValue = kind == AggKind.VALUE ? unify(prev.value(), valueType)
                    : new Type.Agg(kind, ((Type.Agg) prev.value()).signed() && ((Type.Agg) valueType).signed());
            maps.put(map.name(), new MapInfo(map.name(), kind, unifyKeys(prev.keyTypes(), keyTypes), newValue, lmin, lmax, lstep, prev.firstUse()));
        }
        types.put(map, valueType);
    }

    /** Types a map's key parts and checks them against the map's earlier uses; null on error. */
    private List<Type> keyTypes(Expr.MapRef map, Ctx ctx) {
        return keyTypes(map, ctx, true);
    }

    private boolean keysMatch(Expr.MapRef map, List<Type> kt) {
        MapInfo prev = maps.get(map.name());
        if (prev != null && !keysCompatible(prev.keyTypes(), kt)) {
            error(map.span(), "Argument mismatch for " + map.displayName() + ": trying to access with arguments: " + describe(kt)
                    + " when map expects arguments: " + describe(prev.keyTypes()));
            return false;
        }
        return true;
    }

    /** Types a map's key parts, and with {@code check} checks them against the map's earlier uses; null on error. */
    private List<Type> keyTypes(Expr.MapRef map, Ctx ctx, boolean check) {
        List<Type> kt = new ArrayList<>();
        for (Expr k : map.keys()) {
            Type t = expr(k, ctx);
            if (t == null) return null;
            if (t instanceof Type.Tuple tup && map.keys().size() == 1) {
                kt.addAll(tup.elements().stream().map(SemanticAnalyser::keyPart).toList());
                continue;
            }
            if (!(t instanceof Type.Int || t instanceof Type.Str || t instanceof Type.Symbolized || t instanceof Type.Pointer)) {
                error(k.span(), "Invalid map key type: " + t);
                return null;
            }
            kt.add(keyPart(t));
        }
        return !check || keysMatch(map, kt) ? kt : null;
    }

    private static Type keyPart(Type t) {
        return t instanceof Type.Int i ? new Type.Int(64, i.signed()) : t;
    }

    private static String describe(List<Type> ts) {
        return "[" + String.join(", ", ts.stream().map(Type::toString).toList()) + "]";
    }

    private static boolean keysCompatible(List<Type> a, List<Type> b) {
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++) if (!compatible(a.get(i), b.get(i))) return false;
        return true;
    }

    private static List<Type> unifyKeys(List<Type> a, List<Type> b) {
        List<Type> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) out.add(unify(a.get(i), b.get(i)));
        return out;
    }

    /** Same kind of value: integers with integers, strings with strings (of any size), tuples element-wise. */
    static boolean compatible(Type a, Type b) {
        return switch (a) {
            case Type.Int x -> b instanceof Type.Int;
            case Type.Str x -> b instanceof Type.Str;
            case Type.Pointer x -> b instanceof Type.Pointer y && pointeeName(x).equals(pointeeName(y)) && x.user() == y.user();
            case Type.Tuple x -> b instanceof Type.Tuple y && keysCompatible(x.elements(), y.elements());
            default -> a.equals(b);
        };
    }

    /** The type that holds both: the larger string, a signed integer only when both are. */
    static Type unify(Type a, Type b) {
        if (a instanceof Type.Str x && b instanceof Type.Str y) return new Type.Str(Math.max(x.size(), y.size()));
        if (a instanceof Type.Int x && b instanceof Type.Int y) return new Type.Int(64, x.signed() && y.signed());
        if (a instanceof Type.Tuple x && b instanceof Type.Tuple y) return new Type.Tuple(unifyKeys(x.elements(), y.elements()));
        return a;
    }

    /** Scratch variables and map values hold integers as 64 bits. */
    private static Type normalizeVar(Type t) {
        return t instanceof Type.Int i ? new Type.Int(64, i.signed()) : t;
    }

    // ---- expressions

    /** The type of {@code e}, recorded for later passes; null when it cannot be known (yet). */
    private Type expr(Expr e, Ctx ctx) {
        Type t = exprType(e, ctx);
        if (t != null) types.put(e, t);
        return t;
    }

    private Type exprType(Expr e, Ctx ctx) {
        return switch (e) {
            case Expr.IntLit i -> Type.Int.INT64;
            case Expr.StrLit s -> new Type.Str(s.value().length() + 1);
            case Expr.Builtin b -> builtin(b, ctx);
            case Expr.Positional p -> {
                // bpftrace 0.17: $N is an integer (0 when not given) unless str($N) takes its text.
                String v = param(p.index());
                if (!v.isEmpty() && !isNumber(v)) {
                    error(p.span(), "$" + p.index() + " used numerically but given \"" + v + "\". Try using str($" + p.index() + ").");
                    yield null;
                }
                yield Type.Int.INT64;
            }
            case Expr.ParamCount pc -> Type.Int.INT64;
            case Expr.MapRef m -> mapRead(m, ctx);
            case Expr.Var v -> {
                Type t = ctx.vars().get(v.name());
                if (t == null) error(v.span(), "Undefined or undeclared variable: $" + v.name());
                yield t;
            }
            case Expr.Call c -> call(c, ctx);
            case Expr.Binary b -> binary(b, ctx);
            case Expr.Unary u -> unary(u, ctx);
            case Expr.IncDec id -> {
                Type t = switch (id.target()) {
                    case Expr.MapRef m -> {
                        MapInfo info = maps.get(m.name());
                        keyTypes(m, ctx);
                        if (info == null) {
                            // @x++ on a new map defines an integer map.
                            List<Type> kt = keyTypes(m, ctx);
                            if (kt != null) maps.put(m.name(), new MapInfo(m.name(), AggKind.VALUE, kt, Type.Int.INT64, 0, 0, 0, m.span()));
                            yield Type.Int.INT64;
                        }
                        yield info.kind() == AggKind.VALUE ? info.value() : null;
                    }
                    case Expr.Var v -> {
                        Type vt = ctx.vars().get(v.name());
                        if (vt == null) error(v.span(), "Undefined or undeclared variable: $" + v.name());
                        yield vt;
                    }
                    default -> {
                        error(id.span(), "The " + (id.increment() ? "++" : "--") + " operator must be applied to a map or variable");
                        yield null;
                    }
                };
                if (t != null && !(t instanceof Type.Int)) {
                    error(id.span(), "The " + (id.increment() ? "++" : "--") + " operator must be applied to an integer");
                    yield null;
                }
                if (t != null) types.put(id.target(), t);
                yield t == null ? null : Type.Int.INT64;
            }
            case Expr.Ternary t -> {
                Type c = expr(t.cond(), ctx);
                Type a = expr(t.then(), ctx);
                Type b = expr(t.otherwise(), ctx);
                if (c == null || a == null || b == null) yield null;
                if (!(c instanceof Type.Int)) {
                    error(t.span(), "Invalid condition in ternary: " + kindName(c));
                    yield null;
                }
                if (!compatible(a, b)) {
                    error(t.span(), "Ternary operator must return the same type: have '" + a + "' and '" + b + "'");
                    yield null;
                }
                yield unify(normalizeVar(a), normalizeVar(b));
            }
            case Expr.Field f -> field(f, ctx);
            case Expr.Index ix -> index(ix, ctx);
            case Expr.Cast c -> cast(c, ctx);
            case Expr.Tuple t -> {
                List<Type> el = new ArrayList<>();
                for (Expr x : t.elements()) {
                    Type xt = expr(x, ctx);
                    if (xt == null) yield null;
                    el.add(normalizeVar(xt));
                }
                yield new Type.Tuple(el);
            }
            case Expr.Sizeof s -> {
                if (s.operand().isPresent()) {
                    Type t = expr(s.operand().get(), ctx);
                    if (t == null) yield null;
                } else if (intType(s.type().get()) == null) {
                    Type.Struct st = structNamed(s.type().get());
                    if (st == null) yield null;
                    constants.put(s, s.type().get().pointerDepth() > 0 ? 8L : st.size());
                }
                yield Type.Int.UINT64;
            }
            case Expr.Offsetof o -> {
                error(o.span(), "offsetof() needs BTF, which is not supported yet");
                yield null;
            }
        };
    }

    private Type builtin(Expr.Builtin b, Ctx ctx) {
        String n = b.name();
        switch (n) {
            case "pid", "tid", "uid", "gid", "cpu", "numaid", "cgroup", "nsecs", "elapsed", "jiffies", "cpid" -> {
                return Type.Int.UINT64;
            }
            case "curtask" -> {
                if (ctx.kind() == Kind.END || ctx.kind() == Kind.INTERVAL) {
                    error(b.span(), "curtask is not available in END and interval blocks: they run on the coordinator, which is no task on the traced hosts (read it in a probe and keep what you need in a map)");
                    return null;
                }
                // With BTF, bpftrace types it as the kernel's struct task_struct *: curtask->real_parent->pid.
                Optional<Type.Struct> task = facts.btf().flatMap(btf -> BtfTypes.named(btf, "struct task_struct"));
                return task.<Type>map(t -> new Type.Pointer(t, false)).orElse(Type.Int.UINT64);
            }
            case "rand" -> {
                return Type.Int.UINT32;
            }
            case "comm" -> {
                return new Type.Str(16);
            }
            case "username" -> {
                // The uid in the kernel, its name once the agent resolved it (bpftrace's username type).
                return new Type.Symbolized(dev.fleettrace.plan.Symbolic.Kind.USERNAME, 0, dev.fleettrace.plan.Symbolic.StackMode.BPFTRACE);
            }
            case "probe" -> {
                return new Type.Str(STRLEN);
            }
            case "host" -> {
                return new Type.Str(HOST_LEN);
            }
            case "args" -> {
                if (ctx.kind() == Kind.UPROBE) return uprobeArgs(ctx);
                if (ctx.kind() != Kind.TRACEPOINT && ctx.kind() != Kind.KFUNC && ctx.kind() != Kind.KRETFUNC) {
                    error(b.span(), "The args builtin can only be used with tracepoint/kfunc/uprobeprobes (" + kindName(ctx) + " used here)");
                    return null;
                }
                if (ctx.targets().isEmpty()) return null;
                return argsType(ctx.targets().getFirst());
            }
            default -> {
                if (ContextTypes.handlesBuiltin(n)) return ContextTypes.builtin(b, ctx.targets(), facts, this::error);
                error(b.span(), "Unknown identifier: '" + n + "'");
                return null;
            }
        }
    }

    private static String kindName(Ctx ctx) {
        return switch (ctx.kind()) {
            case BEGIN, END -> "special";
            default -> ctx.targets().isEmpty() ? "tracepoint" : ContextTypes.typeName(ctx.targets().getFirst());
        };
    }

    /**
     * {@code args} of a uprobe: the function's parameters from the binary's DWARF, the same in every
     * attach point of the probe (as bpftrace requires); null when they cannot be known here.
     */
    private Type uprobeArgs(Ctx ctx) {
        DwarfArgs first = null;
        for (ProbeTarget t : ctx.targets()) {
            if (!(t instanceof ProbeTarget.Uprobe u)) return null;
            DwarfArgs a = dwarfArgs(u);
            if (a == null) return null;
            if (first == null) first = a;
            else if (!first.struct().members().equals(a.struct().members()) || !first.unsupported().equals(a.unsupported())
                    || !first.unlocated().equals(a.unlocated())) {
                error(targetSpans.getOrDefault(t, Span.NONE), "Probe has attach points with mixed arguments");
                return null;
            }
        }
        return first == null ? null : new Type.Pointer(first.struct(), false);
    }

    /** The DWARF arguments of one uprobe, once per target; null (after saying why) when there are none to read. */
    private DwarfArgs dwarfArgs(ProbeTarget.Uprobe u) {
        if (uprobeArgs.containsKey(u)) return uprobeArgs.get(u);
        DwarfArgs out = null;
        Optional<Binary> bin = facts.binary(u.path());
        Optional<DebugInfo> di = bin.flatMap(Binary::debugInfo);
        if (di.isEmpty()) {
            if (bin.isPresent() && opts.factsComplete()) error(targetSpans.getOrDefault(u, Span.NONE), "No debuginfo found for " + u.path());
        } else {
            DwarfType.Subprogram fn = u.symbol().isEmpty() ? null : di.get().function(u.symbol()).orElse(null);
            out = fn == null ? new DwarfArgs(new Type.Struct("uprobe_args", DwarfArgs.REGISTER_AREA, List.of()), Map.of(), List.of())
                    : DwarfArgs.of(di.get(), fn);
        }
        if (report) uprobeArgs.put(u, out);
        return out;
    }

    /** {@code args->name} in a uprobe, with bpftrace's messages for a parameter it cannot find or read. */
    private Type uprobeArg(Expr.Field f, Ctx ctx) {
        if (!(expr(f.target(), ctx) instanceof Type.Pointer p && p.pointee() instanceof Type.Struct s)) return null;
        ProbeTarget.Uprobe u = (ProbeTarget.Uprobe) ctx.targets().getFirst();
        DwarfArgs a = dwarfArgs(u);
        if (a != null && a.unsupported().containsKey(f.field())) {
            error(f.span(), f.field() + " has unsupported type");
            return null;
        }
        if (a != null && a.unlocated().contains(f.field())) {
            error(f.span(), f.field() + " follows a struct or union passed by value, whose registers fleettrace cannot work out");
            return null;
        }
        Optional<Type.Member> m = f.arrow() ? s.member(f.field()) : Optional.empty();
        if (m.isEmpty()) {
            error(f.span(), "Can't find function parameter " + f.field());
            return null;
        }
        return m.get().type();
    }

    /** The type of {@code args} in a tracepoint (its record) or a kfunc (its arguments, from BTF). */
    private Type argsType(ProbeTarget t) {
        if (t instanceof ProbeTarget.Tracepoint tp) return new Type.Pointer(TracepointTypes.struct(tp.format()), false);
        return ContextTypes.kfuncArgs(t, facts);
    }

    private Type mapRead(Expr.MapRef m, Ctx ctx) {
        MapInfo info = maps.get(m.name());
        if (info == null && m.name().equals(defining)) {
            // Until its assignment types it, an unsigned 64-bit integer, as bpftrace takes it
            // (so @n = @n - 1 holds 18446744073709551615 there).
            if (keyTypes(m, ctx) == null) return null;
            Type t = new Type.Int(64, false);
            types.put(m, t);
            return t;
        }
        if (info == null) {
            for (Expr k : m.keys()) expr(k, ctx);
            error(m.span(), "Undefined map: " + m.displayName());
            return null;
        }
        if (keyTypes(m, ctx) == null) return null;
        if (!m.keys().isEmpty() == info.scalar()) {
            error(m.span(), info.scalar() ? "The map " + m.displayName() + " has no key, but one was given"
                    : "The map " + m.displayName() + " is used without a key, but it has one");
            return null;
        }
        return switch (info.kind()) {
            case VALUE -> info.value();
            case HIST, LHIST, STATS -> {
                error(m.span(), "The map " + m.displayName() + " holds a " + info.kind().function() + "(), which has no single value to read");
                yield null;
            }
            default -> new Type.Int(64, ((Type.Agg) info.value()).signed());
        };
    }

    private Type binary(Expr.Binary b, Ctx ctx) {
        Type l = expr(b.left(), ctx);
        Type r = expr(b.right(), ctx);
        if (l == null || r == null) return null;
        if (l instanceof Type.Int li && r instanceof Type.Int ri) {
            if (b.op().comparison() || b.op().logical()) return Type.Int.INT64;
            return new Type.Int(64, li.signed() && ri.signed());
        }
        if (l instanceof Type.Str && r instanceof Type.Str && (b.op() == BinOp.EQ || b.op() == BinOp.NE)) return Type.Int.INT64;
        if (l instanceof Type.Pointer || r instanceof Type.Pointer) return pointerBinary(b, l, r);
        error(b.span(), "Type mismatch for '" + b.op().symbol + "': comparing '" + l + "' with '" + r + "'");
        return null;
    }

    /**
     * Pointers as bpftrace 0.17 takes them: compared with pointers and integers; {@code p + n}, {@code n + p}
     * and {@code p - n} step by the pointee's size, as in C; nothing else (not even {@code &&}, {@code ||}).
     */
    private Type pointerBinary(Expr.Binary b, Type l, Type r) {
        boolean leftPtr = l instanceof Type.Pointer;
        Type.Pointer p = (Type.Pointer) (leftPtr ? l : r);
        Type other = leftPtr ? r : l;
        boolean compare = b.op().comparison();
        if (other instanceof Type.Pointer q && compare) {
            if (report && !pointeeName(p).equals(pointeeName(q)))
                diags.warning(b.span(), "comparison of distinct pointer types ('" + pointeeName((Type.Pointer) l) + ", '" + pointeeName((Type.Pointer) r) + "')");
            return Type.Int.INT64;
        }
        if (other instanceof Type.Int) {
            if (b.op() == BinOp.ADD || (b.op() == BinOp.SUB && leftPtr)) {
                return p.pointee() instanceof Type.Struct ps ? new Type.Pointer(p.user() ? ps : completeStruct(ps), p.user()) : p;
            }
            if (compare) return Type.Int.INT64;
        }
        error(b.opSpan(), "The " + b.op().symbol + " operator can not be used on expressions of types " + l + ", " + r);
        return null;
    }

    private static String pointeeName(Type.Pointer p) {
        return p.pointee().toString();
    }

    /** bpftrace's x86-64 register names for {@code reg()}, in {@code struct pt_regs} order (8 bytes each). */
    public static final List<String> REGISTERS = List.of("r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax", "cx", "dx",
            "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss");

    /** {@code reg("name")}: a saved register, where the context holds them (kprobes, uprobes, usdt, perf events). */
    private Type reg(Expr.Call c, Ctx ctx) {
        List<Expr> args = c.args();
        if (args.size() != 1) {
            error(c.span(), "reg() requires one argument (" + args.size() + " provided)");
            return null;
        }
        if (!(args.getFirst() instanceof Expr.StrLit name)) {
            Type t = expr(args.getFirst(), ctx);
            if (t != null) error(c.span(), "reg() expects a string literal (" + kindName(t) + " provided)");
            return null;
        }
        // Contexts without saved registers; END and interval blocks run on the coordinator.
        if (ctx.kind() == Kind.BEGIN || ctx.kind() == Kind.END || ctx.kind() == Kind.TRACEPOINT || ctx.kind() == Kind.INTERVAL
                || ctx.kind() == Kind.KFUNC || ctx.kind() == Kind.KRETFUNC || ctx.kind() == Kind.RAWTRACEPOINT) {
            String where = ctx.targets().isEmpty() ? "tracepoint" : ContextTypes.typeName(ctx.targets().getFirst());
            error(c.span(), "reg can not be used with \"" + where + "\" probes");
            return null;
        }
        if (!REGISTERS.contains(name.value())) {
            error(c.span(), "'" + name.value() + "' is not a valid register on this architecture (x86_64)");
            return null;
        }
        return Type.Int.UINT64;
    }

    /** bpftrace's name of a value's kind in messages ({@code (pointer provided)}, {@code Invalid condition in if(): string}). */
    static String kindName(Type t) {
        return switch (t) {
            case Type.Int i -> "integer";
            case Type.Str s -> "string";
            case Type.Pointer p -> "pointer";
            case Type.Struct s -> "record";
            case Type.Tuple tu -> "tuple";
            case Type.Array a -> "array";
            case Type.None n -> "none";
            default -> t.toString();
        };
    }

    private Type unary(Expr.Unary u, Ctx ctx) {
        Type t = expr(u.operand(), ctx);
        if (t == null) return null;
        return switch (u.op()) {
            case NEG, BNOT, LNOT -> {
                if (!(t instanceof Type.Int i)) {
                    error(u.span(), "The " + u.op().symbol + " operator can not be used on expressions of type '" + t + "'");
                    yield null;
                }
                yield u.op() == UnOp.LNOT ? Type.Int.INT64 : new Type.Int(64, i.signed());
            }
            case DEREF -> {
                if (t instanceof Type.Pointer p && p.pointee() instanceof Type.Int pi) yield pi;
                if (t instanceof Type.Int) yield Type.Int.UINT64;
                error(u.span(), "Can not dereference type '" + t + "'");
                yield null;
            }
            case ADDR -> {
                error(u.span(), "The & operator is not supported yet");
                yield null;
            }
        };
    }

    private Type field(Expr.Field f, Ctx ctx) {
        if (ctx.kind() == Kind.UPROBE && f.target() instanceof Expr.Builtin bi && bi.name().equals("args")) return uprobeArg(f, ctx);
        Type t = expr(f.target(), ctx);
        if (t == null) return null;
        if (t instanceof Type.Tuple tup && !f.arrow() && f.field().chars().allMatch(Character::isDigit)) {
            int i = Integer.parseInt(f.field());
            if (i >= tup.elements().size()) {
                error(f.span(), "Invalid tuple index: " + i + ". Found " + tup.elements().size() + " elements in tuple.");
                return null;
            }
            return tup.elements().get(i);
        }
        Type.Struct s;
        if (f.arrow()) {
            if (!(t instanceof Type.Pointer p && p.pointee() instanceof Type.Struct ps)) {
                error(f.span(), "Can not access field '" + f.field() + "' on expression of type '" + t + "'");
                return null;
            }
            // A user-space struct comes from the binary's DWARF, never from the kernel's BTF.
            s = p.user() ? ps : completeStruct(ps);
            // Code generation reads the members' offsets from the target's type: keep the completed struct.
            if (s != ps) types.put(f.target(), new Type.Pointer(s, p.user()));
        } else {
            if (!(t instanceof Type.Struct ss)) {
                error(f.span(), "Can not access field '" + f.field() + "' on expression of type '" + t + "'");
                return null;
            }
            s = completeStruct(ss);
        }
        Optional<Type.Member> m = s.member(f.field());
        if (m.isEmpty()) {
            error(f.span(), "Struct/union of type '" + s + "' does not contain a field named '" + f.field() + "'");
            return null;
        }
        // Every target of the probe must have the field, with the same type.
        if (f.target() instanceof Expr.Builtin bi && bi.name().equals("args")) {
            for (ProbeTarget pt : ctx.targets()) {
                if (!(argsType(pt) instanceof Type.Pointer ap && ap.pointee() instanceof Type.Struct other)) continue;
                Optional<Type.Member> om = other.member(f.field());
                if (om.isEmpty()) {
                    error(f.span(), "Struct/union of type '" + other + "' does not contain a field named '" + f.field() + "'");
                    return null;
                }
                if (!om.get().type().equals(m.get().type())) {
                    error(f.span(), "args->" + f.field() + " has different types in " + ctx.targets().getFirst().probeName() + " and " + pt.probeName());
                    return null;
                }
            }
        }
        return m.get().type();
    }

    private Type index(Expr.Index ix, Ctx ctx) {
        Type t = expr(ix.target(), ctx);
        Type i = expr(ix.index(), ctx);
        if (t == null || i == null) return null;
        if (!(i instanceof Type.Int)) {
            error(ix.index().span(), "The array index operator [] needs an integer index");
            return null;
        }
        return switch (t) {
            case Type.Array a -> a.element();
            case Type.Pointer p when p.pointee() instanceof Type.Int pi -> pi;
            default -> {
                error(ix.span(), "The array index operator [] can only be used on arrays and pointers, found " + t);
                yield null;
            }
        };
    }

    private Type cast(Expr.Cast c, Ctx ctx) {
        Type t = expr(c.operand(), ctx);
        if (t == null) return null;
        Type.Int target = intType(c.type());
        if (target == null) {
            Type st = structPointerType(c.type(), ctx);
            if (st == null) return null;
            if (!(t instanceof Type.Int || t instanceof Type.Pointer)) {
                error(c.span(), "Cannot cast from \"" + t + "\" to \"" + c.type() + "\"");
                return null;
            }
            return st;
        }
        if (!(t instanceof Type.Int || t instanceof Type.Pointer)) {
            error(c.span(), "Cannot cast from \"" + t + "\" to \"" + c.type() + "\"");
            return null;
        }
        return target;
    }

    /** A struct from the kernel's BTF by its C name ({@code struct task_struct}); null after reporting why not. */
    private Type.Struct structNamed(TypeName tn) {
        String name = tn.name();
        if (!name.startsWith("struct ") && !name.startsWith("union ")) {
            error(tn.span(), "Unknown type: " + name);
            return null;
        }
        if (facts.btf().isEmpty()) {
            if (opts.factsComplete()) error(tn.span(), "Unknown struct/union: '" + name + "': this kernel has no BTF (/sys/kernel/btf/vmlinux)");
            return null;
        }
        Optional<Type.Struct> s = BtfTypes.named(facts.btf().get(), name);
        if (s.isEmpty()) error(tn.span(), "Unknown struct/union: '" + name + "'");
        return s.orElse(null);
    }

    /** {@code (struct x *)}: a pointer to a BTF struct, into user memory in uprobes and usdt probes. */
    private Type structPointerType(TypeName tn, Ctx ctx) {
        if (tn.pointerDepth() == 0 || tn.arrayLength() >= 0) {
            if (tn.name().startsWith("struct ") || tn.name().startsWith("union ")) {
                error(tn.span(), "Cannot cast to \"" + tn + "\": only pointers to structs can be cast to");
            } else {
                error(tn.span(), "Unknown type: " + tn);
            }
            return null;
        }
        Type.Struct s = structNamed(tn);
        if (s == null) return null;
        boolean user = ContextTypes.userSpace(ctx.targets());
        Type t = new Type.Pointer(s, user);
        for (int i = 1; i < tn.pointerDepth(); i++) t = new Type.Pointer(t, user);
        return t;
    }

    /** An opaque struct met through a pointer, with its members from BTF. */
    private Type.Struct completeStruct(Type.Struct s) {
        return facts.btf().map(btf -> BtfTypes.complete(btf, s)).orElse(s);
    }

    /** {@code (uint8)}, {@code (int64)}; null for anything else. */
    static Type.Int intType(TypeName tn) {
        if (tn.pointerDepth() > 0 || tn.arrayLength() >= 0) return null;
        String n = tn.name();
        if (n.matches("u?int(8|16|32|64)")) return new Type.Int(Integer.parseInt(n.replaceAll("\\D", "")), !n.startsWith("u"));
        return switch (n) {
            case "char", "signed char" -> new Type.Int(8, true);
            case "unsigned char" -> new Type.Int(8, false);
            case "short" -> new Type.Int(16, true);
            case "unsigned short" -> new Type.Int(16, false);
            case "int", "signed", "signed int" -> new Type.Int(32, true);
            case "unsigned", "unsigned int" -> new Type.Int(32, false);
            case "long", "long long", "long int" -> new Type.Int(64, true);
            case "unsigned long", "unsigned long long" -> new Type.Int(64, false);
            default -> null;
        };
    }

    // ---- calls

    private Type call(Expr.Call c, Ctx ctx) {
        List<Expr> args = c.args();
        switch (c.name()) {
            case "count", "sum", "avg", "min", "max", "stats", "hist", "lhist" -> {
                error(c.span(), c.name() + "() should be directly assigned to a map");
                return null;
            }
            case "printf" -> {
                if (args.isEmpty()) {
                    error(c.span(), "printf() requires at least 1 argument (0 provided)");
                    return null;
                }
                return formatted("printf", c, ctx) ? Type.NONE : null;
            }
            case "time" -> {
                if (args.size() > 1) {
                    error(c.span(), "time() takes up to one argument (" + args.size() + " provided)");
                    return null;
                }
                if (args.size() == 1 && !(args.getFirst() instanceof Expr.StrLit)) {
                    error(c.span(), "time() expects a string literal (" + describeArg(args.getFirst(), ctx) + " provided)");
                    return null;
                }
                return Type.NONE;
            }
            case "exit" -> {
                if (!args.isEmpty()) {
                    error(c.span(), "exit() requires no arguments (" + args.size() + " provided)");
                    return null;
                }
                return Type.NONE;
            }
            case "print" -> {
                if (args.isEmpty() || args.size() > 3) {
                    error(c.span(), "print() requires at least one argument and at most three (" + args.size() + " provided)");
                    return null;
                }
                if (args.getFirst() instanceof Expr.MapRef m && m.keys().isEmpty()) {
                    if (!maps.containsKey(m.name())) {
                        error(m.span(), "Undefined map: " + m.displayName());
                        return null;
                    }
                    for (int i = 1; i < args.size(); i++) literal(args.get(i), ctx);
                    return Type.NONE;
                }
                if (args.size() > 1) {
                    error(c.span(), "Non-map print() only takes 1 argument, " + args.size() + " found");
                    return null;
                }
                Type pt = expr(args.getFirst(), ctx);
                if (pt instanceof Type.Pointer) {
                    error(c.span(), pt + " type passed to print() is not printable");
                    return null;
                }
                return pt == null ? null : Type.NONE;
            }
            case "clear", "zero" -> {
                if (args.size() != 1) {
                    error(c.span(), c.name() + "() requires one argument (" + args.size() + " provided)");
                    return null;
                }
                if (!(args.getFirst() instanceof Expr.MapRef m) || !m.keys().isEmpty()) {
                    error(c.span(), c.name() + "() expects a map to be provided");
                    return null;
                }
                if (!maps.containsKey(m.name())) {
                    error(m.span(), "Undefined map: " + m.displayName());
                    return null;
                }
                return Type.NONE;
            }
            case "delete" -> {
                if (args.size() != 1) {
                    error(c.span(), "delete() requires one argument (" + args.size() + " provided)");
                    return null;
                }
                if (!(args.getFirst() instanceof Expr.MapRef m)) {
                    error(c.span(), "delete() expects a map to be provided");
                    return null;
                }
                MapInfo info = maps.get(m.name());
                if (info == null) {
                    error(m.span(), "Undefined map: " + m.displayName());
                    return null;
                }
                if (m.keys().isEmpty() != info.scalar()) {
                    error(c.span(), "delete() expects a map " + (info.scalar() ? "without" : "with") + " a key");
                    return null;
                }
                return keyTypes(m, ctx) == null ? null : Type.NONE;
            }
            case "str" -> {
                if (args.isEmpty() || args.size() > 2) {
                    error(c.span(), "str() requires at least 1 argument and at most 2 (" + args.size() + " provided)");
                    return null;
                }
                if (args.getFirst() instanceof Expr.Positional p) {
                    // str($N): the parameter's text as given, numeric or not.
                    Type.Str s = new Type.Str(param(p.index()).length() + 1);
                    types.put(p, s);
                    return s;
                }
                Type t = expr(args.getFirst(), ctx);
                if (t == null) return null;
                if (t instanceof Type.Str s) return s;
                if (!(t instanceof Type.Int || t instanceof Type.Pointer)) {
                    error(c.span(), "str() expects an integer or a pointer type as first argument (" + t + " provided)");
                    return null;
                }
                int size = STRLEN;
                if (args.size() == 2) {
                    Type lt = expr(args.get(1), ctx);
                    if (lt == null) return null;
                    if (!(lt instanceof Type.Int)) {
                        error(args.get(1).span(), "str() expects an integer as second argument (" + lt + " provided)");
                        return null;
                    }
                    if (args.get(1) instanceof Expr.IntLit(long v, Span s)) size = (int) Math.max(1, Math.min(STRLEN, v + 1));
                }
                return new Type.Str(size);
            }
            case "strncmp" -> {
                if (args.size() != 3) {
                    error(c.span(), "strncmp() requires 3 arguments (" + args.size() + " provided)");
                    return null;
                }
                Type a = expr(args.get(0), ctx), b = expr(args.get(1), ctx);
                if (a == null || b == null) return null;
                if (!(a instanceof Type.Str) || !(b instanceof Type.Str)) {
                    error(c.span(), "strncmp() expects strings as its first two arguments");
                    return null;
                }
                literal(args.get(2), ctx);
                return Type.Int.UINT64;
            }
            case "system", "signal", "override", "join" -> {
                return action(c, ctx);
            }
            case "cat" -> {
                error(c.span(), c.name() + "() is not supported yet");
                return null;
            }
            case "kstack", "ustack", "ksym", "usym", "kaddr", "uaddr" -> {
                return ContextTypes.call(c, ctx.targets(), facts, opts.factsComplete(), a -> expr(a, ctx), constants::put, this::error);
            }
            case "cgroupid" -> {
                return cgroupid(c, ctx);
            }
            case "ntop" -> {
                return ntop(c, ctx);
            }
            case "reg" -> {
                return reg(c, ctx);
            }
            case "kptr", "uptr" -> {
                if (args.size() != 1) {
                    error(c.span(), c.name() + "() requires one argument (" + args.size() + " provided)");
                    return null;
                }
                Type t = expr(args.getFirst(), ctx);
                if (t == null) return null;
                // An annotation: the value is unchanged, a pointer now points into kernel (kptr) or user (uptr) memory.
                if (t instanceof Type.Pointer p) return new Type.Pointer(p.pointee(), c.name().equals("uptr"));
                if (!(t instanceof Type.Int)) {
                    error(c.span(), c.name() + "() only supports integer or pointer arguments (" + kindName(t) + " provided)");
                    return null;
                }
                return t;
            }
            case "buf", "macaddr", "strftime", "path",
                 "sizeof", "offsetof", "unwatch", "skboutput", "debugf", "strcontains", "pton", "percpu_kaddr", "len" -> {
                error(c.span(), c.name() + "() is not supported yet");
                return null;
            }
            default -> {
                error(c.nameSpan(), "Unknown function: " + c.name());
                return null;
            }
        }
    }

    /**
     * {@code ntop([af,] addr)}: an integer address is its low 4 bytes (as 0.17 copies it); a 4-byte
     * array or string is IPv4, a 16-byte one IPv6; af, when given, decides at run time.
     */
    private Type ntop(Expr.Call c, Ctx ctx) {
        List<Expr> args = c.args();
        if (args.isEmpty() || args.size() > 2) {
            error(c.span(), args.isEmpty() ? "ntop() requires at least one argument (0 provided)" : "ntop() takes up to 2 arguments (" + args.size() + " provided)");
            return null;
        }
        if (args.size() == 2) {
            Type af = expr(args.getFirst(), ctx);
            if (af == null) return null;
            if (!(af instanceof Type.Int)) {
                error(c.span(), "ntop() only supports integer arguments (" + (af instanceof Type.Str ? "string" : af.toString()) + " provided)");
                return null;
            }
        }
        Type addr = expr(args.getLast(), ctx);
        if (addr == null) return null;
        boolean ok = addr instanceof Type.Int
                || (addr instanceof Type.Str s && (s.size() == 4 || s.size() == 16))
                || (addr instanceof Type.Array arr && (arr.size() == 4 || arr.size() == 16));
        if (!ok) {
            error(c.span(), "ntop() expects an integer or array argument, got " + addr);
            return null;
        }
        return new Type.Symbolized(dev.fleettrace.plan.Symbolic.Kind.INET, 0, dev.fleettrace.plan.Symbolic.StackMode.BPFTRACE);
    }

    /** {@code cgroupid("path")}: the id of that cgroup on the host compiling, a constant of the program. */
    private Type cgroupid(Expr.Call c, Ctx ctx) {
        if (c.args().size() != 1) {
            error(c.span(), "cgroupid() requires one argument (" + c.args().size() + " provided)");
            return null;
        }
        if (!(c.args().getFirst() instanceof Expr.StrLit path)) {
            String d = describeArg(c.args().getFirst(), ctx);
            error(c.span(), "cgroupid() expects a string literal (" + (d.startsWith("string") ? "string" : d) + " provided)");
            return null;
        }
        types.put(path, new Type.Str(path.value().length() + 1));
        try {
            constants.put(c, facts.cgroupId(path.value()));
        } catch (java.io.IOException e) {
            if (opts.factsComplete()) error(Span.NONE, "Failed to compile: Failed to get `cgroupid` for path: \"" + path.value() + "\": " + e.getMessage());
            constants.put(c, 0L);
        }
        return Type.Int.UINT64;
    }

    /** printf-style format and arguments: the format must be a literal and the arguments must fit it. */
    private boolean formatted(String function, Expr.Call c, Ctx ctx) {
        Expr fmt = c.args().getFirst();
        if (!(fmt instanceof Expr.StrLit lit)) {
            error(c.span(), function + "() expects a string literal (" + describeArg(fmt, ctx) + " provided)");
            return false;
        }
        List<PrintfFormat.ArgType> argTypes = new ArrayList<>();
        boolean known = true;
        for (Expr a : c.args().subList(1, c.args().size())) {
            Type t = expr(a, ctx);
            if (t == null) {
                known = false;
                continue;
            }
            argTypes.add(switch (t) {
                case Type.Str s -> PrintfFormat.ArgType.STRING;
                case Type.Symbolized s -> PrintfFormat.ArgType.STRING;
                case Type.Int i -> PrintfFormat.ArgType.INTEGER;
                case Type.Pointer p -> PrintfFormat.ArgType.INTEGER;
                default -> {
                    error(a.span(), function + "() can not print a value of type " + t);
                    known = false;
                    yield PrintfFormat.ArgType.INTEGER;
                }
            });
        }
        if (!known) return false;
        String problem = PrintfFormat.parse(lit.value()).check(function, argTypes);
        if (problem != null) {
            error(c.span(), problem);
            return false;
        }
        return true;
    }

    /** system(), signal(), override(), join(): actions of kernel probes, with bpftrace's checks in its order. */
    private Type action(Expr.Call c, Ctx ctx) {
        List<Expr> args = c.args();
        switch (c.name()) {
            case "system" -> {
                if (!opts.unsafe()) {
                    error(c.span(), "system() is an unsafe function being used in safe mode");
                    return null;
                }
                if (args.isEmpty()) {
                    error(c.span(), "system() requires at least 1 argument (0 provided)");
                    return null;
                }
                if (ctx.userspace()) {
                    error(c.span(), "system() runs on the agents' hosts: fleettrace allows it in kernel probes only");
                    return null;
                }
                return formatted("system", c, ctx) ? Type.NONE : null;
            }
            case "signal" -> {
                if (!opts.unsafe()) {
                    error(c.span(), "signal() is an unsafe function being used in safe mode");
                    return null;
                }
                if (args.size() != 1) {
                    error(c.span(), "signal() requires 1 argument (" + args.size() + " provided)");
                    return null;
                }
                if (ctx.userspace()) {
                    error(c.span(), "signal() can only be used in kernel probes");
                    return null;
                }
                Expr a = args.getFirst();
                if (a instanceof Expr.StrLit lit) {
                    if (signalNumber(lit.value()) < 0) {
                        error(c.span(), lit.value() + " is not a valid signal");
                        return null;
                    }
                    types.put(a, new Type.Str(lit.value().length() + 1));
                    return Type.NONE;
                }
                if (a instanceof Expr.IntLit(long v, Span s) && (v < 1 || v > 64)) {
                    error(c.span(), v + " is not a valid signal, allowed range: [1,64]");
                    return null;
                }
                Type t = expr(a, ctx);
                if (t == null) return null;
                if (!(t instanceof Type.Int)) {
                    error(c.span(), "signal only accepts string literals or integers");
                    return null;
                }
                return Type.NONE;
            }
            case "override" -> {
                if (ctx.kind() != Kind.KPROBE) {
                    error(c.span(), "override can only be used with kprobes.");
                    return null;
                }
                if (!opts.unsafe()) {
                    error(c.span(), "override() is an unsafe function being used in safe mode");
                    return null;
                }
                if (args.size() != 1) {
                    error(c.span(), "override() requires 1 argument (" + args.size() + " provided)");
                    return null;
                }
                Type t = expr(args.getFirst(), ctx);
                if (t == null) return null;
                if (!(t instanceof Type.Int)) {
                    error(c.span(), "override() only supports int arguments (" + t + " provided)");
                    return null;
                }
                return Type.NONE;
            }
            default -> { // join
                if (args.isEmpty() || args.size() > 2) {
                    error(c.span(), "join() requires 1 or 2 arguments (" + args.size() + " provided)");
                    return null;
                }
                if (ctx.userspace()) {
                    error(c.span(), "join() reads kernel or process memory: it can only be used in kernel probes");
                    return null;
                }
                Type t = expr(args.getFirst(), ctx);
                if (t == null) return null;
                if (!(t instanceof Type.Int || t instanceof Type.Pointer)) {
                    // bpftrace 0.17 prints the function name empty here
                    error(c.span(), "() only supports int or pointer arguments (" + (t instanceof Type.Str ? "string" : t) + " provided)");
                    return null;
                }
                if (args.size() == 2 && !(args.get(1) instanceof Expr.StrLit)) {
                    Type dt = expr(args.get(1), ctx);
                    error(c.span(), "join() expects a string literal (" + (dt instanceof Type.Str ? "string" : dt instanceof Type.Int ? "integer" : String.valueOf(dt)) + " provided)");
                    return null;
                }
                if (args.size() == 2) expr(args.get(1), ctx);
                return Type.NONE;
            }
        }
    }

    private static final List<String> SIGNALS = List.of("HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1",
            "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU",
            "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");

    /** The number of a signal named as bpftrace accepts it ({@code KILL}, {@code SIGKILL}), or -1. */
    public static int signalNumber(String name) {
        String n = name.startsWith("SIG") ? name.substring(3) : name;
        int i = SIGNALS.indexOf(n);
        if (i >= 0) return i + 1;
        if (n.equals("IOT")) return 6;
        if (n.equals("POLL")) return 29;
        return -1;
    }

    private String describeArg(Expr e, Ctx ctx) {
        Type t = expr(e, ctx);
        if (t instanceof Type.Int) return "integer";
        return t == null ? "none" : t.toString();
    }

    /** An integer that must be known when compiling: a literal, possibly negated, or a numeric positional parameter. */
    private long literal(Expr e, Ctx ctx) {
        switch (e) {
            case Expr.IntLit(long v, Span s) -> {
                types.put(e, Type.Int.INT64);
                return v;
            }
            case Expr.Positional p when isNumber(param(p.index())) -> {
                types.put(e, Type.Int.INT64);
                return parseNumber(param(p.index()));
            }
            default -> {
                error(e.span(), "expected an integer literal");
                return 0;
            }
        }
    }

    // ---- positional parameters

    private String param(int index) {
        return index >= 1 && index <= opts.params().size() ? opts.params().get(index - 1) : "";
    }

    public static boolean isNumber(String s) {
        return s.matches("-?(0x[0-9a-fA-F]+|[0-9]+)");
    }

    public static long parseNumber(String s) {
        boolean neg = s.startsWith("-");
        String d = neg ? s.substring(1) : s;
        long v = d.startsWith("0x") ? Long.parseUnsignedLong(d.substring(2), 16) : Long.parseUnsignedLong(d);
        return neg ? -v : v;
    }

    private void error(Span span, String message) {
        if (report) diags.error(span, message);
    }

}
