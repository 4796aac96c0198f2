package dev.fleettrace.compiler.sema;

import dev.fleettrace.compiler.facts.btf.Btf;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The kernel's BTF types as bpftrace types. Structs are converted one level deep: a member that points
 * to a struct gets an opaque struct (no members) named after it, completed from BTF when a field of it
 * is accessed ({@link #complete}), so {@code task_struct}'s graph of pointers is never walked whole.
 */
public final class BtfTypes {
    private BtfTypes() {}

    /** {@code struct NAME} ({@code union} when {@code union}) from BTF, or empty when the kernel has none. */
    public static Optional<Type.Struct> struct(Btf btf, String name, boolean union) {
        return btf.find(name, union ? Btf.UNION : Btf.STRUCT).map(id -> convertStruct(btf, id, name));
    }

    /** The struct {@code s} with its members when it is an opaque one from a pointer; {@code s} otherwise. */
    public static Type.Struct complete(Btf btf, Type.Struct s) {
        if (!s.members().isEmpty() || s.name().startsWith("_tracepoint_")) return s;
        return struct(btf, s.name(), false).or(() -> struct(btf, s.name(), true)).orElse(s);
    }

    /** A C type name as written in a cast ({@code struct task_struct}, {@code union x}); empty when unknown. */
    public static Optional<Type.Struct> named(Btf btf, String cName) {
        if (cName.startsWith("struct ")) return struct(btf, cName.substring(7).trim(), false);
        if (cName.startsWith("union ")) return struct(btf, cName.substring(6).trim(), true);
        return btf.find(cName, Btf.TYPEDEF).map(btf::resolve).filter(id -> btf.kind(id) == Btf.STRUCT || btf.kind(id) == Btf.UNION)
                .map(id -> convertStruct(btf, id, btf.name(id)));
    }

    private static Type.Struct convertStruct(Btf btf, int id, String name) {
        List<Type.Member> members = new ArrayList<>();
        addMembers(btf, id, 0, members);
        return new Type.Struct(name, (int) btf.sizeOf(id), members);
    }

    /** Members at {@code base} bytes; an anonymous struct or union member's fields are the struct's own, as in C. */
    private static void addMembers(Btf btf, int id, long base, List<Type.Member> out) {
        for (Btf.Member m : btf.members(id)) {
            long byteOff = base + m.bitOffset() / 8;
            int inner = btf.resolve(m.type());
            if (m.name().isEmpty() && (btf.kind(inner) == Btf.STRUCT || btf.kind(inner) == Btf.UNION)) {
                addMembers(btf, inner, byteOff, out);
                continue;
            }
            if (m.name().isEmpty()) continue;
            int shift = (int) (m.bitOffset() % 8);
            if (m.bitSize() > 0 || shift != 0) {
                // A bitfield: read the smallest word holding it, then shift and mask.
                int bits = m.bitSize() > 0 ? m.bitSize() : (int) btf.sizeOf(m.type()) * 8;
                int need = (shift + bits + 7) / 8;
                int bytes = need <= 1 ? 1 : need <= 2 ? 2 : need <= 4 ? 4 : 8;
                boolean signed = of(btf, m.type(), false) instanceof Type.Int i && i.signed();
                out.add(new Type.Member(m.name(), new Type.Int(bytes * 8, signed), (int) byteOff, false, shift, bits));
                continue;
            }
            out.add(new Type.Member(m.name(), of(btf, m.type(), false), (int) byteOff));
        }
    }

    /** The bpftrace type of BTF type {@code id}; pointers are user pointers when {@code user}. */
    public static Type of(Btf btf, int id, boolean user) {
        int r = btf.resolve(id);
        return switch (btf.kind(r)) {
            case Btf.INT -> integer(btf, r);
            case Btf.ENUM, Btf.ENUM64 -> new Type.Int(bits((int) btf.sizeOf(r)), btf.kindFlag(r));
            case Btf.PTR -> new Type.Pointer(pointee(btf, btf.ref(r), user), user);
            case Btf.ARRAY -> {
                Btf.ArrayInfo a = btf.array(r);
                Type e = of(btf, a.elementType(), user);
                int len = (int) Math.min(Integer.MAX_VALUE, a.length());
                if (e instanceof Type.Int i && i.bits() == 8 && isChar(btf, a.elementType())) yield new Type.Str(Math.max(1, len));
                yield new Type.Array(e, len);
            }
            case Btf.STRUCT, Btf.UNION -> convertStruct(btf, r, btf.name(r));
            case Btf.FWD -> new Type.Struct(btf.name(r), 0, List.of());
            default -> Type.Int.UINT64;
        };
    }

    private static Type pointee(Btf btf, int id, boolean user) {
        int r = btf.resolve(id);
        return switch (btf.kind(r)) {
            case Btf.STRUCT, Btf.UNION, Btf.FWD -> new Type.Struct(btf.name(r), (int) btf.sizeOf(r), List.of());
            case Btf.PTR -> new Type.Pointer(pointee(btf, btf.ref(r), user), user);
            case Btf.INT, Btf.ENUM, Btf.ENUM64 -> of(btf, r, user);
            default -> new Type.Int(8, false); // void *, function pointers
        };
    }

    private static boolean isChar(Btf btf, int id) {
        int r = btf.resolve(id);
        return btf.kind(r) == Btf.INT && btf.sizeOf(r) == 1;
    }

    private static Type.Int integer(Btf btf, int id) {
        Btf.IntInfo info = btf.intInfo(id);
        int size = (int) btf.sizeOf(id);
        if (info.isBool()) return new Type.Int(8, false);
        return new Type.Int(bits(size), info.signed());
    }

    /** Bits of an integer of {@code size} bytes (8 when the size is not 1, 2 or 4). */
    static int bits(int size) {
        return switch (size) {
            case 1 -> 8;
            case 2 -> 16;
            case 4 -> 32;
            default -> 64;
        };
    }

    /** The argument record of {@code kfunc:FUNC}: each parameter in its own 8-byte slot, as fentry programs see them. */
    public static Type.Struct kfuncArgs(Btf btf, Btf.Function f) {
        List<Type.Member> members = new ArrayList<>();
        int i = 0;
        for (Btf.Param p : f.params()) {
            if (p.type() == 0) break; // varargs
            String name = p.name().isEmpty() ? "arg" + i : p.name();
            members.add(new Type.Member(name, of(btf, p.type(), false), 8 * i));
            i++;
        }
        return new Type.Struct("kfunc_" + f.name(), 8 * i, members);
    }

    /** The type of {@code retval} in {@code kretfunc:FUNC}: the function's return type, integers and pointers as such. */
    public static Type returnType(Btf btf, Btf.Function f) {
        if (f.returnType() == 0) return Type.Int.UINT64;
        Type t = of(btf, f.returnType(), false);
        return t instanceof Type.Int || t instanceof Type.Pointer ? t : Type.Int.UINT64;
    }
}
