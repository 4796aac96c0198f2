package dev.fleettrace.coordinator.interp;

import dev.fleettrace.compiler.ast.BinOp;
import dev.fleettrace.compiler.ast.Block;
import dev.fleettrace.compiler.ast.Expr;
import dev.fleettrace.compiler.ast.Stmt;
import dev.fleettrace.compiler.diag.Span;
import dev.fleettrace.compiler.sema.Arithmetic;
import dev.fleettrace.compiler.sema.MapInfo;
import dev.fleettrace.compiler.sema.SemanticAnalyser;
import dev.fleettrace.compiler.sema.Type;
import dev.fleettrace.compiler.sema.TypedProgram;
import dev.fleettrace.coordinator.merge.AggregateMap;
import dev.fleettrace.coordinator.merge.Buckets;
import dev.fleettrace.coordinator.merge.FleetState;
import dev.fleettrace.coordinator.merge.MapState;
import dev.fleettrace.coordinator.merge.ValueMap;
import dev.fleettrace.coordinator.output.HostRule;
import dev.fleettrace.coordinator.output.MapViews;
import dev.fleettrace.coordinator.output.Output;
import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.CanonicalKey;
import dev.fleettrace.plan.PrintfFormat;
import dev.fleettrace.schemas.DeltaBatch;
import dev.fleettrace.schemas.DeltaEntry;
import dev.fleettrace.schemas.MapDelta;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs an END or interval block once for the fleet. Integers follow the kernel's rules (64-bit,
 * unsigned division, x / 0 = 0), so a block computes what it would in a probe; maps are the merged
 * state. Writes to maps go through the same merge as agents' deltas, under the coordinator's own
 * host name {@link #HOST}.
 */
public final class Interpreter {

    /** The host name the coordinator's own writes to host-local maps are kept under. */
    public static final String HOST = "";

    /** What running a block printed, and whether it called exit(). */
    public record Outcome(List<Output> output, boolean exit) {}

    /** A runtime error in a block: a span and a message, like a compile error. */
    public static final class BlockError extends RuntimeException {
        public final Span span;

        BlockError(Span span, String message) {
            super(message, null, false, false);
            this.span = span;
        }
    }

    private static final long LOOP_LIMIT = 1_000_000;

    private final TypedProgram prog;
    private final FleetState state;
    private final HostRule hostRule;
    private final long startNanos;
    private final List<Output> out = new ArrayList<>();
    private final Map<String, Object> vars = new HashMap<>();
    private String probeName = "";

    private static final class Exit extends RuntimeException {
        Exit() {
            super(null, null, false, false);
        }
    }

    private static final class Return extends RuntimeException {
        Return() {
            super(null, null, false, false);
        }
    }

    private static final class Break extends RuntimeException {
        final boolean isContinue;

        Break(boolean isContinue) {
            super(null, null, false, false);
            this.isContinue = isContinue;
        }
    }

    /**
     * @param startNanos the job's start on the monotonic clock, for {@code elapsed}
     */
    public Interpreter(TypedProgram prog, FleetState state, HostRule hostRule, long startNanos) {
        this.prog = prog;
        this.state = state;
        this.hostRule = hostRule;
        this.startNanos = startNanos;
    }

    /** Runs one probe's predicate and body; output accumulates across runs until {@link #take()}. */
    public boolean run(TypedProgram.ProbeInfo probe, String probeName) {
        this.probeName = probeName;
        vars.clear();
        try {
            if (probe.probe().predicate().isPresent() && !truth(eval(probe.probe().predicate().get()))) return false;
            block(probe.probe().body());
        } catch (Return r) {
            // return ends the block
        } catch (Exit e) {
            return true;
        }
        return false;
    }

    /** Runs a probe and returns what it printed. */
    public Outcome runOnce(TypedProgram.ProbeInfo probe, String probeName) {
        boolean exit = run(probe, probeName);
        return new Outcome(take(), exit);
    }

    /** The output accumulated so far, cleared. */
    public List<Output> take() {
        List<Output> s = List.copyOf(out);
        out.clear();
        return s;
    }

    // ---- statements

    private void block(Block b) {
        for (Stmt s : b.stmts()) stmt(s);
    }

    private void stmt(Stmt s) {
        switch (s) {
            case Stmt.ExprStmt(Expr e, Span span) -> effect(e);
            case Stmt.AssignMap(Expr.MapRef m, Expr value, Span span) -> assignMap(m, value);
            case Stmt.AssignVar(Expr.Var v, Expr value, Span span) -> vars.put(v.name(), eval(value));
            case Stmt.If(Expr cond, Block then, java.util.Optional<Stmt> otherwise, Span span) -> {
                if (truth(eval(cond))) block(then);
                else otherwise.ifPresent(this::stmt);
            }
            case Stmt.Unroll(Expr count, Block body, Span span) -> {
                long n = (Long) eval(count);
                for (long i = 0; i < n; i++) block(body);
            }
            case Stmt.While(Expr cond, Block body, Span span) -> {
                long iterations = 0;
                while (truth(eval(cond))) {
                    if (++iterations > LOOP_LIMIT) throw new BlockError(span, "while loop ran more than " + LOOP_LIMIT + " times");
                    try {
                        block(body);
                    } catch (Break b) {
                        if (!b.isContinue) break;
                    }
                }
            }
            case Stmt.Jump(Stmt.JumpKind kind, Span span) -> {
                switch (kind) {
                    case RETURN -> throw new Return();
                    case BREAK -> throw new Break(false);
                    case CONTINUE -> throw new Break(true);
                }
            }
            case Stmt.Nested(Block b, Span span) -> block(b);
        }
    }

    private void effect(Expr e) {
        if (!(e instanceof Expr.Call c)) {
            eval(e);
            return;
        }
        List<Expr> args = c.args();
        switch (c.name()) {
            case "printf" -> out.add(new Output.Printf(format(c)));
            case "print" -> {
                if (args.getFirst() instanceof Expr.MapRef m && m.keys().isEmpty()) {
                    long top = args.size() > 1 ? (Long) eval(args.get(1)) : 0;
                    long div = args.size() > 2 ? (Long) eval(args.get(2)) : 0;
                    out.add(new Output.Print(MapViews.of(state.map(m.displayName()), hostRule), top, div));
                } else {
                    out.add(new Output.Value(eval(args.getFirst())));
                }
            }
            case "clear" -> state.clear(((Expr.MapRef) args.getFirst()).displayName());
            case "zero" -> state.zero(((Expr.MapRef) args.getFirst()).displayName());
            case "delete" -> {
                Expr.MapRef m = (Expr.MapRef) args.getFirst();
                state.delete(m.displayName(), key(m));
            }
            case "exit" -> throw new Exit();
            case "time" -> {
                String fmt = args.isEmpty() ? "%H:%M:%S\n" : ((Expr.StrLit) args.getFirst()).value();
                out.add(new Output.Time(dev.fleettrace.plan.Strftime.format(fmt, ZonedDateTime.now())));
            }
            default -> eval(e);
        }
    }

    private String format(Expr.Call c) {
        String fmt = ((Expr.StrLit) c.args().getFirst()).value();
        List<Object> args = new ArrayList<>();
        for (Expr a : c.args().subList(1, c.args().size())) args.add(eval(a));
        return PrintfFormat.parse(fmt).apply(args);
    }

    // ---- maps

    private byte[] key(Expr.MapRef m) {
        List<Expr> parts = m.keys();
        if (parts.size() == 1 && parts.getFirst() instanceof Expr.Tuple t) parts = t.elements();
        List<Object> values = new ArrayList<>();
        for (Expr k : parts) {
            Object v = eval(k);
            if (v instanceof List<?> tuple) values.addAll(tuple);
            else values.add(v);
        }
        return CanonicalKey.of(values.toArray());
    }

    private void assignMap(Expr.MapRef m, Expr value) {
        MapInfo info = prog.map(m.name());
        byte[] key = key(m);
        DeltaEntry.Builder entry = DeltaEntry.newBuilder().setKey(ByteBuffer.wrap(key)).setValues(List.of());
        if (info.kind() == AggKind.VALUE) {
            Object v = eval(value);
            if (v instanceof byte[] b) entry.setBytesValue(ByteBuffer.wrap(b));
            else entry.setValues(List.of((Long) v));
        } else {
            Expr.Call call = (Expr.Call) value;
            long x = call.args().isEmpty() ? 0 : (Long) eval(call.args().getFirst());
            entry.setValues(switch (info.kind()) {
                case COUNT -> List.of(1L);
                case SUM, MIN, MAX -> List.of(x);
                case AVG, STATS -> List.of(1L, x);
                case HIST -> List.of((long) Buckets.log2Index(x), 1L);
                case LHIST -> List.of((long) Buckets.lhistIndex(x, info.lhistMin(), info.lhistMax(), info.lhistStep()), 1L);
                case VALUE -> throw new IllegalStateException();
            });
        }
        writeFleet(m, info.kind() == AggKind.VALUE, entry.build());
    }

    /**
     * Applies the coordinator's own write. A plain value written here is the fleet's value of that key:
     * it replaces what each host held for it, so the key has one value again.
     */
    private void writeFleet(Expr.MapRef m, boolean value, DeltaEntry entry) {
        if (value) {
            byte[] key = new byte[entry.getKey().remaining()];
            entry.getKey().duplicate().get(key);
            state.delete(m.displayName(), key);
        }
        MapDelta d = MapDelta.newBuilder().setMap(m.displayName()).setEntries(List.of(entry)).build();
        state.apply(HOST, DeltaBatch.newBuilder().setWindow(0).setLast(false).setMaps(List.of(d)).build());
    }

    private Object readMap(Expr.MapRef m) {
        MapState ms = state.map(m.displayName());
        byte[] key = key(m);
        return switch (ms) {
            case AggregateMap a -> a.read(key);
            case ValueMap v -> {
                // Host-local values: the coordinator's own first; else the hosts' value when they agree.
                ValueMap.Entry own = v.get(HOST, key);
                List<ValueMap.Entry> held = v.entries().stream().filter(e -> Arrays.equals(e.key(), key)).toList();
                ValueMap.Entry e = own != null ? own : held.isEmpty() ? null : held.getFirst();
                if (own == null && held.stream().anyMatch(h -> h.value() != held.getFirst().value() || !Arrays.equals(h.text(), held.getFirst().text())))
                    throw new BlockError(m.span(), m.displayName() + " holds different values on " + held.size() + " hosts ("
                            + String.join(", ", held.stream().map(ValueMap.Entry::host).sorted().toList()) + "); it has no single fleet-wide value");
                boolean text = prog.map(m.name()).value() instanceof Type.Str;
                if (prog.map(m.name()).value() instanceof Type.Tuple) {
                    if (e == null || e.text() == null) throw new BlockError(m.span(), m.displayName() + " has no value for this key");
                    yield dev.fleettrace.coordinator.output.Tuples.objects(e.text());
                }
                if (e == null) yield text ? new byte[0] : (Object) 0L;
                yield text ? e.text() : (Object) e.value();
            }
        };
    }

    // ---- expressions

    private Object eval(Expr e) {
        return switch (e) {
            case Expr.IntLit i -> i.value();
            case Expr.StrLit s -> s.value().getBytes(StandardCharsets.ISO_8859_1);
            case Expr.Positional p -> {
                String v = p.index() <= prog.params().size() ? prog.params().get(p.index() - 1) : "";
                // str($N) typed it as its text; elsewhere it is a number, 0 when not given.
                if (prog.typeOf(p) instanceof Type.Str) yield v.getBytes(StandardCharsets.ISO_8859_1);
                yield SemanticAnalyser.isNumber(v) ? (Object) SemanticAnalyser.parseNumber(v) : (Object) 0L;
            }
            case Expr.ParamCount pc -> (long) prog.params().size();
            case Expr.Builtin b -> builtin(b);
            case Expr.MapRef m -> readMap(m);
            case Expr.Var v -> {
                Object val = vars.get(v.name());
                if (val == null) yield prog.typeOf(v) instanceof Type.Str ? new byte[0] : (Object) 0L;
                yield val;
            }
            case Expr.Call c -> call(c);
            case Expr.Binary b -> binary(b);
            case Expr.Unary u -> switch (u.op()) {
                case NEG -> -(Long) eval(u.operand());
                case BNOT -> ~(Long) eval(u.operand());
                case LNOT -> truth(eval(u.operand())) ? 0L : 1L;
                case DEREF, ADDR -> throw new BlockError(u.span(), "END and interval blocks run outside the kernel: they cannot read memory");
            };
            case Expr.IncDec id -> incDec(id);
            case Expr.Ternary t -> truth(eval(t.cond())) ? eval(t.then()) : eval(t.otherwise());
            case Expr.Field f -> {
                Object v = eval(f.target());
                if (v instanceof List<?> tuple) yield tuple.get(Integer.parseInt(f.field()));
                throw new BlockError(f.span(), "field access is not available in END and interval blocks");
            }
            case Expr.Index ix -> throw new BlockError(ix.span(), "indexing is not available in END and interval blocks");
            case Expr.Cast c -> {
                long v = (Long) eval(c.operand());
                Type.Int t = (Type.Int) prog.typeOf(c);
                int shift = 64 - t.bits();
                yield t.signed() ? (v << shift) >> shift : (v << shift) >>> shift;
            }
            case Expr.Tuple t -> {
                List<Object> l = new ArrayList<>();
                for (Expr x : t.elements()) l.add(eval(x));
                yield l;
            }
            case Expr.Sizeof s -> s.operand().isPresent() ? (long) prog.typeOf(s.operand().get()).size() : 8L;
            case Expr.Offsetof o -> throw new BlockError(o.span(), "offsetof() is not available in END and interval blocks");
        };
    }

    private Object builtin(Expr.Builtin b) {
        return switch (b.name()) {
            case "nsecs" -> System.nanoTime();
            case "elapsed" -> System.nanoTime() - startNanos;
            case "pid", "tid" -> ProcessHandle.current().pid();
            case "cpu", "numaid", "cgroup", "retval", "curtask", "jiffies", "cpid" -> 0L;
            case "uid", "gid" -> 0L;
            case "rand" -> (long) java.util.concurrent.ThreadLocalRandom.current().nextInt() & 0xffffffffL;
            case "comm" -> "fleettrace".getBytes(StandardCharsets.ISO_8859_1);
            case "probe" -> probeName.getBytes(StandardCharsets.ISO_8859_1);
            case "host", "username", "func" -> new byte[0];
            default -> throw new BlockError(b.span(), "the " + b.name() + " builtin is not available in END and interval blocks");
        };
    }

    private Object call(Expr.Call c) {
        return switch (c.name()) {
            case "str" -> {
                Object v = eval(c.args().getFirst());
                if (!(v instanceof byte[] s)) throw new BlockError(c.span(), "str() of an address reads memory, which END and interval blocks cannot");
                int n = ((Type.Str) prog.typeOf(c)).size() - 1;
                yield s.length > n ? Arrays.copyOf(s, n) : s;
            }
            default -> {
                effect(c);
                yield 0L;
            }
        };
    }

    private Object binary(Expr.Binary b) {
        if (b.op() == BinOp.LAND) return truth(eval(b.left())) && truth(eval(b.right())) ? 1L : 0L;
        if (b.op() == BinOp.LOR) return truth(eval(b.left())) || truth(eval(b.right())) ? 1L : 0L;
        Object l = eval(b.left());
        Object r = eval(b.right());
        if (l instanceof byte[] ls && r instanceof byte[] rs) {
            boolean eq = Arrays.equals(cstr(ls), cstr(rs));
            return (b.op() == BinOp.EQ) == eq ? 1L : 0L;
        }
        boolean signed = prog.typeOf(b.left()) instanceof Type.Int li && li.signed() && prog.typeOf(b.right()) instanceof Type.Int ri && ri.signed();
        return Arithmetic.apply(b.op(), (Long) l, (Long) r, signed);
    }

    private Object incDec(Expr.IncDec id) {
        long delta = id.increment() ? 1 : -1;
        switch (id.target()) {
            case Expr.Var v -> {
                long old = (Long) vars.getOrDefault(v.name(), 0L);
                vars.put(v.name(), old + delta);
                return id.prefix() ? old + delta : old;
            }
            case Expr.MapRef m -> {
                long old = (Long) readMap(m);
                writeFleet(m, true, DeltaEntry.newBuilder().setKey(ByteBuffer.wrap(key(m))).setValues(List.of(old + delta)).build());
                return id.prefix() ? old + delta : old;
            }
            default -> throw new BlockError(id.span(), "++/-- needs a map or a variable");
        }
    }

    private static boolean truth(Object v) {
        return switch (v) {
            case Long l -> l != 0;
            case byte[] b -> b.length > 0;
            default -> true;
        };
    }

    private static byte[] cstr(byte[] s) {
        for (int i = 0; i < s.length; i++) if (s[i] == 0) return Arrays.copyOf(s, i);
        return s;
    }
}
