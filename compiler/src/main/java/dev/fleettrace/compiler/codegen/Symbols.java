package dev.fleettrace.compiler.codegen;

import dev.fleettrace.bpf.AluOp;
import dev.fleettrace.bpf.Helper;
import dev.fleettrace.bpf.Reg;
import dev.fleettrace.bpf.Size;
import dev.fleettrace.bpf.Src;
import dev.fleettrace.compiler.ast.Expr;
import dev.fleettrace.compiler.sema.Type;

/**
 * Stacks and symbols in the kernel: {@code kstack}/{@code ustack} are a stack id from
 * {@code bpf_get_stackid} into the stack trace map of their kind and limit; {@code ksym(x)} and
 * {@code usym(x)} are the address itself. User-space ones carry the process id after the value, so
 * the agent can find the process's mappings. The agent turns them into text.
 */
final class Symbols {
    /** {@code BPF_F_USER_STACK}: walk the user stack instead of the kernel's. */
    static final int BPF_F_USER_STACK = 1 << 8;

    private final ProbeCodegen g;

    Symbols(ProbeCodegen g) {
        this.g = g;
    }

    /** Writes the kernel form of stack or symbol {@code e} at r10+{@code off} ({@code Type.Symbolized#size()} bytes). */
    void into(Expr e, int off) {
        Type.Symbolized t = (Type.Symbolized) g.prog.typeOf(e);
        switch (e) {
            case Expr.Builtin b when b.name().equals("kstack") || b.name().equals("ustack") -> stack(t, off);
            case Expr.Call c when c.name().equals("kstack") || c.name().equals("ustack") -> stack(t, off);
            case Expr.Call c when c.name().equals("ksym") || c.name().equals("usym") -> {
                Val v = g.intExpr(c.args().getFirst());
                g.a.store(Size.DW, Reg.R10, off, g.load(v, Reg.R0));
                g.release(v);
                if (t.kind().user()) pid(off + 8);
            }
            case Expr.Builtin b when b.name().equals("username") -> {
                g.a.call(Helper.GET_CURRENT_UID_GID).alu32(AluOp.MOV, Reg.R0, Reg.R0).store(Size.DW, Reg.R10, off, Reg.R0);
            }
            case Expr.Call c when c.name().equals("ntop") -> g.ntopInto(c, off);
            case Expr.Var v -> {
                int slot = g.varSlot(v.name());
                for (int i = 0; i < t.size(); i += 8) g.a.load(Size.DW, Reg.R0, Reg.R10, slot + i).store(Size.DW, Reg.R10, off + i, Reg.R0);
            }
            case Expr.Ternary tern -> {
                var elseL = g.a.newLabel("else");
                var end = g.a.newLabel("end");
                g.branch(tern.cond(), elseL, false);
                into(tern.then(), off);
                g.a.jumpTo(end).bind(elseL);
                into(tern.otherwise(), off);
                g.a.bind(end);
            }
            default -> throw new ProbeCodegen.Unsupported(e.span(), t + " values from this expression are not supported yet");
        }
    }

    private void stack(Type.Symbolized t, int off) {
        int map = g.res.stackMaps().get(ResourceAnalyser.stackKey(t));
        g.a.mov(Reg.R1, Reg.R6).loadMapFd(Reg.R2, map).mov(Reg.R3, Src.imm(t.kind().user() ? BPF_F_USER_STACK : 0)).call(Helper.GET_STACKID);
        g.a.store(Size.DW, Reg.R10, off, Reg.R0);
        if (t.kind().user()) pid(off + 8);
    }

    private void pid(int off) {
        g.a.call(Helper.GET_CURRENT_PID_TGID).alu(AluOp.RSH, Reg.R0, 32).store(Size.DW, Reg.R10, off, Reg.R0);
    }
}
