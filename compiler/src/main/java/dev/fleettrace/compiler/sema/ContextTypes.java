package dev.fleettrace.compiler.sema;

import dev.fleettrace.compiler.ast.Expr;
import dev.fleettrace.compiler.diag.Span;
import dev.fleettrace.compiler.facts.KernelFacts;
import dev.fleettrace.plan.Symbolic;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.ObjLongConsumer;

/**
 * Types of what depends on the probe's type: its context ({@code arg0..N}, {@code sarg0..N},
 * {@code retval}, {@code args} of kfunc, {@code func}), and stacks and symbols ({@code kstack},
 * {@code ustack}, {@code ksym}, {@code usym}, {@code kaddr}, {@code uaddr}), with bpftrace's messages.
 */
final class ContextTypes {
    private ContextTypes() {}

    /** x86-64 passes six arguments in registers: arg0..arg5. */
    static final int MAX_REGISTER_ARGS = 6;

    /** Whether {@code name} is a builtin this class types. */
    static boolean handlesBuiltin(String name) {
        return name.matches("s?arg[0-9]+") || name.equals("retval") || name.equals("func") || name.equals("kstack") || name.equals("ustack");
    }

    static boolean handlesCall(String name) {
        return switch (name) {
            case "kstack", "ustack", "ksym", "usym", "kaddr", "uaddr" -> true;
            default -> false;
        };
    }

    /** The bpftrace name of a probe type, as its messages use it ({@code 'tracepoint' probes}). */
    static String typeName(ProbeTarget t) {
        return switch (t) {
            case ProbeTarget.Begin b -> "BEGIN";
            case ProbeTarget.End e -> "END";
            case ProbeTarget.Tracepoint tp -> "tracepoint";
            case ProbeTarget.Interval i -> "interval";
            case ProbeTarget.Kprobe k -> k.ret() ? "kretprobe" : "kprobe";
            case ProbeTarget.Uprobe u -> u.ret() ? "uretprobe" : "uprobe";
            case ProbeTarget.Usdt u -> "usdt";
            case ProbeTarget.Kfunc k -> k.ret() ? "kretfunc" : "kfunc";
            case ProbeTarget.RawTracepoint r -> "rawtracepoint";
            case ProbeTarget.PerfEvent p -> p.provider();
        };
    }

    /** Whether the probe's pointers point into user space (uprobes, usdt). */
    static boolean userSpace(List<ProbeTarget> targets) {
        return !targets.isEmpty() && targets.stream().allMatch(t -> t instanceof ProbeTarget.Uprobe || t instanceof ProbeTarget.Usdt);
    }

