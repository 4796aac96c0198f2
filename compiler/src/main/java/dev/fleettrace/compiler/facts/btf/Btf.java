package dev.fleettrace.compiler.facts.btf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The kernel's BTF ({@code /sys/kernel/btf/vmlinux}): every type the kernel was built with, so struct
 * layouts and function signatures are known without kernel headers. Pure: it parses the bytes given
 * (the format of {@code include/uapi/linux/btf.h}); types are decoded on demand from an index built once.
 */
public final class Btf {
    public static final int INT = 1, PTR = 2, ARRAY = 3, STRUCT = 4, UNION = 5, ENUM = 6, FWD = 7, TYPEDEF = 8, VOLATILE = 9,
            CONST = 10, RESTRICT = 11, FUNC = 12, FUNC_PROTO = 13, VAR = 14, DATASEC = 15, FLOAT = 16, DECL_TAG = 17,
            TYPE_TAG = 18, ENUM64 = 19;

    private static final int MAGIC = 0xeB9F;

    private final ByteBuffer b;
    private final int strStart, strLen;
    /** Per type id (index 0 is void): where its struct btf_type starts. */
    private final int[] at;
    private Map<String, List<Integer>> byName;

    private Btf(ByteBuffer b) {
        this.b = b.order(ByteOrder.LITTLE_ENDIAN);
        if (Short.toUnsignedInt(b.getShort(0)) != MAGIC) throw new BtfException("not BTF data (bad magic)");
        int hdrLen = b.getInt(4);
        int typeOff = b.getInt(8), typeLen = b.getInt(12);
        strStart = hdrLen + b.getInt(16);
        strLen = b.getInt(20);
        int typeStart = hdrLen + typeOff, typeEnd = typeStart + typeLen;
        List<Integer> offsets = new ArrayList<>(1 << 17);
        offsets.add(-1);
        int o = typeStart;
        while (o < typeEnd) {
            offsets.add(o);
            o += 12 + extraSize(o);
        }
        at = offsets.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Parses raw BTF (what {@code /sys/kernel/btf/vmlinux} holds). */
    public static Btf parse(byte[] bytes) {
        try {
            return new Btf(ByteBuffer.wrap(bytes));
        } catch (IndexOutOfBoundsException e) {
            throw new BtfException("truncated BTF data");
        }
    }

    private int extraSize(int o) {
        int info = b.getInt(o + 4);
        int vlen = info & 0xffff;
        return switch ((info >>> 24) & 0x1f) {
            case INT, VAR, DECL_TAG -> 4;
            case ARRAY -> 12;
            case STRUCT, UNION -> 12 * vlen;
            case ENUM, FUNC_PROTO -> 8 * vlen;
            case DATASEC, ENUM64 -> 12 * vlen;
            default -> 0;
        };
    }

    /** Number of type ids, void (0) included. */
    public int count() {
        return at.length;
    }

    public int kind(int id) {
        return id == 0 ? 0 : (b.getInt(at[id] + 4) >>> 24) & 0x1f;
    }

    public int vlen(int id) {
        return b.getInt(at[id] + 4) & 0xffff;
    }

    public boolean kindFlag(int id) {
        return b.getInt(at[id] + 4) < 0;
    }

    /** The type's name; empty for anonymous types and void. */
    public String name(int id) {
        return id == 0 ? "" : string(b.getInt(at[id]));
    }

    /** {@code size} for INT, STRUCT, UNION, ENUM, DATASEC, FLOAT; {@code type} for the others. */
    private int sizeOrType(int id) {
        return b.getInt(at[id] + 8);
    }

    /** The referenced type of PTR, TYPEDEF, CONST, VOLATILE, RESTRICT, TYPE_TAG, FUNC, VAR, DECL_TAG. */
    public int ref(int id) {
        return sizeOrType(id);
    }

    String string(int off) {
        int start = strStart + off, end = start;
        int limit = strStart + strLen;
        while (end < limit && b.get(end) != 0) end++;
        byte[] s = new byte[end - start];
        b.get(start, s);
        return new String(s, StandardCharsets.ISO_8859_1);
    }

    // ---- lookups

    private synchronized Map<String, List<Integer>> byName() {
        if (byName == null) {
            Map<String, List<Integer>> m = new HashMap<>(at.length);
            for (int id = 1; id < at.length; id++) {
                int nameOff = b.getInt(at[id]);
                if (nameOff == 0) continue;
                m.computeIfAbsent(string(nameOff), k -> new ArrayList<>(1)).add(id);
            }
            byName = m;
        }
        return byName;
    }

    /** The first type of {@code kind} named {@code name} (a struct, union, typedef, enum, func). */
    public Optional<Integer> find(String name, int kind) {
        List<Integer> ids = byName().get(name);
        if (ids == null) return Optional.empty();
        // Forward declarations are their own kind (FWD), so a STRUCT of this name is its definition.
        for (int id : ids) if (kind(id) == kind) return Optional.of(id);
        return Optional.empty();
    }

    /** Names of every type of {@code kind}, in id order. */
    public List<String> names(int kind) {
        List<String> out = new ArrayList<>();
        for (int id = 1; id < at.length; id++) if (kind(id) == kind && b.getInt(at[id]) != 0) out.add(name(id));
        return out;
    }

    /** Strips typedefs, const, volatile, restrict and type tags. */
    public int resolve(int id) {
        for (int guard = 0; guard < 64 && id != 0; guard++) {
            switch (kind(id)) {
                case TYPEDEF, CONST, VOLATILE, RESTRICT, TYPE_TAG -> id = ref(id);
                default -> {
                    return id;
                }
            }
        }
        return id;
    }

    /** Size in bytes of the type (through typedefs and qualifiers); pointers are 8, void and functions 0. */
    public long sizeOf(int id) {
        id = resolve(id);
        return switch (kind(id)) {
            case INT, STRUCT, UNION, ENUM, ENUM64, DATASEC, FLOAT -> Integer.toUnsignedLong(sizeOrType(id));
            case PTR -> 8;
            case ARRAY -> sizeOf(array(id).elementType()) * array(id).length();
            default -> 0;
        };
    }

    // ---- kind-specific data

    /** INT's encoding: bits, signedness, char, bool. */
    public record IntInfo(int bits, boolean signed, boolean isChar, boolean isBool) {}

    public IntInfo intInfo(int id) {
        int enc = b.getInt(at[id] + 12);
        int e = (enc >>> 24) & 0xf;
        return new IntInfo(enc & 0xff, (e & 1) != 0, (e & 2) != 0, (e & 4) != 0);
    }

    public record ArrayInfo(int elementType, int indexType, long length) {}

    public ArrayInfo array(int id) {
        int o = at[id] + 12;
        return new ArrayInfo(b.getInt(o), b.getInt(o + 4), Integer.toUnsignedLong(b.getInt(o + 8)));
    }

    /** A struct or union member: {@code bitOffset} from the start; {@code bitSize} 0 unless a bitfield. */
    public record Member(String name, int type, long bitOffset, int bitSize) {}

    public List<Member> members(int id) {
        int n = vlen(id);
        boolean kf = kindFlag(id);
        List<Member> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int o = at[id] + 12 + 12 * i;
            int off = b.getInt(o + 8);
            long bitOff = kf ? off & 0xffffff : Integer.toUnsignedLong(off);
            int bitSize = kf ? off >>> 24 : 0;
            out.add(new Member(string(b.getInt(o)), b.getInt(o + 4), bitOff, bitSize));
        }
        return out;
    }

