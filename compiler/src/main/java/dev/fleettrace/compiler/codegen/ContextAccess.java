package dev.fleettrace.compiler.codegen;

import dev.fleettrace.bpf.AluOp;
import dev.fleettrace.bpf.Helper;
import dev.fleettrace.bpf.Reg;
import dev.fleettrace.bpf.Size;
import dev.fleettrace.bpf.Src;
import dev.fleettrace.compiler.ast.Expr;
import dev.fleettrace.compiler.facts.elf.UsdtArgument;
import dev.fleettrace.compiler.sema.ProbeTarget;
import dev.fleettrace.compiler.sema.Type;
import java.util.Map;

/**
 * What a program reads from its context, by program type: {@code arg0..N}, {@code sarg0..N} and
 * {@code retval} from the saved registers ({@code struct pt_regs}) of kprobes, uprobes, usdt and perf
 * events; the u64 argument array of raw tracepoints and fentry/fexit programs; the tracepoint record
 * (in {@link ProbeCodegen}). The context pointer is kept in R6 for the whole program.
 */
final class ContextAccess {

    /** Offsets of the x86-64 {@code struct pt_regs}, which is also the start of {@code bpf_perf_event_data}. */
    static final Map<String, Integer> PT_REGS = Map.ofEntries(
            Map.entry("r15", 0), Map.entry("r14", 8), Map.entry("r13", 16), Map.entry("r12", 24), Map.entry("rbp", 32),
            Map.entry("rbx", 40), Map.entry("r11", 48), Map.entry("r10", 56), Map.entry("r9", 64), Map.entry("r8", 72),
            Map.entry("rax", 80), Map.entry("rcx", 88), Map.entry("rdx", 96), Map.entry("rsi", 104), Map.entry("rdi", 112),
            Map.entry("orig_rax", 120), Map.entry("rip", 128), Map.entry("cs", 136), Map.entry("eflags", 144), Map.entry("rsp", 152),
            Map.entry("ss", 160));

    /** The System V AMD64 calling convention: the registers of arguments 0..5. */
    static final String[] ARG_REGISTERS = {"rdi", "rsi", "rdx", "rcx", "r8", "r9"};

    private final ProbeCodegen g;
    private final ProbeTarget target;

    ContextAccess(ProbeCodegen g, ProbeTarget target) {
        this.g = g;
        this.target = target;
    }

    /** Whether evaluating {@code e} reads the context (so R6 must keep it). */
    static boolean usesContext(Expr e) {
        return switch (e) {
            case Expr.Builtin b -> b.name().equals("args") || b.name().matches("s?arg[0-9]+") || b.name().equals("retval")
                    || b.name().equals("kstack") || b.name().equals("ustack");
            case Expr.Call c -> c.name().equals("kstack") || c.name().equals("ustack") || c.name().equals("uaddr") || c.name().equals("reg");
            default -> false;
        };
    }

    /** {@code arg0..N}, {@code sarg0..N}, {@code retval}. */
    Val builtin(Expr.Builtin b) {
        String n = b.name();
        if (n.matches("arg[0-9]+")) return arg(b, Integer.parseInt(n.substring(3)));
        if (n.matches("sarg[0-9]+")) return stackArg(Integer.parseInt(n.substring(4)));
        if (n.equals("retval")) return retval(b);
        throw new ProbeCodegen.Unsupported(b.span(), "the " + n + " builtin is not supported in kernel probes yet");
    }

    /** {@code reg("ip")}: a saved register by bpftrace's name, from {@code struct pt_regs} (perf events' context starts with one). */
    Val reg(String name) {
        int off = 8 * dev.fleettrace.compiler.sema.SemanticAnalyser.REGISTERS.indexOf(name);
        return g.produce(x -> g.a.load(Size.DW, x, Reg.R6, off));
    }

