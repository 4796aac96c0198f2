package dev.fleettrace.compiler.codegen;

import dev.fleettrace.bpf.MapType;
import dev.fleettrace.compiler.CompileOptions;
import dev.fleettrace.compiler.ast.Block;
import dev.fleettrace.compiler.ast.Expr;
import dev.fleettrace.compiler.ast.Stmt;
import dev.fleettrace.compiler.diag.CompileException;
import dev.fleettrace.compiler.diag.Diagnostics;
import dev.fleettrace.compiler.diag.Span;
import dev.fleettrace.compiler.sema.MapInfo;
import dev.fleettrace.compiler.sema.Type;
import dev.fleettrace.compiler.sema.TypedProgram;
import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.EventArg;
import dev.fleettrace.plan.EventSpec;
import dev.fleettrace.plan.FieldKind;
import dev.fleettrace.plan.KernelMap;
import dev.fleettrace.plan.KeyField;
import dev.fleettrace.plan.MapBinding;
import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.plan.ProgramPlan;
import dev.fleettrace.plan.Symbolic;
import dev.fleettrace.plan.TupleLayout;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Decides the kernel resources a program needs: one kernel map per bpftrace map that kernel probes
 * use (per-CPU for aggregations), its key and value layout, the ring buffer, and an id and a record
 * layout for every event a probe emits.
 */
public final class ResourceAnalyser {
    private ResourceAnalyser() {}

    /** One bpftrace map in the kernel. */
    public record MapResource(MapInfo info, int kernelIndex, MapType type, List<KeyField> keyFields, int keySize, int bucketOffset, int valueSize) {
        /** A per-CPU array of one entry: no key, no hashing, no insertion path. */
        public boolean array() {
            return type == MapType.PERCPU_ARRAY;
        }
    }

    /**
     * @param epochMap index of the one-entry array holding the flush window's epoch, or -1 when no map
     *                 is a min or max (see {@link dev.fleettrace.plan.MapBinding})
     * @param stackMaps the stack trace map of each stack kind and limit ({@link #stackKey}), by plan index
     * @param lostMap  index of the per-CPU counter of records the ring buffer could not take, or -1 without events
     */
    public record Resources(List<KernelMap> kernelMaps, Map<String, MapResource> maps, int ringbuf, List<EventSpec> events,
                            IdentityHashMap<Expr.Call, EventSpec> eventOf, int epochMap, Map<String, Integer> stackMaps, int lostMap) {

        public List<MapBinding> bindings() {
            List<MapBinding> out = new ArrayList<>();
            for (MapResource r : maps.values()) {
                Symbolic value = r.info().kind() == AggKind.VALUE && r.info().value() instanceof Type.Symbolized s ? ResourceAnalyser.symbolic(s, stackMaps) : null;
                TupleLayout tuple = r.info().kind() == AggKind.VALUE && r.info().value() instanceof Type.Tuple t ? tupleLayout(t, stackMaps) : null;
                out.add(new MapBinding(schema(r.info()), r.kernelIndex(), r.keyFields(), r.bucketOffset(), value, tuple));
            }
            return out;
        }

        /** The plan's description of a stack or symbol value, with its stack map. */
        public Symbolic symbolic(Type.Symbolized s) {
            return ResourceAnalyser.symbolic(s, stackMaps);
        }
    }

    /** Stack maps are shared by every stack of one kind (kernel or user) and limit, as in bpftrace. */
    static String stackKey(Type.Symbolized s) {
        return (s.kind().user() ? "u" : "k") + s.limit();
    }

    static Symbolic symbolic(Type.Symbolized s, Map<String, Integer> stackMaps) {
        return s.symbolic(s.kind().stack() ? stackMaps.get(stackKey(s)) : -1);
    }