    /** A function parameter: name (may be empty) and type. */
    public record Param(String name, int type) {}

    /** FUNC_PROTO's parameters (a last one of type 0 means varargs). */
    public List<Param> params(int protoId) {
        int n = vlen(protoId);
        List<Param> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int o = at[protoId] + 12 + 8 * i;
            out.add(new Param(string(b.getInt(o)), b.getInt(o + 4)));
        }
        return out;
    }

    /** A kernel function's signature, from FUNC and its FUNC_PROTO. */
    public record Function(String name, int id, int returnType, List<Param> params) {}

    public Optional<Function> function(String name) {
        return find(name, FUNC).map(id -> {
            int proto = ref(id);
            return new Function(name, id, ref(proto), params(proto));
        });
    }

    /** The C spelling of a type, as bpftrace prints it in {@code -lv} ({@code struct file *}, {@code unsigned long}). */
    public String typeName(int id) {
        if (id == 0) return "void";
        return switch (kind(id)) {
            case INT, FLOAT, TYPEDEF -> name(id);
            case STRUCT -> "struct " + name(id);
            case UNION -> "union " + name(id);
            case ENUM, ENUM64 -> "enum " + name(id);
            case FWD -> (kindFlag(id) ? "union " : "struct ") + name(id);
            case PTR -> {
                String inner = typeName(ref(id));
                yield inner.endsWith("*") ? inner + "*" : inner + " *";
            }
            case CONST -> "const " + typeName(ref(id));
            case VOLATILE -> "volatile " + typeName(ref(id));
            case RESTRICT, TYPE_TAG -> typeName(ref(id));
            case ARRAY -> typeName(array(id).elementType()) + "[" + array(id).length() + "]";
            case FUNC_PROTO -> "void *";
            default -> name(id);
        };
    }
}
