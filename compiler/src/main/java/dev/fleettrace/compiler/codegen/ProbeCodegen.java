package dev.fleettrace.compiler.codegen;

import dev.fleettrace.bpf.AluOp;
import dev.fleettrace.bpf.Assembler;
import dev.fleettrace.bpf.Helper;
import dev.fleettrace.bpf.Insn;
import dev.fleettrace.bpf.JmpOp;
import dev.fleettrace.bpf.Label;
import dev.fleettrace.bpf.Reg;
import dev.fleettrace.bpf.Size;
import dev.fleettrace.bpf.Src;
import dev.fleettrace.compiler.CompileOptions;
import dev.fleettrace.compiler.ast.BinOp;
import dev.fleettrace.compiler.ast.Block;
import dev.fleettrace.compiler.ast.Expr;
import dev.fleettrace.compiler.ast.Stmt;
import dev.fleettrace.compiler.diag.Span;
import dev.fleettrace.compiler.sema.Arithmetic;
import dev.fleettrace.compiler.sema.ProbeTarget;
import dev.fleettrace.compiler.sema.SemanticAnalyser;
import dev.fleettrace.compiler.sema.TracepointTypes;
import dev.fleettrace.compiler.sema.Type;
import dev.fleettrace.compiler.sema.TypedProgram;
import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.EventArg;
import dev.fleettrace.plan.EventSpec;
import dev.fleettrace.plan.FieldKind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Generates one program: a probe's predicate and body for one attach point. Integer values live in
 * {@link Val}s that survive helper calls; strings, keys and event records are written straight into
 * the stack buffer that needs them, so nothing is copied twice.
 */
final class ProbeCodegen {

    /** A construct the code generator cannot emit, reported at its span. */
    static final class Unsupported extends RuntimeException {
        final Span span;

        Unsupported(Span span, String message) {
            super(message, null, false, false);
            this.span = span;
        }
    }

    private static final int BPF_ANY = 0;

    final TypedProgram prog;
    final ResourceAnalyser.Resources res;
    private final TypedProgram.ProbeInfo info;
    private final ProbeTarget target;
    private final CompileOptions opts;
    final Assembler a = new Assembler();
    final Frame frame;
    private final ContextAccess ctx;
    private final Symbols symbols = new Symbols(this);
    private final StructAccess structs = new StructAccess(this);
    private final boolean usesCtx;
    private final Map<String, Integer> vars = new HashMap<>();
    private final Deque<Label[]> loops = new ArrayDeque<>();
    private Label exit;
    /** Stack slot of the flush window's epoch, read once per run so that one event's min and max land in one window; 0 when unused. */
    private int epochSlot;

    ProbeCodegen(TypedProgram prog, ResourceAnalyser.Resources res, TypedProgram.ProbeInfo info, ProbeTarget target, CompileOptions opts) {
        this.prog = prog;
        this.res = res;
        this.info = info;
        this.target = target;
        this.opts = opts;
        boolean[] ctx = {false};
        info.probe().predicate().ifPresent(e -> ResourceAnalyser.walk(e, x -> ctx[0] |= usesCtx(x)));
        ResourceAnalyser.walk(info.probe().body(), x -> ctx[0] |= usesCtx(x));
        this.usesCtx = ctx[0];
        this.frame = new Frame(usesCtx);
        this.ctx = new ContextAccess(this, target);
    }

    private static boolean usesCtx(Expr e) {
        return ContextAccess.usesContext(e) || e instanceof Expr.Call c && c.name().equals("override");
    }

    /** The stack slot of scratch variable {@code $name}. */
    int varSlot(String name) {
        return vars.get(name);
    }

    List<Insn> generate() {
        if (usesCtx) a.mov(Reg.R6, Reg.R1);
        // Scratch variables get their slots up front, zeroed, so a read on a path that skipped the
        // assignment sees 0 rather than stack garbage.
        for (var v : info.vars().entrySet()) {
            int size = ResourceAnalyser.align8(v.getValue().size());
            int off = frame.alloc(size);
            vars.put(v.getKey(), off);
            zero(off, size);
        }
        if (res.epochMap() >= 0 && usesExtremes(info.probe().body())) epochSlot = frame.alloc(8);
        exit = a.newLabel("exit");
        info.probe().predicate().ifPresent(p -> {
            int mark = frame.mark();
            branch(p, exit, false);
            frame.release(mark);
        });
        if (epochSlot != 0) {
            int mark = frame.mark();
            readEpoch(epochSlot);
            frame.release(mark);
        }
        block(info.probe().body());
        a.bind(exit).ret(0);
        if (frame.maxDepth() > Frame.LIMIT)
            throw new Unsupported(info.probe().span(), "this probe needs " + frame.maxDepth() + " bytes of BPF stack; the kernel allows " + Frame.LIMIT);
        return a.build();
    }

    // ---- statements

    private void block(Block b) {
        for (Stmt s : b.stmts()) stmt(s);
    }

    private void stmt(Stmt s) {
        int mark = frame.mark();
        switch (s) {
            case Stmt.ExprStmt(Expr e, Span span) -> effect(e);
            case Stmt.AssignMap(Expr.MapRef map, Expr value, Span span) -> assignMap(map, value);
            case Stmt.AssignVar(Expr.Var var, Expr value, Span span) -> {
                int slot = vars.get(var.name());
                Type t = info.vars().get(var.name());
                if (t instanceof Type.Str) {
                    strInto(value, slot, ResourceAnalyser.align8(t.size()));
                } else if (t instanceof Type.Symbolized) {
                    symbols.into(value, slot);
                } else if (t instanceof Type.Tuple tt) {
                    tupleInto(value, slot, tt);
                } else if (t instanceof Type.Int || t instanceof Type.Pointer) {
                    Val v = intExpr(value);
                    a.store(Size.DW, Reg.R10, slot, load(v, Reg.R0));
                    release(v);
                } else {
                    throw new Unsupported(span, "variables of type " + t + " are not supported yet");
                }
            }
            case Stmt.If(Expr cond, Block then, java.util.Optional<Stmt> otherwise, Span span) -> {
                Label elseL = a.newLabel("else");
                branch(cond, elseL, false);
                frame.release(mark);
                block(then);
                if (otherwise.isPresent()) {
                    Label end = a.newLabel("endif");
                    a.jumpTo(end);
                    a.bind(elseL);
                    stmt(otherwise.get());
                    a.bind(end);
                } else {
                    a.bind(elseL);
                }
            }
            case Stmt.Unroll(Expr count, Block body, Span span) -> {
                long n = ((Expr.IntLit) literalOf(count)).value();
                for (long i = 0; i < n; i++) block(body);
            }
            case Stmt.While(Expr cond, Block body, Span span) -> {
                Label top = a.newLabel("while");
                Label end = a.newLabel("endwhile");
                a.bind(top);
                branch(cond, end, false);
                frame.release(mark);
                loops.push(new Label[] {top, end});
                block(body);
                loops.pop();
                a.jumpTo(top);
                a.bind(end);
            }
            case Stmt.Jump(Stmt.JumpKind kind, Span span) -> {
                switch (kind) {
                    case RETURN -> a.jumpTo(exit);
                    case BREAK -> a.jumpTo(loops.peek()[1]);
                    case CONTINUE -> a.jumpTo(loops.peek()[0]);
                }
            }
            case Stmt.Nested(Block b, Span span) -> block(b);
        }
        frame.release(mark);
    }

    private Expr literalOf(Expr e) {
        if (e instanceof Expr.IntLit) return e;
        if (e instanceof Expr.Positional p) return new Expr.IntLit(SemanticAnalyser.parseNumber(prog.params().get(p.index() - 1)), p.span());
        throw new Unsupported(e.span(), "expected an integer literal");
    }

