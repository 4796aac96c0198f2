package dev.fleettrace.compiler.sema;

import dev.fleettrace.compiler.facts.dwarf.DebugInfo;
import dev.fleettrace.compiler.facts.dwarf.DwarfType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A uprobe's {@code args} from the function's DWARF: each parameter's bpftrace type and where the
 * System V AMD64 calling convention puts it at the function's entry.
 *
 * <p>The record {@code args} points to models the argument area: the six integer registers, 8 bytes
 * each, then the caller's stack words. A member at offset {@code 8*k < 48} is register k (rdi, rsi,
 * rdx, rcx, r8, r9); one at {@code 48 + 8*s} is stack word s above the return address. Floating-point
 * parameters travel in SSE registers and take no integer register, so a {@code double} before an
 * {@code int} does not shift it.
 *
 * @param struct      the parameters fleettrace can read, at their argument-area offsets
 * @param unsupported parameters whose type it cannot read (floating point, structs by value), with the type's name
 *                    (as {@code -lv} prints it)
 * @param unlocated   parameters after one whose registers it cannot work out (a struct or union by value)
 */
record DwarfArgs(Type.Struct struct, Map<String, String> unsupported, List<String> unlocated) {

    static final int REGISTER_AREA = 48;
    private static final int MAX_DEPTH = 4;

    /** The arguments of {@code fn}, read from {@code di}. */
    static DwarfArgs of(DebugInfo di, DwarfType.Subprogram fn) {
        List<Type.Member> members = new ArrayList<>();
        Map<String, String> unsupported = new LinkedHashMap<>();
        List<String> unlocated = new ArrayList<>();
        int gp = 0, sse = 0, stack = 0;
        boolean lost = false;
        for (DwarfType.Parameter p : fn.parameters()) {
            DwarfType t = peel(p.type());
            String name = p.name();
            if (lost) {
                if (!name.isEmpty()) unlocated.add(name);
                continue;
            }
            int at = -1;
            switch (t) {
                case DwarfType.Base b when b.encoding() == DwarfType.ATE_FLOAT && b.byteSize() <= 8 -> {
                    if (sse < 8) sse++;
                    else stack++;
                }
                case DwarfType.Base b when b.byteSize() > 8 -> {
                    // long double and __int128: 16 bytes, 16-aligned on the stack (__int128 in two registers when free).
                    if (b.encoding() != DwarfType.ATE_FLOAT && gp <= 4) gp += 2;
                    else stack = (stack + 1) / 2 * 2 + 2;
                }
                // INTEGER class: the next integer register, else the next stack word. (null: void, as in a K&R declaration.)
                case DwarfType.Base _, DwarfType.Enum _, DwarfType.Pointer _ -> at = gp < 6 ? 8 * gp++ : REGISTER_AREA + 8 * stack++;
                case null -> at = gp < 6 ? 8 * gp++ : REGISTER_AREA + 8 * stack++;
                default -> lost = true; // structs and unions by value: their classification is beyond this
            }
            if (name.isEmpty()) continue;
            Type bt = at < 0 ? null : of(di, t, 0);
            if (bt == null) unsupported.put(name, DebugInfo.typeName(p.type()));
            else members.add(new Type.Member(name, bt, at));
        }
        return new DwarfArgs(new Type.Struct("uprobe_args_" + fn.name(), REGISTER_AREA + 8 * stack, members), unsupported, unlocated);
    }

    /** Typedefs and qualifiers removed; null for void. */
    static DwarfType peel(DwarfType t) {
        while (true) {
            switch (t) {
                case DwarfType.Typedef td -> t = td.inner();
                case DwarfType.Qualified q -> t = q.inner();
                case null, default -> {
                    return t;
                }
            }
        }
    }