    /** The type of a context builtin, or null after reporting why it cannot be used here. */
    static Type builtin(Expr.Builtin b, List<ProbeTarget> targets, KernelFacts facts, BiConsumer<Span, String> error) {
        String n = b.name();
        switch (n) {
            case "kstack" -> {
                return stackAllowed(b.span(), targets, false, error) ? new Type.Symbolized(Symbolic.Kind.KSTACK, Symbolic.MAX_FRAMES, Symbolic.StackMode.BPFTRACE) : null;
            }
            case "ustack" -> {
                return stackAllowed(b.span(), targets, true, error) ? new Type.Symbolized(Symbolic.Kind.USTACK, Symbolic.MAX_FRAMES, Symbolic.StackMode.BPFTRACE) : null;
            }
            default -> { }
        }
        if (targets.isEmpty()) return null;
        if (n.matches("arg[0-9]+")) {
            int i = Integer.parseInt(n.substring(3));
            for (ProbeTarget t : targets) {
                boolean ok = switch (t) {
                    case ProbeTarget.Kprobe k -> !k.ret();
                    case ProbeTarget.Uprobe u -> !u.ret();
                    case ProbeTarget.Usdt u -> true;
                    case ProbeTarget.RawTracepoint r -> true;
                    default -> false;
                };
                if (!ok) {
                    error.accept(b.span(), "The " + n + " builtin can only be used with 'kprobes', 'uprobes' and 'usdt' probes");
                    return null;
                }
                if (t instanceof ProbeTarget.Usdt u && i >= u.arguments().size()) {
                    error.accept(b.span(), u.probeName() + " has " + u.arguments().size() + " argument" + (u.arguments().size() == 1 ? "" : "s") + ": there is no " + n);
                    return null;
                }
                if ((t instanceof ProbeTarget.Kprobe || t instanceof ProbeTarget.Uprobe) && i >= MAX_REGISTER_ARGS) {
                    error.accept(b.span(), "x86_64 doesn't support " + n);
                    return null;
                }
            }
            return Type.Int.UINT64;
        }
        if (n.matches("sarg[0-9]+")) {
            for (ProbeTarget t : targets) {
                if (!(t instanceof ProbeTarget.Kprobe k && !k.ret()) && !(t instanceof ProbeTarget.Uprobe u && !u.ret())) {
                    error.accept(b.span(), "The " + n + " builtin can only be used with 'kprobes' and 'uprobes' probes");
                    return null;
                }
            }
            return Type.Int.UINT64;
        }
        switch (n) {
            case "retval" -> {
                Type common = null;
                for (ProbeTarget t : targets) {
                    Type rt = switch (t) {
                        case ProbeTarget.Kprobe k when k.ret() -> Type.Int.UINT64;
                        case ProbeTarget.Uprobe u when u.ret() -> Type.Int.UINT64;
                        case ProbeTarget.Kfunc k when k.ret() -> facts.btf().map(btf -> BtfTypes.returnType(btf, k.signature())).orElse(Type.Int.UINT64);
                        default -> null;
                    };
                    if (rt == null) {
                        String hint = t instanceof ProbeTarget.Tracepoint ? " (try to use args->ret instead)" : "";
                        error.accept(b.span(), "The retval builtin can only be used with 'kretprobe' and 'uretprobe' and 'kfunc' probes" + hint);
                        return null;
                    }
                    common = common == null ? rt : common.equals(rt) ? common : Type.Int.UINT64;
                }
                return common;
            }
            case "func" -> {
                for (ProbeTarget t : targets) {
                    boolean ok = t instanceof ProbeTarget.Kprobe || t instanceof ProbeTarget.Uprobe || t instanceof ProbeTarget.Kfunc;
                    if (!ok) {
                        error.accept(b.span(), "The func builtin can not be used with '" + typeName(t) + "' probes");
                        return null;
                    }
                }
                return new Type.Str(SemanticAnalyser.STRLEN);
            }
            default -> throw new IllegalArgumentException(n);
        }
    }

    private static boolean stackAllowed(Span span, List<ProbeTarget> targets, boolean user, BiConsumer<Span, String> error) {
        for (ProbeTarget t : targets) {
            if (!t.kernel()) {
                error.accept(span, (user ? "ustack" : "kstack") + " can not be used with '" + typeName(t) + "' probes: they run on the coordinator, where there is no stack");
                return false;
            }
        }
        return true;
    }

    /** The {@code args} of a kfunc or kretfunc probe: a pointer to the function's arguments typed from BTF; null for other probes. */
    static Type kfuncArgs(ProbeTarget t, KernelFacts facts) {
        if (!(t instanceof ProbeTarget.Kfunc k)) return null;
        return facts.btf().<Type>map(btf -> new Type.Pointer(BtfTypes.kfuncArgs(btf, k.signature()), false)).orElse(null);
    }