    /** An expression statement: calls with effects, increments; other values are computed and dropped. */
    private void effect(Expr e) {
        switch (e) {
            case Expr.Call c when c.name().equals("printf") -> printf(c);
            case Expr.Call c when c.name().equals("exit") -> {
                emitEvent(c, (EventSpec.Exit) res.eventOf().get(c), rec -> {});
                a.jumpTo(exit);
            }
            case Expr.Call c when c.name().equals("delete") && res.eventOf().containsKey(c) -> {
                Expr.MapRef m = (Expr.MapRef) c.args().getFirst();
                ResourceAnalyser.MapResource r = resource(m);
                int len = ActionEvents.deleteKeyBytes(r);
                emitEvent(c, res.eventOf().get(c), rec -> {
                    if (len > 0) copy(buildKey(m, r, null), rec + 8, len);
                });
            }
            case Expr.Call c when c.name().equals("delete") -> {
                Expr.MapRef m = (Expr.MapRef) c.args().getFirst();
                ResourceAnalyser.MapResource r = resource(m);
                int key = buildKey(m, r, null);
                a.loadMapFd(Reg.R1, r.kernelIndex()).mov(Reg.R2, Reg.R10).add(Reg.R2, key).call(Helper.MAP_DELETE_ELEM);
            }
            case Expr.Call c when ActionEvents.emitsEvent(c) || c.name().equals("signal") || c.name().equals("override") -> action(c);
            case Expr.Call c -> throw new Unsupported(c.span(), c.name() + "() is not supported in kernel probes yet");
            default -> release(intExprOrString(e));
        }
    }

    private Val intExprOrString(Expr e) {
        if (prog.typeOf(e) instanceof Type.Str s) {
            strInto(e, frame.alloc(s.size()), ResourceAnalyser.align8(s.size()));
            return new Val.Const(0);
        }
        return intExpr(e);
    }

    // ---- maps

    private ResourceAnalyser.MapResource resource(Expr.MapRef m) {
        ResourceAnalyser.MapResource r = res.maps().get(m.name());
        if (r == null) throw new IllegalStateException("no kernel map for " + m.displayName());
        return r;
    }

    /**
     * Writes the map's key into a fresh stack buffer and returns its offset. For histograms, the
     * bucket index (a Val) fills the last 8 bytes.
     */
    private int buildKey(Expr.MapRef m, ResourceAnalyser.MapResource r, Val bucket) {
        int off = frame.alloc(r.keySize());
        if (r.array()) {
            a.storeImm(Size.W, Reg.R10, off, 0);
            return off;
        }
        List<Expr> parts = m.keys();
        if (parts.size() == 1 && r.keyFields().size() > 1) {
            if (parts.getFirst() instanceof Expr.Tuple t) parts = t.elements();
            else throw new Unsupported(parts.getFirst().span(), "tuple-valued map keys other than (a, b, ...) are not supported yet");
        }
        if (parts.isEmpty() && bucket == null) {
            a.storeImm(Size.DW, Reg.R10, off, 0);
        }
        for (int i = 0; i < parts.size(); i++) {
            var f = r.keyFields().get(i);
            Expr k = parts.get(i);
            if (f.symbolic() != null) {
                symbols.into(k, off + f.offset());
            } else if (f.kind() == FieldKind.STRING) {
                strInto(k, off + f.offset(), ResourceAnalyser.align8(f.size()));
            } else {
                Val v = intExpr(k);
                a.store(Size.DW, Reg.R10, off + f.offset(), load(v, Reg.R0));
                release(v);
            }
        }
        if (bucket != null) a.store(Size.DW, Reg.R10, off + r.bucketOffset(), load(bucket, Reg.R0));
        return off;
    }

    private void assignMap(Expr.MapRef m, Expr value) {
        ResourceAnalyser.MapResource r = resource(m);
        AggKind kind = r.info().kind();
        if (kind == AggKind.VALUE) {
            assignValue(m, r, value);
            return;
        }
        Expr.Call call = (Expr.Call) value;
        Val x = call.args().isEmpty() ? null : intExpr(call.args().getFirst());
        Val bucket = switch (kind) {
            case HIST -> log2Bucket(x);
            case LHIST -> linearBucket(x, literal(call.args().get(1)), literal(call.args().get(2)), literal(call.args().get(3)));
            default -> null;
        };
        // min/max keep one extreme per flush window (see MapBinding): the window's epoch picks the slot.
        Val epoch = kind == AggKind.MIN || kind == AggKind.MAX ? epoch() : null;
        int key = buildKey(m, r, bucket);
        if (bucket != null) release(bucket);
        boolean signed = ((Type.Agg) r.info().value()).signed();
        Label done = a.newLabel("done");
        Label init = a.newLabel("init");
        lookup(r, key);
        a.jump(Reg.R0, JmpOp.JEQ, 0, r.array() ? done : init);
        // In place: this CPU's slot of a per-CPU value, so no atomics are needed.
        switch (kind) {
            case COUNT, HIST, LHIST -> addAt(Reg.R0, 0, new Val.Const(1));
            case SUM -> addAt(Reg.R0, 0, x);
            case AVG, STATS -> {
                addAt(Reg.R0, 0, new Val.Const(1));
                addAt(Reg.R0, 8, x);
            }
            case MIN, MAX -> {
                // r0 += (epoch & 1) * 16: this window's [value, tag]; tag = epoch + 1 marks it set in this window.
                Label set = a.newLabel("set");
                a.mov(Reg.R3, load(epoch, Reg.R3));
                a.mov(Reg.R2, Reg.R3).alu(AluOp.AND, Reg.R2, 1).alu(AluOp.LSH, Reg.R2, 4).alu(AluOp.ADD, Reg.R0, Reg.R2);
                a.add(Reg.R3, 1);
                a.load(Size.DW, Reg.R1, Reg.R0, 8).jump(Reg.R1, JmpOp.JNE, Reg.R3, set);
                a.load(Size.DW, Reg.R1, Reg.R0, 0);
                Reg xr = load(x, Reg.R2);
                JmpOp keep = kind == AggKind.MIN ? (signed ? JmpOp.JSGE : JmpOp.JGE) : (signed ? JmpOp.JSLE : JmpOp.JLE);
                a.jump(xr, keep, Reg.R1, done);
                a.bind(set);
                a.store(Size.DW, Reg.R0, 0, load(x, Reg.R2)).store(Size.DW, Reg.R0, 8, Reg.R3);
            }
            case VALUE -> throw new IllegalStateException();
        }
        if (!r.array()) {
            a.jumpTo(done);
            a.bind(init);
            int val = frame.alloc(r.valueSize());
            switch (kind) {
                case COUNT, HIST, LHIST -> a.storeImm(Size.DW, Reg.R10, val, 1);
                case SUM -> a.store(Size.DW, Reg.R10, val, load(x, Reg.R1));
                case AVG, STATS -> a.storeImm(Size.DW, Reg.R10, val, 1).store(Size.DW, Reg.R10, val + 8, load(x, Reg.R1));
                case MIN, MAX -> {
                    zero(val, r.valueSize());
                    Label odd = a.newLabel("odd");
                    Label stored = a.newLabel("stored");
                    a.mov(Reg.R3, load(epoch, Reg.R3)).mov(Reg.R2, Reg.R3).add(Reg.R3, 1).alu(AluOp.AND, Reg.R2, 1);
                    a.jump(Reg.R2, JmpOp.JNE, 0, odd);
                    a.store(Size.DW, Reg.R10, val, load(x, Reg.R1)).store(Size.DW, Reg.R10, val + 8, Reg.R3).jumpTo(stored);
                    a.bind(odd).store(Size.DW, Reg.R10, val + 16, load(x, Reg.R1)).store(Size.DW, Reg.R10, val + 24, Reg.R3);
                    a.bind(stored);
                }
                case VALUE -> throw new IllegalStateException();
            }
            update(r, key, val);
        }
        a.bind(done);
        if (x != null) release(x);
    }

    /** The flush window's epoch as read when the program started (see {@link #readEpoch}). */
    private Val epoch() {
        return new Val.Slot(epochSlot, false);
    }