    /** The bpftrace type of a value of DWARF type {@code t}, or null when fleettrace cannot read one. */
    static Type of(DebugInfo di, DwarfType t, int depth) {
        return switch (peel(t)) {
            case DwarfType.Base b -> integer(b);
            case DwarfType.Enum e -> new Type.Int(BtfTypes.bits(e.byteSize()), false);
            case DwarfType.Pointer p -> new Type.Pointer(pointee(di, p.target(), depth), true);
            case DwarfType.Composite c -> depth < MAX_DEPTH ? struct(di, c, depth + 1) : null;
            case DwarfType.Array a -> array(di, a, depth);
            case null, default -> null;
        };
    }

    private static Type integer(DwarfType.Base b) {
        if (b.byteSize() < 1 || b.byteSize() > 8 || Integer.bitCount(b.byteSize()) != 1) return null;
        return switch (b.encoding()) {
            case DwarfType.ATE_SIGNED, DwarfType.ATE_SIGNED_CHAR -> new Type.Int(BtfTypes.bits(b.byteSize()), true);
            case DwarfType.ATE_UNSIGNED, DwarfType.ATE_UNSIGNED_CHAR, DwarfType.ATE_BOOLEAN -> new Type.Int(BtfTypes.bits(b.byteSize()), false);
            default -> null;
        };
    }

    /** What a pointer points to: as BTF's pointers, void and what cannot be read become bytes. */
    private static Type pointee(DebugInfo di, DwarfType target, int depth) {
        Type t = switch (peel(target)) {
            case DwarfType.Composite c -> depth < MAX_DEPTH ? struct(di, c, depth + 1) : new Type.Struct(c.name(), c.byteSize(), List.of());
            case null -> null;
            default -> of(di, target, depth + 1);
        };
        return t == null || t instanceof Type.Array || t instanceof Type.Str ? new Type.Int(8, false) : t;
    }

    private static Type array(DebugInfo di, DwarfType.Array a, int depth) {
        Type element = of(di, a.element(), depth);
        if (element == null) return null;
        Type out = element;
        List<Long> counts = a.counts();
        for (int i = counts.size() - 1; i >= 0; i--) {
            long n = counts.get(i);
            if (n < 0 || n > 1 << 16) return null;
            boolean chars = out instanceof Type.Int in && in.bits() == 8 && i == counts.size() - 1 && isChar(a.element());
            out = chars ? new Type.Str((int) Math.max(1, n)) : new Type.Array(out, (int) n);
        }
        return out;
    }

    private static boolean isChar(DwarfType t) {
        return peel(t) instanceof DwarfType.Base b && b.byteSize() == 1
                && (b.encoding() == DwarfType.ATE_SIGNED_CHAR || b.encoding() == DwarfType.ATE_UNSIGNED_CHAR);
    }

    /** A struct or union with its members; an anonymous struct or union member's fields are its own, as in C. */
    private static Type.Struct struct(DebugInfo di, DwarfType.Composite c, int depth) {
        List<Type.Member> members = new ArrayList<>();
        addMembers(di, c, 0, depth, members);
        return new Type.Struct(c.name().isEmpty() ? "<anonymous>" : c.name(), c.byteSize(), members);
    }

    private static void addMembers(DebugInfo di, DwarfType.Composite c, long base, int depth, List<Type.Member> out) {
        for (DwarfType.Member m : di.members(c)) {
            long off = base + m.byteOffset();
            DwarfType mt = peel(m.type());
            if (m.name().isEmpty() && mt instanceof DwarfType.Composite inner) {
                addMembers(di, inner, off, depth, out);
                continue;
            }
            if (m.name().isEmpty()) continue;
            if (m.bitSize() > 0) {
                int need = (m.bitOffset() + m.bitSize() + 7) / 8;
                int bytes = need <= 1 ? 1 : need <= 2 ? 2 : need <= 4 ? 4 : 8;
                boolean signed = of(di, mt, depth) instanceof Type.Int i && i.signed();
                out.add(new Type.Member(m.name(), new Type.Int(bytes * 8, signed), (int) off, false, m.bitOffset(), m.bitSize()));
                continue;
            }
            Type t = of(di, mt, depth);
            if (t != null) out.add(new Type.Member(m.name(), t, (int) off));
        }
    }
}