    public static Resources analyse(TypedProgram prog, CompileOptions options) throws CompileException {
        Diagnostics diags = new Diagnostics(prog.source());
        // Maps the kernel touches, in first-use order.
        Set<String> kernelMaps = new LinkedHashSet<>();
        List<Expr.Call> eventCalls = new ArrayList<>();
        Set<Expr.Call> fromBegin = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (TypedProgram.ProbeInfo p : prog.probes()) {
            if (!p.kernel()) continue;
            boolean begin = p.targets().stream().anyMatch(t -> t instanceof dev.fleettrace.compiler.sema.ProbeTarget.Begin);
            Consumer<Expr> onExpr = e -> {
                if (e instanceof Expr.MapRef m) kernelMaps.add(m.name());
                if (e instanceof Expr.Call c && (emitsEvent(c) || ActionEvents.deleteIsEvent(prog, c))) {
                    eventCalls.add(c);
                    if (begin) fromBegin.add(c);
                }
            };
            p.probe().predicate().ifPresent(e -> walk(e, onExpr));
            walk(p.probe().body(), onExpr);
        }

        List<KernelMap> kmaps = new ArrayList<>();
        // Stack trace maps first (a program without stacks keeps its map numbering); value: the frames.
        Map<String, Integer> stackMaps = new LinkedHashMap<>();
        for (TypedProgram.ProbeInfo p : prog.probes()) {
            if (!p.kernel()) continue;
            Consumer<Expr> onStack = e -> {
                if (!(e instanceof Expr.Builtin || e instanceof Expr.Call)) return;
                if (!(prog.types().get(e) instanceof Type.Symbolized s) || !s.kind().stack()) return;
                stackMaps.computeIfAbsent(stackKey(s), k -> {
                    int index = kmaps.size();
                    kmaps.add(new KernelMap(index, kernelName(index, "stk_" + k), MapType.STACK_TRACE, 4, 8 * Math.max(1, s.limit()), options.mapMaxEntries(), 0));
                    return index;
                });
            };
            p.probe().predicate().ifPresent(e -> walk(e, onStack));
            walk(p.probe().body(), onStack);
        }
        Map<String, MapResource> resources = new LinkedHashMap<>();
        for (String name : kernelMaps) {
            MapInfo info = prog.map(name);
            if (info == null) continue;
            List<KeyField> fields = new ArrayList<>();
            int off = 0;
            for (Type t : info.keyTypes()) {
                int size = align8(t.size());
                if (t instanceof Type.Symbolized sym) fields.add(new KeyField(fieldKind(t), off, sym.size(), symbolic(sym, stackMaps)));
                else fields.add(new KeyField(fieldKind(t), off, t instanceof Type.Str ? t.size() : 8));
                off += size;
            }
            int bucketOffset = -1;
            if (info.kind().histogram()) {
                bucketOffset = off;
                off += 8;
            }
            int valueSize = switch (info.kind()) {
                case COUNT, SUM, HIST, LHIST -> 8;
                case AVG, STATS -> 16;
                // [value, tag] for even epochs, then for odd ones: the agent reads one while probes write the other.
                case MIN, MAX -> 32;
                case VALUE -> align8(info.value().size());
            };
            // Counters, averages and extremes without a key live in a per-CPU array: the verifier inlines
            // the lookup, and an untouched slot reads as zero, which is "absent" for these kinds.
            boolean array = info.scalar() && !info.kind().histogram() && info.kind() != AggKind.SUM && info.kind() != AggKind.VALUE;
            MapType type = array ? MapType.PERCPU_ARRAY : info.kind() == AggKind.VALUE ? MapType.HASH : MapType.PERCPU_HASH;
            int keySize = array ? 4 : Math.max(off, 8);
            int index = kmaps.size();
            kmaps.add(new KernelMap(index, kernelName(index, name), type, keySize, valueSize, array ? 1 : options.mapMaxEntries(), 0));
            resources.put(name, new MapResource(info, index, type, fields, keySize, bucketOffset, valueSize));
        }

        int epochMap = -1;
        if (resources.values().stream().anyMatch(r -> r.info().kind() == AggKind.MIN || r.info().kind() == AggKind.MAX)) {
            epochMap = kmaps.size();
            kmaps.add(new KernelMap(epochMap, "ft_epoch", MapType.ARRAY, 4, 8, 1, 0));
        }

        int ringbuf = -1, lostMap = -1;
        List<EventSpec> events = new ArrayList<>();
        IdentityHashMap<Expr.Call, EventSpec> eventOf = new IdentityHashMap<>();
        if (!eventCalls.isEmpty()) {
            ringbuf = kmaps.size();
            kmaps.add(new KernelMap(ringbuf, "ft_events", MapType.RINGBUF, 0, 0, options.ringbufBytes(), 0));
            // What the ring buffer could not take, counted per CPU (see ProgramPlan#lostMap).
            lostMap = kmaps.size();
            kmaps.add(new KernelMap(lostMap, ProgramPlan.LOST_MAP, MapType.PERCPU_ARRAY, 4, 8, 1, 0));
            for (Expr.Call c : eventCalls) {
                int id = events.size();
                EventSpec spec = switch (c.name()) {
                    case "printf" -> {
                        List<EventArg> args = new ArrayList<>();
                        int o = 8;
                        for (Expr a : c.args().subList(1, c.args().size())) {
                            Type t = prog.typeOf(a);
                            int size = t instanceof Type.Str s ? s.size() : t instanceof Type.Symbolized sym ? sym.size() : 8;
                            if (t instanceof Type.Symbolized sym) args.add(new EventArg(fieldKind(t), o, size, symbolic(sym, stackMaps)));
                            else args.add(new EventArg(t instanceof Type.Str ? FieldKind.STRING : signed(t) ? FieldKind.INT : FieldKind.UINT, o, size));
                            o += align8(size);
                        }
                        yield new EventSpec.Printf(id, o, ((Expr.StrLit) c.args().getFirst()).value(), args, fromBegin.contains(c));
                    }
                    case "exit" -> new EventSpec.Exit(id, 8, fromBegin.contains(c));
                    case "delete" -> ActionEvents.deleteSpec(resources.get(((Expr.MapRef) c.args().getFirst()).name()), c, id, fromBegin.contains(c));
                    default -> {
                        try {
                            yield ActionEvents.spec(prog, c, id, fromBegin.contains(c), stackMaps);
                        } catch (ProbeCodegen.Unsupported u) {
                            diags.error(u.span, u.getMessage());
                            yield new EventSpec.Exit(id, 8, false);
                        }
                    }
                };
                events.add(spec);
                eventOf.put(c, spec);
            }
        }
        for (var ev : events) {
            if (ev.size() > 400 && !(ev instanceof EventSpec.Join)) diags.error(Span.NONE, "an event record of " + ev.size() + " bytes does not fit the BPF stack");
        }
        diags.throwIfErrors();
        return new Resources(kmaps, resources, ringbuf, events, eventOf, epochMap, stackMaps, lostMap);
    }