    private Val arg(Expr.Builtin b, int i) {
        return switch (target) {
            case ProbeTarget.Kprobe k -> register(ARG_REGISTERS[i], 8, false, 0);
            case ProbeTarget.Uprobe u -> register(ARG_REGISTERS[i], 8, false, 0);
            case ProbeTarget.RawTracepoint r -> g.produce(x -> g.a.load(Size.DW, x, Reg.R6, 8 * i));
            case ProbeTarget.Usdt u -> usdtArgument(u.arguments().get(i), b);
            default -> throw new ProbeCodegen.Unsupported(b.span(), b.name() + " is not available in " + target.probeName());
        };
    }

    private Val retval(Expr.Builtin b) {
        return switch (target) {
            case ProbeTarget.Kprobe k -> register("rax", 8, false, 0);
            case ProbeTarget.Uprobe u -> register("rax", 8, false, 0);
            // fexit: the return value follows the arguments in the context's u64 array.
            case ProbeTarget.Kfunc k -> narrowed(8 * (int) k.signature().params().stream().filter(p -> p.type() != 0).count(), g.prog.typeOf(b));
            default -> throw new ProbeCodegen.Unsupported(b.span(), "retval is not available in " + target.probeName());
        };
    }

    /** A saved register, {@code size} bytes of it ({@code byteOffset} 1 for %ah and friends), extended to 64 bits. */
    private Val register(String reg, int size, boolean signed, int byteOffset) {
        int off = PT_REGS.get(reg) + byteOffset;
        return g.produce(x -> {
            g.a.load(Size.ofBytes(size), x, Reg.R6, off);
            if (signed && size < 8) g.a.alu(AluOp.LSH, x, 64 - 8 * size).alu(AluOp.ARSH, x, 64 - 8 * size);
        });
    }

    /** A u64 slot of the context array (fentry/fexit), narrowed to its declared type. */
    private Val narrowed(int offset, Type t) {
        return g.produce(x -> {
            g.a.load(Size.DW, x, Reg.R6, offset);
            narrow(x, t);
        });
    }

    private void narrow(Reg x, Type t) {
        if (!(t instanceof Type.Int i) || i.bits() == 64) return;
        if (i.signed()) g.a.alu(AluOp.LSH, x, 64 - i.bits()).alu(AluOp.ARSH, x, 64 - i.bits());
        else if (i.bits() == 32) g.a.alu32(AluOp.MOV, x, x);
        else g.a.alu(AluOp.AND, x, (int) ((1L << i.bits()) - 1));
    }

    /** {@code sargN}: the Nth 8-byte argument on the stack, above the return address. */
    private Val stackArg(int i) {
        boolean user = target instanceof ProbeTarget.Uprobe;
        int buf = g.frame.alloc(8);
        g.a.storeImm(Size.DW, Reg.R10, buf, 0);
        g.a.load(Size.DW, Reg.R3, Reg.R6, PT_REGS.get("rsp")).add(Reg.R3, 8 * (i + 1));
        g.a.mov(Reg.R1, Reg.R10).add(Reg.R1, buf).mov(Reg.R2, Src.imm(8)).call(user ? Helper.PROBE_READ_USER : Helper.PROBE_READ_KERNEL);
        return g.produce(x -> g.a.load(Size.DW, x, Reg.R10, buf));
    }

    /** A USDT argument as its note describes it: a register, a constant, or memory at a register plus a displacement. */
    private Val usdtArgument(UsdtArgument arg, Expr.Builtin b) {
        return switch (arg) {
            case UsdtArgument.Register r -> register(r.register(), r.size(), r.signed(), r.regByte());
            case UsdtArgument.Constant c -> new Val.Const(c.value());
            case UsdtArgument.Memory m -> {
                int buf = g.frame.alloc(8);
                g.a.storeImm(Size.DW, Reg.R10, buf, 0);
                g.a.load(Size.DW, Reg.R3, Reg.R6, PT_REGS.get(m.register()));
                if (m.displacement() != 0) g.a.add(Reg.R3, Math.toIntExact(m.displacement()));
                g.a.mov(Reg.R1, Reg.R10).add(Reg.R1, buf).mov(Reg.R2, Src.imm(m.size())).call(Helper.PROBE_READ_USER);
                yield g.produce(x -> {
                    g.a.load(Size.ofBytes(m.size()), x, Reg.R10, buf);
                    if (m.signed() && m.size() < 8) g.a.alu(AluOp.LSH, x, 64 - 8 * m.size()).alu(AluOp.ARSH, x, 64 - 8 * m.size());
                });
            }
            case UsdtArgument.Unsupported u -> throw new ProbeCodegen.Unsupported(b.span(),
                    target.probeName() + ": " + b.name() + " is '" + u.operand() + "', an operand fleettrace cannot read");
        };
    }