    /** Stores the epoch the agent bumps at each flush into {@code slot} (0 if the lookup fails). */
    private void readEpoch(int slot) {
        int k = frame.alloc(8);
        a.storeImm(Size.W, Reg.R10, k, 0);
        a.loadMapFd(Reg.R1, res.epochMap()).mov(Reg.R2, Reg.R10).add(Reg.R2, k).call(Helper.MAP_LOOKUP_ELEM);
        Label none = a.newLabel("noepoch");
        Label end = a.newLabel("epoch");
        a.jump(Reg.R0, JmpOp.JEQ, 0, none).load(Size.DW, Reg.R0, Reg.R0, 0).jumpTo(end);
        a.bind(none).mov(Reg.R0, Src.imm(0)).bind(end);
        a.store(Size.DW, Reg.R10, slot, Reg.R0);
    }

    private static boolean usesExtremes(Block body) {
        boolean[] found = {false};
        ResourceAnalyser.walk(body, e -> found[0] |= e instanceof Expr.Call c && (c.name().equals("min") || c.name().equals("max")));
        return found[0];
    }

    private void assignValue(Expr.MapRef m, ResourceAnalyser.MapResource r, Expr value) {
        int val = frame.alloc(r.valueSize());
        if (r.info().value() instanceof Type.Str) {
            strInto(value, val, r.valueSize());
        } else if (r.info().value() instanceof Type.Symbolized) {
            symbols.into(value, val);
        } else if (r.info().value() instanceof Type.Tuple tt) {
            tupleInto(value, val, tt);
        } else {
            Val v = intExpr(value);
            a.store(Size.DW, Reg.R10, val, load(v, Reg.R0));
            release(v);
        }
        int key = buildKey(m, r, null);
        update(r, key, val);
    }

    private void lookup(ResourceAnalyser.MapResource r, int key) {
        a.loadMapFd(Reg.R1, r.kernelIndex()).mov(Reg.R2, Reg.R10).add(Reg.R2, key).call(Helper.MAP_LOOKUP_ELEM);
    }

    private void update(ResourceAnalyser.MapResource r, int key, int val) {
        a.loadMapFd(Reg.R1, r.kernelIndex()).mov(Reg.R2, Reg.R10).add(Reg.R2, key).mov(Reg.R3, Reg.R10).add(Reg.R3, val)
                .mov(Reg.R4, Src.imm(BPF_ANY)).call(Helper.MAP_UPDATE_ELEM);
    }

    /** {@code *(u64 *)(base + off) += x}, through R1 (and R2 for a non-immediate x). */
    private void addAt(Reg base, int off, Val x) {
        a.load(Size.DW, Reg.R1, base, off);
        a.alu(AluOp.ADD, Reg.R1, operand(x, Reg.R2));
        a.store(Size.DW, base, off, Reg.R1);
    }

    /** A map read in a probe: this CPU's value of an aggregation (as bpftrace reads it), or the stored value. */
    private Val mapRead(Expr.MapRef m) {
        ResourceAnalyser.MapResource r = resource(m);
        int key = buildKey(m, r, null);
        lookup(r, key);
        Label zero = a.newLabel("absent");
        Label end = a.newLabel("end");
        a.jump(Reg.R0, JmpOp.JEQ, 0, zero);
        if (r.info().kind() == AggKind.AVG) {
            a.load(Size.DW, Reg.R1, Reg.R0, 0).load(Size.DW, Reg.R0, Reg.R0, 8).alu(AluOp.DIV, Reg.R0, Reg.R1);
        } else {
            a.load(Size.DW, Reg.R0, Reg.R0, 0);
        }
        a.jumpTo(end).bind(zero).mov(Reg.R0, Src.imm(0)).bind(end);
        return keep(Reg.R0);
    }

    // ---- histogram buckets (bpftrace's rules)

    /**
     * hist(): 0 for negative values, 1 for zero, 2 + floor(log2(v)) otherwise, with bpftrace 0.17's
     * saturation: its log2 tests shifts of 16, 8, 4, 2 and 1 only, so every v >= 2^31 lands in
     * index 33, printed [2G, 4G).
     */
    private Val log2Bucket(Val x) {
        Reg v = Reg.R1, l = Reg.R2, t = Reg.R3;
        a.mov(v, load(x, Reg.R1));
        Label done = a.newLabel("log2done");
        Label nonneg = a.newLabel("nonneg");
        a.mov(l, Src.imm(0));
        a.jump(v, JmpOp.JSLT, 0, done);
        a.mov(l, Src.imm(1));
        a.jump(v, JmpOp.JEQ, 0, done);
        a.bind(nonneg);
        a.mov(l, Src.imm(2));
        for (int s : new int[] {16, 8, 4, 2, 1}) {
            Label skip = a.newLabel("skip");
            a.mov(t, v).alu(AluOp.RSH, t, s).jump(t, JmpOp.JEQ, 0, skip).mov(v, t).add(l, s).bind(skip);
        }
        a.bind(done);
        return keep(l);
    }

    /** lhist(): 0 below min, 1 + (v - min) / step inside, 1 + (max - min) / step at and above max. */
    private Val linearBucket(Val x, long min, long max, long step) {
        Reg v = Reg.R1, l = Reg.R2;
        a.mov(v, load(x, Reg.R1));
        Label done = a.newLabel("lindone");
        Label inside = a.newLabel("inside");
        a.mov(l, Src.imm(0));
        a.jump(v, JmpOp.JSLT, imm32(min, "lhist min"), done);
        a.movImm(l, 1 + (max - min) / step);
        a.jump(v, JmpOp.JSGE, imm32(max, "lhist max"), done);
        a.bind(inside);
        a.mov(l, v).add(l, (int) -min).alu(AluOp.DIV, l, imm32(step, "lhist step")).add(l, 1);
        a.bind(done);
        return keep(l);
    }

    private static int imm32(long v, String what) {
        if (v != (int) v) throw new Unsupported(Span.NONE, what + " " + v + " does not fit in 32 bits");
        return (int) v;
    }

    private long literal(Expr e) {
        return ((Expr.IntLit) literalOf(e)).value();
    }

    // ---- events

    private void printf(Expr.Call c) {
        EventSpec.Printf spec = (EventSpec.Printf) res.eventOf().get(c);
        emitEvent(c, spec, rec -> {
            List<Expr> args = c.args().subList(1, c.args().size());
            for (int i = 0; i < args.size(); i++) {
                EventArg ea = spec.args().get(i);
                if (ea.symbolic() != null) {
                    symbols.into(args.get(i), rec + ea.offset());
                } else if (ea.kind() == FieldKind.STRING) {
                    strInto(args.get(i), rec + ea.offset(), ResourceAnalyser.align8(ea.size()));
                } else {
                    Val v = intExpr(args.get(i));
                    a.store(Size.DW, Reg.R10, rec + ea.offset(), load(v, Reg.R0));
                    release(v);
                }
            }
        });
    }

    private void emitEvent(Expr.Call c, EventSpec spec, java.util.function.IntConsumer fill) {
        int rec = frame.alloc(spec.size());
        a.storeImm(Size.DW, Reg.R10, rec, spec.id());
        fill.accept(rec);
        a.loadMapFd(Reg.R1, res.ringbuf()).mov(Reg.R2, Reg.R10).add(Reg.R2, rec).mov(Reg.R3, Src.imm(spec.size()))
                .mov(Reg.R4, Src.imm(0)).call(Helper.RINGBUF_OUTPUT);
        Label sent = a.newLabel("sent");
        a.jump(Reg.R0, JmpOp.JEQ, 0, sent);
        countLost();
        a.bind(sent);
    }

    /** One more record the ring buffer could not take: the agent reports the count (bpftrace's "Lost N events"). */
    private void countLost() {
        int mark = frame.mark();
        int key = frame.alloc(8);
        a.storeImm(Size.W, Reg.R10, key, 0);
        a.loadMapFd(Reg.R1, res.lostMap()).mov(Reg.R2, Reg.R10).add(Reg.R2, key).call(Helper.MAP_LOOKUP_ELEM);
        Label none = a.newLabel("nolost");
        a.jump(Reg.R0, JmpOp.JEQ, 0, none);
        addAt(Reg.R0, 0, new Val.Const(1));
        a.bind(none);
        frame.release(mark);
    }