    /** Calls whose effect is a record in the ring buffer, for the agent to forward. */
    static boolean emitsEvent(Expr.Call c) {
        return c.name().equals("printf") || c.name().equals("exit") || ActionEvents.emitsEvent(c);
    }

    public static MapSchema schema(MapInfo info) {
        List<FieldKind> key = info.keyTypes().stream().map(ResourceAnalyser::fieldKind).toList();
        FieldKind value = switch (info.value()) {
            case Type.Agg a -> a.signed() ? FieldKind.INT : FieldKind.UINT;
            case Type.Str s -> FieldKind.STRING;
            case Type.Int i -> i.signed() ? FieldKind.INT : FieldKind.UINT;
            case Type.Symbolized s -> s.kind().stack() ? FieldKind.STACK : FieldKind.STRING;
            case Type.Tuple t -> FieldKind.TUPLE;
            default -> FieldKind.INT;
        };
        return new MapSchema("@" + info.name(), info.kind(), key, value, info.lhistMin(), info.lhistMax(), info.lhistStep());
    }

    /** The kernel layout of a tuple value, for the agent to read it (see {@link TupleLayout}). */
    static TupleLayout tupleLayout(Type.Tuple t, Map<String, Integer> stackMaps) {
        List<TupleLayout.Element> els = new ArrayList<>();
        for (int i = 0; i < t.elements().size(); i++) {
            Type e = t.elements().get(i);
            int off = t.offset(i);
            els.add(switch (e) {
                case Type.Tuple n -> new TupleLayout.Element(FieldKind.TUPLE, off, n.size(), tupleLayout(n, stackMaps), null);
                case Type.Symbolized sym -> new TupleLayout.Element(FieldKind.STRING, off, sym.size(), null, symbolic(sym, stackMaps));
                case Type.Str str -> new TupleLayout.Element(FieldKind.STRING, off, str.size(), null, null);
                // A pointer in a tuple prints as a signed integer, as in bpftrace.
                default -> new TupleLayout.Element(signed(e) || e instanceof Type.Pointer ? FieldKind.INT : FieldKind.UINT, off, 8, null, null);
            });
        }
        return new TupleLayout(els);
    }