    /** {@code args->name} of a kfunc or kretfunc probe: the argument's u64 slot, narrowed to its type. */
    Val kfuncArg(Type.Member m) {
        return narrowed(m.offset(), m.type());
    }

    /**
     * {@code args->name} of a uprobe: the member's offset in the argument area says where the calling
     * convention put it (see {@code DwarfArgs}): an integer register, or a stack word above the return
     * address; read whole, then narrowed to the parameter's type.
     */
    Val uprobeArg(Type.Member m) {
        int registerArea = 8 * ARG_REGISTERS.length;
        if (m.offset() < registerArea) {
            int size = m.type() instanceof Type.Int i ? i.size() : 8;
            return register(ARG_REGISTERS[m.offset() / 8], size, m.type() instanceof Type.Int i && i.signed(), 0);
        }
        Val word = stackArg((m.offset() - registerArea) / 8);
        if (!(m.type() instanceof Type.Int i) || i.bits() == 64) return word;
        return g.unaryAlu(word, x -> narrow(x, m.type()));
    }

    /** Whether the probed file is loaded at an address chosen at run time (PIE executables, shared libraries). */
    boolean relocatable() {
        return switch (target) {
            case ProbeTarget.Uprobe u -> u.relocatable();
            case ProbeTarget.Usdt u -> u.relocatable();
            default -> false;
        };
    }

    /**
     * {@code uaddr("name")} in a relocatable file: its link-time address plus the load bias, which is
     * the probed instruction's run-time address minus its link-time address. A uprobe or usdt probe
     * sees the probed address in its saved rip; a uretprobe asks {@code bpf_get_func_ip} (which returns
     * the probed function's address for uprobes since Linux 6.6).
     */
    Val relocated(long linkAddress) {
        long probed = switch (target) {
            case ProbeTarget.Uprobe u -> u.address();
            case ProbeTarget.Usdt u -> u.address();
            default -> throw new IllegalStateException("uaddr outside a uprobe");
        };
        Val ip;
        if (target instanceof ProbeTarget.Uprobe u && u.ret()) {
            g.a.mov(Reg.R1, Reg.R6).call(Helper.GET_FUNC_IP);
            ip = g.keep(Reg.R0);
        } else {
            ip = g.produce(x -> g.a.load(Size.DW, x, Reg.R6, PT_REGS.get("rip")));
        }
        long delta = linkAddress - probed;
        if (delta == 0) return ip;
        return g.unaryAlu(ip, x -> {
            if (delta == (int) delta) g.a.add(x, (int) delta);
            else g.a.emit(new dev.fleettrace.bpf.Insn.LoadImm64(Reg.R1, delta)).alu(AluOp.ADD, x, Reg.R1);
        });
    }

    /** The {@code func} builtin: the probed function's name, known when compiling. */
    String funcName(Expr.Builtin b) {
        return switch (target) {
            case ProbeTarget.Kprobe k -> k.function();
            case ProbeTarget.Uprobe u -> u.symbol().isEmpty() ? "0x" + Long.toHexString(u.address()) : u.symbol();
            case ProbeTarget.Kfunc k -> k.function();
            default -> throw new ProbeCodegen.Unsupported(b.span(), "func is not available in " + target.probeName());
        };
    }
}