    // ---- actions: print, clear, zero, time, join, system (events); signal, override (helpers)

    private void action(Expr.Call c) {
        List<Expr> args = c.args();
        switch (c.name()) {
            case "signal" -> {
                Val v = args.getFirst() instanceof Expr.StrLit lit ? new Val.Const(SemanticAnalyser.signalNumber(lit.value())) : intExpr(args.getFirst());
                Reg r = load(v, Reg.R1);
                if (r != Reg.R1) a.mov(Reg.R1, r);
                release(v);
                a.call(Helper.SEND_SIGNAL);
            }
            case "override" -> {
                Val v = intExpr(args.getFirst());
                Reg r = load(v, Reg.R2);
                if (r != Reg.R2) a.mov(Reg.R2, r);
                release(v);
                a.mov(Reg.R1, Reg.R6).call(Helper.OVERRIDE_RETURN);
            }
            case "join" -> join(c, (EventSpec.Join) res.eventOf().get(c));
            default -> {
                EventSpec spec = res.eventOf().get(c);
                switch (spec) {
                    case EventSpec.PrintValue pv -> emitEvent(c, spec, rec -> eventArgs(args, List.of(pv.arg()), rec));
                    case EventSpec.System sy -> emitEvent(c, spec, rec -> eventArgs(args.subList(1, args.size()), sy.args(), rec));
                    default -> emitEvent(c, spec, rec -> {});
                }
            }
        }
    }

    /** Writes arguments into an event record at the offsets their spec gives. */
    private void eventArgs(List<Expr> args, List<EventArg> specs, int rec) {
        for (int i = 0; i < args.size(); i++) {
            EventArg ea = specs.get(i);
            if (ea.symbolic() != null) {
                symbols.into(args.get(i), rec + ea.offset());
            } else if (ea.kind() == FieldKind.STRING) {
                strInto(args.get(i), rec + ea.offset(), ResourceAnalyser.align8(ea.size()));
            } else {
                Val v = intExpr(args.get(i));
                a.store(Size.DW, Reg.R10, rec + ea.offset(), load(v, Reg.R0));
                release(v);
            }
        }
    }

    /**
     * join(arr): 16 KiB do not fit the stack, so the record is reserved in the ring buffer and the
     * strings are read straight into it, as bpftrace reads them into its join map: element i is
     * {@code *(arr + 8i)}, read as a string of at most 1024 bytes (a failed read leaves it empty).
     */
    private void join(Expr.Call c, EventSpec.Join spec) {
        Expr arr = c.args().getFirst();
        Type t = prog.typeOf(arr);
        boolean user = t instanceof Type.Pointer ptr ? ptr.user() : target instanceof ProbeTarget.Tracepoint tp && tp.format().category().equals("syscalls");
        int arrSlot = frame.alloc(8), ptrSlot = frame.alloc(8);
        Val v = intExpr(arr);
        a.store(Size.DW, Reg.R10, arrSlot, load(v, Reg.R0));
        release(v);
        Reg rec = frame.takeReg();
        if (rec == null) throw new Unsupported(c.span(), "join() needs a free callee-saved register here; simplify the expression");
        a.loadMapFd(Reg.R1, res.ringbuf()).mov(Reg.R2, Src.imm(spec.size())).mov(Reg.R3, Src.imm(0)).call(Helper.RINGBUF_RESERVE);
        Label reserved = a.newLabel("reserved"), done = a.newLabel("joined");
        a.jump(Reg.R0, JmpOp.JNE, 0, reserved);
        countLost();
        a.jumpTo(done);
        a.bind(reserved);
        a.mov(rec, Reg.R0);
        a.movImm(Reg.R1, spec.id());
        a.store(Size.DW, rec, 0, Reg.R1);
        for (int i = 0; i < spec.count(); i++) {
            a.mov(Reg.R1, Reg.R10).add(Reg.R1, ptrSlot).mov(Reg.R2, Src.imm(8)).load(Size.DW, Reg.R3, Reg.R10, arrSlot);
            if (i > 0) a.add(Reg.R3, 8 * i);
            a.call(user ? Helper.PROBE_READ_USER : Helper.PROBE_READ_KERNEL);
            a.mov(Reg.R1, rec).add(Reg.R1, 8 + i * spec.elementSize()).mov(Reg.R2, Src.imm(spec.elementSize())).load(Size.DW, Reg.R3, Reg.R10, ptrSlot);
            a.call(user ? Helper.PROBE_READ_USER_STR : Helper.PROBE_READ_KERNEL_STR);
        }
        a.mov(Reg.R1, rec).mov(Reg.R2, Src.imm(0)).call(Helper.RINGBUF_SUBMIT);
        a.bind(done);
        frame.giveReg(rec);
    }

    // ---- conditions

    /** Jumps to {@code target} when {@code e} is {@code when} (true: non-zero), else falls through. */
    void branch(Expr e, Label target, boolean when) {
        switch (e) {
            case Expr.Binary b when b.op() == BinOp.LAND -> {
                if (!when) {
                    branch(b.left(), target, false);
                    branch(b.right(), target, false);
                } else {
                    Label skip = a.newLabel("and");
                    branch(b.left(), skip, false);
                    branch(b.right(), target, true);
                    a.bind(skip);
                }
            }
            case Expr.Binary b when b.op() == BinOp.LOR -> {
                if (when) {
                    branch(b.left(), target, true);
                    branch(b.right(), target, true);
                } else {
                    Label skip = a.newLabel("or");
                    branch(b.left(), skip, true);
                    branch(b.right(), target, false);
                    a.bind(skip);
                }
            }
            case Expr.Unary u when u.op() == dev.fleettrace.compiler.ast.UnOp.LNOT -> branch(u.operand(), target, !when);
            case Expr.Binary b when b.op().comparison() && prog.typeOf(b.left()) instanceof Type.Str -> {
                boolean eq = b.op() == BinOp.EQ;
                strEquals(b.left(), b.right(), target, eq == when);
            }
            case Expr.Binary b when b.op().comparison() -> {
                Val l = intExpr(b.left());
                Val r = intExpr(b.right());
                boolean signed = isSigned(b.left()) && isSigned(b.right());
                JmpOp op = jmpOp(b.op(), signed);
                compareJump(l, when ? op : op.negate(), r, target);
                release(l);
                release(r);
            }
            default -> {
                Val v = intExpr(e);
                if (v instanceof Val.Const(long c)) {
                    if ((c != 0) == when) a.jumpTo(target);
                    return;
                }
                a.jump(load(v, Reg.R0), when ? JmpOp.JNE : JmpOp.JEQ, 0, target);
                release(v);
            }
        }
    }

    private void compareJump(Val l, JmpOp op, Val r, Label target) {
        if (l instanceof Val.Const && !(r instanceof Val.Const)) {
            compareJump(r, op.swap(), l, target);
            return;
        }
        Reg lr = load(l, Reg.R0);
        a.jump(lr, op, operand(r, Reg.R1), target);
    }

    private static JmpOp jmpOp(BinOp op, boolean signed) {
        return switch (op) {
            case EQ -> JmpOp.JEQ;
            case NE -> JmpOp.JNE;
            case LT -> signed ? JmpOp.JSLT : JmpOp.JLT;
            case LE -> signed ? JmpOp.JSLE : JmpOp.JLE;
            case GT -> signed ? JmpOp.JSGT : JmpOp.JGT;
            case GE -> signed ? JmpOp.JSGE : JmpOp.JGE;
            default -> throw new IllegalArgumentException(op.name());
        };
    }

    private boolean isSigned(Expr e) {
        return prog.typeOf(e) instanceof Type.Int i && i.signed();
    }