    static FieldKind fieldKind(Type t) {
        return switch (t) {
            case Type.Str s -> FieldKind.STRING;
            case Type.Int i -> i.signed() ? FieldKind.INT : FieldKind.UINT;
            case Type.Symbolized s -> s.kind().stack() ? FieldKind.STACK : FieldKind.STRING;
            case Type.Pointer p -> FieldKind.POINTER;
            default -> FieldKind.UINT;
        };
    }

    private static boolean signed(Type t) {
        return t instanceof Type.Int i && i.signed();
    }

    static int align8(int n) {
        return (n + 7) & ~7;
    }

    /** Kernel object names: at most 15 characters of [A-Za-z0-9_.]. */
    static String kernelName(int index, String mapName) {
        String n = "m" + index + "_" + (mapName.isEmpty() ? "at" : mapName.replaceAll("[^A-Za-z0-9_.]", "_"));
        return n.length() > 15 ? n.substring(0, 15) : n;
    }

    // ---- a small tree walk: every expression under a node

    static void walk(Block b, Consumer<Expr> f) {
        for (Stmt s : b.stmts()) walk(s, f);
    }

    static void walk(Stmt s, Consumer<Expr> f) {
        switch (s) {
            case Stmt.ExprStmt es -> walk(es.expr(), f);
            case Stmt.AssignMap am -> {
                walk(am.map(), f);
                walk(am.value(), f);
            }
            case Stmt.AssignVar av -> walk(av.value(), f);
            case Stmt.If i -> {
                walk(i.cond(), f);
                walk(i.then(), f);
                i.otherwise().ifPresent(o -> walk(o, f));
            }
            case Stmt.Unroll u -> walk(u.body(), f);
            case Stmt.While w -> {
                walk(w.cond(), f);
                walk(w.body(), f);
            }
            case Stmt.Jump j -> {}
            case Stmt.Nested n -> walk(n.block(), f);
        }
    }

    static void walk(Expr e, Consumer<Expr> f) {
        f.accept(e);
        switch (e) {
            case Expr.MapRef m -> m.keys().forEach(k -> walk(k, f));
            case Expr.Call c -> c.args().forEach(a -> walk(a, f));
            case Expr.Binary b -> {
                walk(b.left(), f);
                walk(b.right(), f);
            }
            case Expr.Unary u -> walk(u.operand(), f);
            case Expr.IncDec i -> walk(i.target(), f);
            case Expr.Ternary t -> {
                walk(t.cond(), f);
                walk(t.then(), f);
                walk(t.otherwise(), f);
            }
            case Expr.Field fl -> walk(fl.target(), f);
            case Expr.Index ix -> {
                walk(ix.target(), f);
                walk(ix.index(), f);
            }
            case Expr.Cast c -> walk(c.operand(), f);
            case Expr.Tuple t -> t.elements().forEach(x -> walk(x, f));
            case Expr.Sizeof s -> s.operand().ifPresent(o -> walk(o, f));
            case Expr.IntLit i -> {}
            case Expr.StrLit s -> {}
            case Expr.Builtin b -> {}
            case Expr.Positional p -> {}
            case Expr.ParamCount p -> {}
            case Expr.Var v -> {}
            case Expr.Offsetof o -> {}
        }
    }
}
