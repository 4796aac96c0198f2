package dev.fleettrace.compiler.codegen;

import dev.fleettrace.bpf.AluOp;
import dev.fleettrace.bpf.Helper;
import dev.fleettrace.bpf.Reg;
import dev.fleettrace.bpf.Size;
import dev.fleettrace.bpf.Src;
import dev.fleettrace.compiler.ast.Expr;
import dev.fleettrace.compiler.sema.Type;

/**
 * Fields of structs in memory ({@code ((struct task_struct *)curtask)->pid}, {@code a->b.c}): the
 * address is worked out from the pointer and the members' offsets (from BTF), and only the field is
 * read, with {@code bpf_probe_read_kernel} (or {@code _user} for user-space pointers).
 */
final class StructAccess {
    private final ProbeCodegen g;

    StructAccess(ProbeCodegen g) {
        this.g = g;
    }

    private Type.Member member(Expr.Field f) {
        Type t = g.prog.typeOf(f.target());
        Type.Struct s = f.arrow() ? (Type.Struct) ((Type.Pointer) t).pointee() : (Type.Struct) t;
        return s.member(f.field()).orElseThrow(() -> new ProbeCodegen.Unsupported(f.span(), "no field " + f.field() + " in " + s));
    }

    /** Whether the memory is the user's: the pointer at the root of the access says so. */
    private boolean user(Expr e) {
        if (e instanceof Expr.Field f) return f.arrow() ? g.prog.typeOf(f.target()) instanceof Type.Pointer p && p.user() : user(f.target());
        return g.prog.typeOf(e) instanceof Type.Pointer p && p.user();
    }

    /** The address of the field {@code f} names, as a Val. */
    private Val address(Expr.Field f) {
        Type.Member m = member(f);
        Val base;
        if (f.arrow()) {
            base = g.intExpr(f.target());
        } else if (f.target() instanceof Expr.Field inner) {
            base = address(inner);
        } else {
            throw new ProbeCodegen.Unsupported(f.span(), "field access on this expression is not supported yet");
        }
        if (m.offset() == 0) return base;
        if (base instanceof Val.Const(long c)) return new Val.Const(c + m.offset());
        return g.unaryAlu(base, r -> g.a.add(r, m.offset()));
    }

    /** An integer or pointer field's value. */
    Val field(Expr.Field f) {
        Type.Member m = member(f);
        int size = switch (m.type()) {
            case Type.Int i -> i.size();
            case Type.Pointer p -> 8;
            default -> throw new ProbeCodegen.Unsupported(f.span(), f.field() + " of type " + m.type() + " cannot be used as an integer");
        };
        Val addr = address(f);
        int buf = g.frame.alloc(8);
        g.a.storeImm(Size.DW, Reg.R10, buf, 0);
        read(addr, buf, size, user(f));
        g.release(addr);
        return g.produce(r -> {
            g.a.load(Size.ofBytes(size), r, Reg.R10, buf);
            if (m.bitfield()) {
                if (m.bitShift() > 0) g.a.alu(AluOp.RSH, r, m.bitShift());
                if (m.bitSize() < 32) g.a.alu(AluOp.AND, r, (1 << m.bitSize()) - 1);
                else if (m.bitSize() < 64) g.a.emit(new dev.fleettrace.bpf.Insn.LoadImm64(Reg.R1, (1L << m.bitSize()) - 1)).alu(AluOp.AND, r, Reg.R1);
            } else if (m.type() instanceof Type.Int t && t.signed() && t.bits() < 64) {
                g.a.alu(AluOp.LSH, r, 64 - t.bits()).alu(AluOp.ARSH, r, 64 - t.bits());
            }
        });
    }

    /** A char array field ({@code comm[16]}) as a string into {@code cap} bytes at r10+off, NUL-terminated. */
    void strInto(Expr.Field f, int off, int cap) {
        Type.Member m = member(f);
        int len = Math.min(m.type().size(), cap);
        g.zero(off, cap);
        Val addr = address(f);
        read(addr, off, len, user(f));
        g.release(addr);
        if (len == cap) g.a.storeImm(Size.B, Reg.R10, off + cap - 1, 0);
    }

    /** {@code bpf_probe_read_*(r10+buf, size, addr)}. */
    private void read(Val addr, int buf, int size, boolean user) {
        Reg ar = g.load(addr, Reg.R3);
        if (ar != Reg.R3) g.a.mov(Reg.R3, ar);
        g.a.mov(Reg.R1, Reg.R10).add(Reg.R1, buf).mov(Reg.R2, Src.imm(size)).call(user ? Helper.PROBE_READ_USER : Helper.PROBE_READ_KERNEL);
    }
}