    /**
     * Jumps to {@code target} when the strings are equal ({@code whenEqual}) or differ. Against a
     * literal, it compares the literal and its NUL in words, as wide as alignment allows; two runtime
     * strings are compared byte by byte up to the first NUL.
     */
    private void strEquals(Expr l, Expr r, Label target, boolean whenEqual) {
        if (l instanceof Expr.StrLit && !(r instanceof Expr.StrLit)) {
            strEquals(r, l, target, whenEqual);
            return;
        }
        int lsize = prog.typeOf(l).size();
        int loff = strBuffer(l);
        Label differ = whenEqual ? a.newLabel("strne") : target;
        if (r instanceof Expr.StrLit(String lit, Span s)) {
            byte[] want = (lit + "\0").getBytes(StandardCharsets.ISO_8859_1);
            if (want.length > lsize) {
                // The buffer cannot hold the literal: never equal.
                a.jumpTo(differ);
            } else {
                int pos = 0;
                while (pos < want.length) {
                    int chunk = Math.min(8, Integer.highestOneBit(want.length - pos));
                    long word = 0;
                    for (int i = chunk - 1; i >= 0; i--) word = (word << 8) | (want[pos + i] & 0xff);
                    a.load(Size.ofBytes(chunk), Reg.R0, Reg.R10, loff + pos);
                    if (chunk == 8) {
                        a.emit(new Insn.LoadImm64(Reg.R1, word)).jump(Reg.R0, JmpOp.JNE, Reg.R1, differ);
                    } else if (chunk == 4) {
                        a.jump32(Reg.R0, JmpOp.JNE, Src.imm((int) word), differ);
                    } else {
                        a.jump(Reg.R0, JmpOp.JNE, (int) word, differ);
                    }
                    pos += chunk;
                }
            }
        } else {
            int rsize = prog.typeOf(r).size();
            int roff = strBuffer(r);
            Label equal = whenEqual ? target : a.newLabel("streq");
            int n = Math.min(lsize, rsize);
            for (int i = 0; i < n; i++) {
                a.load(Size.B, Reg.R0, Reg.R10, loff + i).load(Size.B, Reg.R1, Reg.R10, roff + i);
                a.jump(Reg.R0, JmpOp.JNE, Reg.R1, differ);
                a.jump(Reg.R0, JmpOp.JEQ, 0, equal);
            }
            if (lsize != rsize) {
                // One buffer is full without a NUL: equal only if the other ends here.
                int longer = lsize > rsize ? loff : roff;
                a.load(Size.B, Reg.R0, Reg.R10, longer + n).jump(Reg.R0, JmpOp.JNE, 0, differ);
            }
            if (whenEqual) a.jumpTo(target);
            else a.bind(equal);
            if (whenEqual) a.bind(differ);
            return;
        }
        if (whenEqual) {
            a.jumpTo(target);
            a.bind(differ);
        }
    }

    /** The stack offset of a buffer holding the string {@code e}: a variable's own slot, or a new one. */
    private int strBuffer(Expr e) {
        if (e instanceof Expr.Var v) return vars.get(v.name());
        int size = ResourceAnalyser.align8(prog.typeOf(e).size());
        int off = frame.alloc(size);
        strInto(e, off, size);
        return off;
    }

    // ---- strings

    /** Writes string {@code e} into {@code cap} bytes at r10+off: its bytes, a NUL, zeros to the end. */
    private void strInto(Expr e, int off, int cap) {
        switch (e) {
            case Expr.StrLit(String s, Span span) -> literalInto(s, off, cap);
            case Expr.Positional p -> literalInto(prog.params().size() >= p.index() ? prog.params().get(p.index() - 1) : "", off, cap);
            case Expr.Builtin b when b.name().equals("comm") -> {
                if (cap < 16) throw new Unsupported(b.span(), "comm does not fit in " + cap + " bytes");
                zero(off + 16, cap - 16);
                a.mov(Reg.R1, Reg.R10).add(Reg.R1, off).mov(Reg.R2, Src.imm(16)).call(Helper.GET_CURRENT_COMM);
            }
            case Expr.Builtin b when b.name().equals("probe") -> literalInto(target.probeName(), off, cap);
            case Expr.Builtin b when b.name().equals("func") -> literalInto(ctx.funcName(b), off, cap);
            case Expr.Field f when prog.typeOf(f.target()) instanceof Type.Tuple -> {
                int size = ResourceAnalyser.align8(prog.typeOf(f).size());
                int src = tupleBuffer(f);
                copy(src, off, Math.min(size, cap));
                zero(off + Math.min(size, cap), cap - Math.min(size, cap));
            }
            case Expr.Field f when !(f.target() instanceof Expr.Builtin ab && ab.name().equals("args")) -> structs.strInto(f, off, cap);
            case Expr.Builtin b when b.name().equals("host") -> literalInto(opts.hostName(), off, cap);
            case Expr.Var v -> {
                int src = vars.get(v.name());
                int size = ResourceAnalyser.align8(info.vars().get(v.name()).size());
                copy(src, off, Math.min(size, cap));
                zero(off + Math.min(size, cap), cap - Math.min(size, cap));
            }
            case Expr.Call c when c.name().equals("str") -> {
                Type pt = prog.typeOf(c.args().getFirst());
                if (pt instanceof Type.Str) {
                    strInto(c.args().getFirst(), off, cap);
                    return;
                }
                int limit = ((Type.Str) prog.typeOf(c)).size();
                Val p = intExpr(c.args().getFirst());
                Val n = null;
                if (c.args().size() == 2 && !(c.args().get(1) instanceof Expr.IntLit)) n = intExpr(c.args().get(1));
                zero(off, cap);
                Reg pr = load(p, Reg.R3);
                if (pr != Reg.R3) a.mov(Reg.R3, pr);
                if (n != null) {
                    // str(p, n): n characters and the NUL, at most the buffer.
                    Reg nr = load(n, Reg.R2);
                    if (nr != Reg.R2) a.mov(Reg.R2, nr);
                    Label ok = a.newLabel("len");
                    a.add(Reg.R2, 1).jump(Reg.R2, JmpOp.JLE, Math.min(limit, cap), ok).mov(Reg.R2, Src.imm(Math.min(limit, cap))).bind(ok);
                    release(n);
                } else {
                    a.mov(Reg.R2, Src.imm(Math.min(limit, cap)));
                }
                a.mov(Reg.R1, Reg.R10).add(Reg.R1, off);
                boolean user = pt instanceof Type.Pointer ptr ? ptr.user() : target instanceof ProbeTarget.Tracepoint tp && tp.format().category().equals("syscalls");
                a.call(user ? Helper.PROBE_READ_USER_STR : Helper.PROBE_READ_KERNEL_STR);
                release(p);
            }
            case Expr.Ternary t -> {
                Label elseL = a.newLabel("else");
                Label end = a.newLabel("end");
                branch(t.cond(), elseL, false);
                strInto(t.then(), off, cap);
                a.jumpTo(end).bind(elseL);
                strInto(t.otherwise(), off, cap);
                a.bind(end);
            }
            case Expr.MapRef m -> {
                ResourceAnalyser.MapResource r = resource(m);
                int key = buildKey(m, r, null);
                zero(off, cap);
                lookup(r, key);
                Label absent = a.newLabel("absent");
                a.jump(Reg.R0, JmpOp.JEQ, 0, absent);
                int n = Math.min(cap, r.valueSize());
                for (int i = 0; i < n; i += 8) a.load(Size.DW, Reg.R1, Reg.R0, i).store(Size.DW, Reg.R10, off + i, Reg.R1);
                a.bind(absent);
            }
            case Expr.Field f when f.target() instanceof Expr.Builtin b && b.name().equals("args") -> {
                Type.Struct s = tracepointStruct();
                Type.Member m = s.member(f.field()).orElseThrow();
                if (m.dataLoc()) throw new Unsupported(f.span(), "__data_loc fields are not supported yet");
                int len = Math.min(m.type().size(), cap);
                // Tracepoint records are read directly through the context, in aligned words.
                int pos = 0;
                while (pos < len) {
                    int chunk = Math.min(8, Integer.highestOneBit(len - pos));
                    while ((m.offset() + pos) % chunk != 0) chunk /= 2;
                    a.load(Size.ofBytes(chunk), Reg.R0, Reg.R6, m.offset() + pos).store(Size.ofBytes(chunk), Reg.R10, off + pos, Reg.R0);
                    pos += chunk;
                }
                zero(off + len, cap - len);
                if (len == cap) a.storeImm(Size.B, Reg.R10, off + cap - 1, 0);
            }
            default -> throw new Unsupported(e.span(), "this string expression is not supported in kernel probes yet");
        }
    }