    /** Types a call of a stack or symbol function; {@code expr} types an argument. */
    static Type call(Expr.Call c, List<ProbeTarget> targets, KernelFacts facts, boolean factsKnown, Function<Expr, Type> expr,
                     ObjLongConsumer<Expr> constant, BiConsumer<Span, String> error) {
        List<Expr> args = c.args();
        switch (c.name()) {
            case "kstack", "ustack" -> {
                boolean user = c.name().equals("ustack");
                if (!stackAllowed(c.span(), targets, user, error)) return null;
                if (args.size() > 2) {
                    error.accept(c.span(), c.name() + "() takes up to two arguments (" + args.size() + " provided)");
                    return null;
                }
                Symbolic.StackMode mode = Symbolic.StackMode.BPFTRACE;
                int limit = Symbolic.MAX_FRAMES;
                for (int i = 0; i < args.size(); i++) {
                    Expr a = args.get(i);
                    if (i == 0 && a instanceof Expr.Builtin mb) {
                        if (!isMode(mb.name())) {
                            error.accept(a.span(), c.name() + ": invalid mode value, use either \"bpftrace\" or \"perf\"");
                            return null;
                        }
                        mode = Symbolic.StackMode.valueOf(mb.name().toUpperCase());
                        continue;
                    }
                    if (a instanceof Expr.IntLit lit && i == args.size() - 1) {
                        if (lit.value() < 0 || lit.value() > Symbolic.MAX_FRAMES) {
                            error.accept(a.span(), c.name() + "() limit must be between 0 and " + Symbolic.MAX_FRAMES + " (" + lit.value() + " provided)");
                            return null;
                        }
                        limit = (int) lit.value();
                        continue;
                    }
                    error.accept(a.span(), c.name() + "() takes a mode (bpftrace or perf) and an integer literal limit");
                    return null;
                }
                return new Type.Symbolized(user ? Symbolic.Kind.USTACK : Symbolic.Kind.KSTACK, limit, mode);
            }
            case "ksym", "usym" -> {
                if (args.size() != 1) {
                    error.accept(c.span(), c.name() + "() requires one argument (" + args.size() + " provided)");
                    return null;
                }
                Type t = expr.apply(args.getFirst());
                if (t == null) return null;
                if (!(t instanceof Type.Int || t instanceof Type.Pointer)) {
                    error.accept(c.span(), c.name() + "() expects an integer or pointer argument (" + t + " provided)");
                    return null;
                }
                boolean user = c.name().equals("usym");
                if (!stackAllowed(c.span(), targets, user, error)) return null;
                return new Type.Symbolized(user ? Symbolic.Kind.USYM : Symbolic.Kind.KSYM, 0, Symbolic.StackMode.BPFTRACE);
            }
            case "kaddr" -> {
                if (args.size() != 1 || !(args.getFirst() instanceof Expr.StrLit name)) {
                    error.accept(c.span(), "kaddr() expects a string literal as its only argument");
                    return null;
                }
                var addr = facts.kernelSymbol(name.value());
                if (factsKnown && addr.isEmpty()) {
                    error.accept(c.span(), "Failed to resolve kernel symbol: " + name.value());
                    return null;
                }
                constant.accept(c, addr.orElse(0));
                return Type.Int.UINT64;
            }
            case "uaddr" -> {
                if (args.size() != 1 || !(args.getFirst() instanceof Expr.StrLit name)) {
                    error.accept(c.span(), "uaddr() expects a string literal as its only argument");
                    return null;
                }
                Long address = null;
                for (ProbeTarget t : targets) {
                    String path = switch (t) {
                        case ProbeTarget.Uprobe u -> u.path();
                        case ProbeTarget.Usdt u -> u.path();
                        default -> null;
                    };
                    if (path == null) {
                        error.accept(c.span(), "uaddr can only be used with uprobes and usdt probes (" + typeName(t) + " used here)");
                        return null;
                    }
                    Long a = uaddr(facts, path, name.value());
                    if (factsKnown && a == null) {
                        error.accept(c.span(), "Could not resolve symbol: " + path + ":" + name.value());
                        return null;
                    }
                    if (address != null && a != null && !address.equals(a)) {
                        error.accept(c.span(), "uaddr(\"" + name.value() + "\") has different addresses in this probe's binaries");
                        return null;
                    }
                    if (a != null) address = a;
                }
                constant.accept(c, address == null ? 0 : address);
                return new Type.Pointer(Type.Int.UINT64, true);
            }
            default -> throw new IllegalArgumentException(c.name());
        }
    }

    /** The link-time address of symbol {@code name} in the ELF file at {@code path}, or null. */
    static Long uaddr(KernelFacts facts, String path, String name) {
        return facts.binary(path).flatMap(bin -> bin.elf().symbols().stream().filter(s -> s.name().equals(name) && s.value() != 0).findFirst())
                .map(s -> s.value()).orElse(null);
    }

    private static boolean isMode(String name) {
        return name.equals("bpftrace") || name.equals("perf");
    }
}