    private void literalInto(String s, int off, int cap) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        byte[] buf = new byte[cap];
        System.arraycopy(b, 0, buf, 0, Math.min(b.length, cap - 1));
        for (int i = 0; i < cap; i += 4) {
            int w = 0;
            for (int j = Math.min(3, cap - i - 1); j >= 0; j--) w = (w << 8) | (buf[i + j] & 0xff);
            if (cap - i >= 4) a.storeImm(Size.W, Reg.R10, off + i, w);
            else for (int j = 0; j < cap - i; j++) a.storeImm(Size.B, Reg.R10, off + i + j, buf[i + j]);
        }
    }

    void zero(int off, int len) {
        int pos = 0;
        while (pos < len) {
            int chunk = Math.min(8, Integer.highestOneBit(len - pos));
            while (((off + pos) & (chunk - 1)) != 0) chunk /= 2;
            a.storeImm(Size.ofBytes(chunk), Reg.R10, off + pos, 0);
            pos += chunk;
        }
    }

    private void copy(int from, int to, int len) {
        for (int i = 0; i < len; i += 8) a.load(Size.DW, Reg.R0, Reg.R10, from + i).store(Size.DW, Reg.R10, to + i, Reg.R0);
    }

    // ---- integers

    /** Computes an integer expression into a Val that survives helper calls. */
    Val intExpr(Expr e) {
        return switch (e) {
            case Expr.IntLit i -> new Val.Const(i.value());
            case Expr.Positional p -> new Val.Const(p.index() <= prog.params().size() && !prog.params().get(p.index() - 1).isEmpty()
                    ? SemanticAnalyser.parseNumber(prog.params().get(p.index() - 1)) : 0);
            case Expr.ParamCount pc -> new Val.Const(prog.params().size());
            case Expr.Sizeof s -> new Val.Const(prog.constant(s) != null ? prog.constant(s) : s.operand().isPresent() ? prog.typeOf(s.operand().get()).size()
                    : prog.typeOf(e) instanceof Type.Int ? sizeofType(s) : 0);
            case Expr.Call c when c.name().equals("uaddr") && ctx.relocatable() -> ctx.relocated(prog.constant(c));
            case Expr.Call c when prog.constant(c) != null -> new Val.Const(prog.constant(c));
            case Expr.Call c when c.name().equals("strncmp") -> strncmp(c);
            case Expr.Call c when c.name().equals("reg") -> ctx.reg(((Expr.StrLit) c.args().getFirst()).value());
            case Expr.Call c when c.name().equals("kptr") || c.name().equals("uptr") -> intExpr(c.args().getFirst());
            case Expr.Builtin b -> builtin(b);
            case Expr.Var v -> new Val.Slot(vars.get(v.name()), false);
            case Expr.MapRef m -> mapRead(m);
            case Expr.Binary b when b.op().comparison() || b.op().logical() -> bool(b);
            case Expr.Binary b -> arith(b);
            case Expr.Unary u -> switch (u.op()) {
                case LNOT -> bool(u);
                case NEG -> unaryAlu(u.operand(), r -> a.alu(AluOp.NEG, r, 0));
                case BNOT -> unaryAlu(u.operand(), r -> a.alu(AluOp.XOR, r, -1));
                case DEREF -> deref(u);
                case ADDR -> throw new Unsupported(u.span(), "& is not supported yet");
            };
            case Expr.Cast c -> cast(c);
            case Expr.Ternary t -> {
                Val dst = fresh();
                Label elseL = a.newLabel("else");
                Label end = a.newLabel("end");
                branch(t.cond(), elseL, false);
                Val tv = intExpr(t.then());
                assign(dst, tv);
                release(tv);
                a.jumpTo(end).bind(elseL);
                Val fv = intExpr(t.otherwise());
                assign(dst, fv);
                release(fv);
                a.bind(end);
                yield dst;
            }
            case Expr.Field f when prog.typeOf(f.target()) instanceof Type.Tuple -> {
                int at = tupleBuffer(f);
                yield produce(r -> a.load(Size.DW, r, Reg.R10, at));
            }
            case Expr.Field f -> field(f);
            case Expr.IncDec id -> incDec(id);
            case Expr.Call c -> throw new Unsupported(c.span(), c.name() + "() is not supported in kernel probes yet");
            default -> throw new Unsupported(e.span(), "this expression is not supported in kernel probes yet");
        };
    }

    private static int sizeofType(Expr.Sizeof s) {
        return switch (s.type().get().name()) {
            case "int8", "uint8", "char" -> 1;
            case "int16", "uint16", "short" -> 2;
            case "int32", "uint32", "int", "unsigned int" -> 4;
            default -> 8;
        };
    }

    private Val builtin(Expr.Builtin b) {
        switch (b.name()) {
            case "pid" -> {
                a.call(Helper.GET_CURRENT_PID_TGID).alu(AluOp.RSH, Reg.R0, 32);
                return keep(Reg.R0);
            }
            case "tid" -> {
                a.call(Helper.GET_CURRENT_PID_TGID).alu32(AluOp.MOV, Reg.R0, Reg.R0);
                return keep(Reg.R0);
            }
            case "uid" -> {
                a.call(Helper.GET_CURRENT_UID_GID).alu32(AluOp.MOV, Reg.R0, Reg.R0);
                return keep(Reg.R0);
            }
            case "gid" -> {
                a.call(Helper.GET_CURRENT_UID_GID).alu(AluOp.RSH, Reg.R0, 32);
                return keep(Reg.R0);
            }
            case "nsecs" -> {
                a.call(Helper.KTIME_GET_NS);
                return keep(Reg.R0);
            }
            case "elapsed" -> {
                // ns since the program was compiled on this host, on the clock bpf_ktime_get_ns reads.
                a.call(Helper.KTIME_GET_NS).emit(new Insn.LoadImm64(Reg.R1, opts.startNanos())).alu(AluOp.SUB, Reg.R0, Reg.R1);
                return keep(Reg.R0);
            }
            case "cpu" -> {
                a.call(Helper.GET_SMP_PROCESSOR_ID);
                return keep(Reg.R0);
            }
            case "cgroup" -> {
                a.call(Helper.GET_CURRENT_CGROUP_ID);
                return keep(Reg.R0);
            }
            case "rand" -> {
                a.call(Helper.GET_PRANDOM_U32);
                return keep(Reg.R0);
            }
            case "jiffies" -> {
                a.call(Helper.JIFFIES64);
                return keep(Reg.R0);
            }
            case "curtask" -> {
                a.call(Helper.GET_CURRENT_TASK);
                return keep(Reg.R0);
            }
            default -> {
                return ctx.builtin(b);
            }
        }
    }

    private Val field(Expr.Field f) {
        if (!(f.target() instanceof Expr.Builtin b && b.name().equals("args"))) return structs.field(f);
        if (target instanceof ProbeTarget.Kfunc) {
            Type.Struct ks = (Type.Struct) ((Type.Pointer) prog.typeOf(f.target())).pointee();
            return ctx.kfuncArg(ks.member(f.field()).orElseThrow());
        }
        if (target instanceof ProbeTarget.Uprobe) {
            Type.Struct us = (Type.Struct) ((Type.Pointer) prog.typeOf(f.target())).pointee();
            return ctx.uprobeArg(us.member(f.field()).orElseThrow());
        }
        Type.Struct s = tracepointStruct();
        Type.Member m = s.member(f.field()).orElseThrow();
        return switch (m.type()) {
            case Type.Int t -> produce(r -> {
                a.load(Size.ofBytes(t.size()), r, Reg.R6, m.offset());
                if (t.signed() && t.bits() < 64) a.alu(AluOp.LSH, r, 64 - t.bits()).alu(AluOp.ARSH, r, 64 - t.bits());
            });
            case Type.Pointer p -> produce(r -> a.load(Size.DW, r, Reg.R6, m.offset()));
            default -> throw new Unsupported(f.span(), "args->" + f.field() + " of type " + m.type() + " cannot be used as an integer");
        };
    }

    private Type.Struct tracepointStruct() {
        if (!(target instanceof ProbeTarget.Tracepoint tp)) throw new IllegalStateException("args outside a tracepoint");
        return TracepointTypes.struct(tp.format());
    }

    private Val deref(Expr.Unary u) {
        Type t = prog.typeOf(u);
        int size = t.size();
        Val p = intExpr(u.operand());
        int buf = frame.alloc(8);
        a.storeImm(Size.DW, Reg.R10, buf, 0);
        Reg pr = load(p, Reg.R3);
        if (pr != Reg.R3) a.mov(Reg.R3, pr);
        boolean user = prog.typeOf(u.operand()) instanceof Type.Pointer ptr && ptr.user();
        a.mov(Reg.R1, Reg.R10).add(Reg.R1, buf).mov(Reg.R2, Src.imm(size)).call(user ? Helper.PROBE_READ_USER : Helper.PROBE_READ_KERNEL);
        release(p);
        return produce(r -> {
            a.load(Size.ofBytes(size), r, Reg.R10, buf);
            if (t instanceof Type.Int ti && ti.signed() && ti.bits() < 64) a.alu(AluOp.LSH, r, 64 - ti.bits()).alu(AluOp.ARSH, r, 64 - ti.bits());
        });
    }

    private Val cast(Expr.Cast c) {
        // (struct x *)e: the same 64 bits, now typed as a pointer.
        if (!(prog.typeOf(c) instanceof Type.Int t)) return intExpr(c.operand());
        if (t.bits() == 64) return intExpr(c.operand());
        Val v = intExpr(c.operand());
        if (v instanceof Val.Const(long k)) return new Val.Const(truncate(k, t));
        return unaryAlu(v, r -> {
            if (t.signed()) a.alu(AluOp.LSH, r, 64 - t.bits()).alu(AluOp.ARSH, r, 64 - t.bits());
            else if (t.bits() == 32) a.alu32(AluOp.MOV, r, r);
            else a.alu(AluOp.AND, r, (int) ((1L << t.bits()) - 1));
        });
    }

    static long truncate(long v, Type.Int t) {
        int shift = 64 - t.bits();
        return t.signed() ? (v << shift) >> shift : (v << shift) >>> shift;
    }

    private Val arith(Expr.Binary b) {
        Val left = intExpr(b.left());
        Val right = intExpr(b.right());
        // Pointer arithmetic steps by the pointee's size, as in C: curtask + 1 is the next task_struct.
        if (prog.typeOf(b) instanceof Type.Pointer p && p.pointee().size() > 1) {
            if (prog.typeOf(b.left()) instanceof Type.Pointer) right = scale(right, p.pointee().size());
            else left = scale(left, p.pointee().size());
        }
        Val l = left, r = right;
        AluOp op = switch (b.op()) {
            case ADD -> AluOp.ADD;
            case SUB -> AluOp.SUB;
            case MUL -> AluOp.MUL;
            case DIV -> AluOp.DIV;
            case MOD -> AluOp.MOD;
            case BAND -> AluOp.AND;
            case BOR -> AluOp.OR;
            case BXOR -> AluOp.XOR;
            case SHL -> AluOp.LSH;
            case SHR -> AluOp.RSH;
            default -> throw new IllegalStateException(b.op().name());
        };
        if (l instanceof Val.Const(long x) && r instanceof Val.Const(long y))
            return new Val.Const(Arithmetic.apply(b.op(), x, y, isSigned(b.left()) && isSigned(b.right())));
        Val res = unaryAlu(l, dst -> a.alu(op, dst, operand(r, Reg.R1)));
        release(r);
        return res;
    }

    private Val scale(Val v, int by) {
        if (v instanceof Val.Const(long c)) return new Val.Const(c * by);
        return unaryAlu(v, dst -> a.alu(AluOp.MUL, dst, Src.imm(by)));
    }

    /** A comparison or logical operator as a value: 1 or 0. */
    private Val bool(Expr e) {
        Label f = a.newLabel("false");
        Label end = a.newLabel("end");
        branch(e, f, false);
        a.mov(Reg.R0, Src.imm(1)).jumpTo(end).bind(f).mov(Reg.R0, Src.imm(0)).bind(end);
        return keep(Reg.R0);
    }

    private Val incDec(Expr.IncDec id) {
        int delta = id.increment() ? 1 : -1;
        switch (id.target()) {
            case Expr.Var v -> {
                int slot = vars.get(v.name());
                a.load(Size.DW, Reg.R0, Reg.R10, slot).add(Reg.R0, delta).store(Size.DW, Reg.R10, slot, Reg.R0);
                if (!id.prefix()) a.add(Reg.R0, -delta);
                return keep(Reg.R0);
            }
            case Expr.MapRef m -> {
                ResourceAnalyser.MapResource r = resource(m);
                int key = buildKey(m, r, null);
                int val = frame.alloc(8);
                Label init = a.newLabel("init");
                Label done = a.newLabel("done");
                lookup(r, key);
                a.jump(Reg.R0, JmpOp.JEQ, 0, init);
                a.load(Size.DW, Reg.R1, Reg.R0, 0).add(Reg.R1, delta).store(Size.DW, Reg.R0, 0, Reg.R1)
                        .store(Size.DW, Reg.R10, val, Reg.R1).jumpTo(done);
                a.bind(init).storeImm(Size.DW, Reg.R10, val, delta);
                update(r, key, val);
                a.bind(done);
                return produce(x -> {
                    a.load(Size.DW, x, Reg.R10, val);
                    if (!id.prefix()) a.add(x, -delta);
                });
            }
            default -> throw new Unsupported(id.span(), "++/-- needs a map or a variable");
        }
    }

    /**
     * {@code strncmp(a, b, n)}: 0 when the first n bytes agree (or both strings end together before n), else 1,
     * as bpftrace's. Bytes past a buffer's end count as NUL.
     */
    private Val strncmp(Expr.Call c) {
        Expr l = c.args().get(0), r = c.args().get(1);
        long n = literal(c.args().get(2));
        int lsize = prog.typeOf(l).size(), rsize = prog.typeOf(r).size();
        int loff = strBuffer(l), roff = strBuffer(r);
        Label differ = a.newLabel("strncmp_ne");
        Label equal = a.newLabel("strncmp_eq");
        Label end = a.newLabel("strncmp_end");
        int limit = (int) Math.min(n, Math.max(lsize, rsize));
        for (int i = 0; i < limit; i++) {
            if (i < lsize) a.load(Size.B, Reg.R0, Reg.R10, loff + i);
            else a.mov(Reg.R0, Src.imm(0));
            if (i < rsize) a.load(Size.B, Reg.R1, Reg.R10, roff + i);
            else a.mov(Reg.R1, Src.imm(0));
            a.jump(Reg.R0, JmpOp.JNE, Reg.R1, differ);
            a.jump(Reg.R0, JmpOp.JEQ, 0, equal);
        }
        a.bind(equal).mov(Reg.R0, Src.imm(0)).jumpTo(end);
        a.bind(differ).mov(Reg.R0, Src.imm(1));
        a.bind(end);
        return keep(Reg.R0);
    }

    /**
     * The kernel form of {@code ntop([af,] addr)} at r10+off: af (2 = AF_INET, 10 = AF_INET6) in 8 bytes,
     * then 16 bytes of address. Without af it follows from the address's size, as in bpftrace.
     */
    void ntopInto(Expr.Call c, int off) {
        Expr addr = c.args().getLast();
        Type at = prog.typeOf(addr);
        if (c.args().size() == 2) {
            Val af = intExpr(c.args().getFirst());
            a.store(Size.DW, Reg.R10, off, load(af, Reg.R0));
            release(af);
        } else {
            a.storeImm(Size.DW, Reg.R10, off, at.size() == 16 ? 10 : 2);
        }
        switch (at) {
            case Type.Int i -> {
                // 0.17 copies the integer's low 4 bytes, whatever the family.
                zero(off + 8, 16);
                Val v = intExpr(addr);
                a.store(Size.W, Reg.R10, off + 8, load(v, Reg.R0));
                release(v);
            }
            case Type.Str s -> strInto(addr, off + 8, 16);
            case Type.Array arr when addr instanceof Expr.Field f && f.target() instanceof Expr.Builtin b && b.name().equals("args")
                    && target instanceof ProbeTarget.Tracepoint -> {
                zero(off + 8, 16);
                Type.Member m = tracepointStruct().member(f.field()).orElseThrow();
                for (int i = 0; i < arr.size(); i++) a.load(Size.B, Reg.R0, Reg.R6, m.offset() + i).store(Size.B, Reg.R10, off + 8 + i, Reg.R0);
            }
            default -> throw new Unsupported(addr.span(), "ntop() of this address expression is not supported yet");
        }
    }

    // ---- tuples

    /**
     * Writes tuple {@code e} at r10+off laid out as {@code layout} (the map's or variable's type, whose
     * strings may be wider than the expression's): each element 8-byte aligned, strings zero-padded.
     */
    private void tupleInto(Expr e, int off, Type.Tuple layout) {
        if (e instanceof Expr.Tuple t) {
            for (int i = 0; i < t.elements().size(); i++) {
                Expr el = t.elements().get(i);
                int at = off + layout.offset(i);
                switch (layout.elements().get(i)) {
                    case Type.Tuple nested -> tupleInto(el, at, nested);
                    case Type.Str str -> strInto(el, at, ResourceAnalyser.align8(str.size()));
                    case Type.Symbolized sym -> symbols.into(el, at);
                    default -> {
                        Val v = intExpr(el);
                        a.store(Size.DW, Reg.R10, at, load(v, Reg.R0));
                        release(v);
                    }
                }
            }
            return;
        }
        if (e instanceof Expr.Ternary t) {
            Label elseL = a.newLabel("else");
            Label end = a.newLabel("end");
            branch(t.cond(), elseL, false);
            tupleInto(t.then(), off, layout);
            a.jumpTo(end).bind(elseL);
            tupleInto(t.otherwise(), off, layout);
            a.bind(end);
            return;
        }
        Type.Tuple from = (Type.Tuple) prog.typeOf(e);
        copyTuple(tupleBuffer(e), from, off, layout);
    }

    /** Copies a tuple between layouts that differ only in string widths. */
    private void copyTuple(int src, Type.Tuple from, int dst, Type.Tuple to) {
        for (int i = 0; i < to.elements().size(); i++) {
            int s = src + from.offset(i), d = dst + to.offset(i);
            Type ft = from.elements().get(i), tt = to.elements().get(i);
            if (ft instanceof Type.Tuple fn && tt instanceof Type.Tuple tn) {
                copyTuple(s, fn, d, tn);
                continue;
            }
            int fsize = ResourceAnalyser.align8(ft.size()), tsize = ResourceAnalyser.align8(tt.size());
            int n = Math.min(fsize, tsize);
            copy(s, d, n);
            zero(d + n, tsize - n);
        }
    }

    /**
     * The stack offset of the tuple (or tuple element) {@code e}: a variable's slot, an element of one
     * ({@code $t.1.0}), or a fresh buffer it is computed into (a tuple literal, a map's value).
     */
    private int tupleBuffer(Expr e) {
        switch (e) {
            case Expr.Var v -> {
                return vars.get(v.name());
            }
            case Expr.Field f when prog.typeOf(f.target()) instanceof Type.Tuple parent -> {
                return tupleBuffer(f.target()) + parent.offset(Integer.parseInt(f.field()));
            }
            case Expr.MapRef m -> {
                ResourceAnalyser.MapResource r = resource(m);
                int off = frame.alloc(r.valueSize());
                int key = buildKey(m, r, null);
                zero(off, r.valueSize());
                lookup(r, key);
                Label absent = a.newLabel("absent");
                a.jump(Reg.R0, JmpOp.JEQ, 0, absent);
                for (int i = 0; i < r.valueSize(); i += 8) a.load(Size.DW, Reg.R1, Reg.R0, i).store(Size.DW, Reg.R10, off + i, Reg.R1);
                a.bind(absent);
                return off;
            }
            default -> {
                Type t = prog.typeOf(e);
                if (!(t instanceof Type.Tuple tt)) throw new Unsupported(e.span(), "a value of type " + t + " where a tuple was expected");
                int off = frame.alloc(ResourceAnalyser.align8(tt.size()));
                tupleInto(e, off, tt);
                return off;
            }
        }
    }

    // ---- Val plumbing

    private Val unaryAlu(Expr operand, java.util.function.Consumer<Reg> op) {
        return unaryAlu(intExpr(operand), op);
    }

    /** Applies {@code op} to the value in place when it is ours, or to a copy otherwise. */
    Val unaryAlu(Val v, java.util.function.Consumer<Reg> op) {
        switch (v) {
            case Val.InReg(Reg r) -> {
                op.accept(r);
                return v;
            }
            case Val.Slot(int off, boolean owned) when owned -> {
                a.load(Size.DW, Reg.R0, Reg.R10, off);
                op.accept(Reg.R0);
                a.store(Size.DW, Reg.R10, off, Reg.R0);
                return v;
            }
            default -> {
                return produce(r -> {
                    Reg src = load(v, r);
                    if (src != r) a.mov(r, src);
                    op.accept(r);
                });
            }
        }
    }

    /** Runs {@code emit} into a callee-saved register if one is free, else into R0 and spills it. */
    Val produce(java.util.function.Consumer<Reg> emit) {
        Reg r = frame.takeReg();
        if (r != null) {
            emit.accept(r);
            return new Val.InReg(r);
        }
        emit.accept(Reg.R0);
        int off = frame.alloc(8);
        a.store(Size.DW, Reg.R10, off, Reg.R0);
        return new Val.Slot(off, true);
    }

    /** A value computed into a scratch register (typically R0 after a call), made durable. */
    Val keep(Reg scratch) {
        Reg r = frame.takeReg();
        if (r != null) {
            a.mov(r, scratch);
            return new Val.InReg(r);
        }
        int off = frame.alloc(8);
        a.store(Size.DW, Reg.R10, off, scratch);
        return new Val.Slot(off, true);
    }

    /** An empty durable location, for values computed on several paths (ternaries). */
    private Val fresh() {
        Reg r = frame.takeReg();
        return r != null ? new Val.InReg(r) : new Val.Slot(frame.alloc(8), true);
    }

    private void assign(Val dst, Val v) {
        switch (dst) {
            case Val.InReg(Reg r) -> {
                Reg src = load(v, r);
                if (src != r) a.mov(r, src);
            }
            case Val.Slot(int off, boolean owned) -> a.store(Size.DW, Reg.R10, off, load(v, Reg.R0));
            case Val.Const c -> throw new IllegalStateException("cannot assign to a constant");
        }
    }

    /** The register holding {@code v}: its own, or {@code scratch} after loading it. */
    Reg load(Val v, Reg scratch) {
        return switch (v) {
            case Val.InReg(Reg r) -> r;
            case Val.Const(long c) -> {
                a.movImm(scratch, c);
                yield scratch;
            }
            case Val.Slot(int off, boolean owned) -> {
                a.load(Size.DW, scratch, Reg.R10, off);
                yield scratch;
            }
        };
    }

    /** An ALU or jump source operand: an immediate when it fits, else a register. */
    private Src operand(Val v, Reg scratch) {
        if (v instanceof Val.Const(long c) && c == (int) c) return Src.imm((int) c);
        return load(v, scratch);
    }

    void release(Val v) {
        if (v instanceof Val.InReg(Reg r)) frame.giveReg(r);
    }
}
