package dev.fleettrace.compiler.sema;

import dev.fleettrace.compiler.facts.TracepointFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Types of tracepoint fields, from the C declarations in the format file. The declared type decides
 * the width ({@code unsigned int whence} is 32 bits though the syscall record gives it 8 bytes), as in
 * bpftrace; unknown typedefs fall back to the size and signedness the format line states.
 */
public final class TracepointTypes {
    private TracepointTypes() {}

    /** Common kernel typedefs: bits and signedness. */
    private static final Map<String, Type.Int> TYPEDEFS = Map.ofEntries(
            Map.entry("pid_t", new Type.Int(32, true)), Map.entry("uid_t", new Type.Int(32, false)),
            Map.entry("gid_t", new Type.Int(32, false)), Map.entry("size_t", new Type.Int(64, false)),
            Map.entry("ssize_t", new Type.Int(64, true)), Map.entry("off_t", new Type.Int(64, true)),
            Map.entry("loff_t", new Type.Int(64, true)), Map.entry("umode_t", new Type.Int(16, false)),
            Map.entry("dev_t", new Type.Int(32, false)), Map.entry("key_t", new Type.Int(32, true)),
            Map.entry("clockid_t", new Type.Int(32, true)), Map.entry("time_t", new Type.Int(64, true)),
            Map.entry("mqd_t", new Type.Int(32, true)), Map.entry("qid_t", new Type.Int(32, false)),
            Map.entry("timer_t", new Type.Int(32, true)), Map.entry("rwf_t", new Type.Int(32, true)),
            Map.entry("key_serial_t", new Type.Int(32, true)), Map.entry("aio_context_t", new Type.Int(64, false)),
            Map.entry("bool", new Type.Int(8, false)), Map.entry("_Bool", new Type.Int(8, false)),
            Map.entry("gfp_t", new Type.Int(32, false)), Map.entry("fmode_t", new Type.Int(32, false)),
            Map.entry("sector_t", new Type.Int(64, false)), Map.entry("blkcnt_t", new Type.Int(64, false)),
            Map.entry("ino_t", new Type.Int(64, false)), Map.entry("nlink_t", new Type.Int(32, false)),
            Map.entry("uintptr_t", new Type.Int(64, false)), Map.entry("dma_addr_t", new Type.Int(64, false)),
            Map.entry("phys_addr_t", new Type.Int(64, false)), Map.entry("resource_size_t", new Type.Int(64, false)),
            Map.entry("cputime_t", new Type.Int(64, false)), Map.entry("ktime_t", new Type.Int(64, true)));

    /** The record of {@code tracepoint:cat:event} as a struct named as bpftrace names it. */
    public static Type.Struct struct(TracepointFormat f) {
        List<Type.Member> members = new ArrayList<>();
        int size = 0;
        for (TracepointFormat.Field field : f.fields()) {
            members.add(member(f, field));
            size = Math.max(size, field.offset() + field.size());
        }
        return new Type.Struct("_tracepoint_" + f.category() + "_" + f.event(), size, members);
    }

    static Type.Member member(TracepointFormat f, TracepointFormat.Field field) {
        String t = field.type().replace("const ", "").replace("volatile ", "").trim();
        if (t.startsWith("__data_loc")) {
            return new Type.Member(field.name(), new Type.Str(64), field.offset(), true);
        }
        if (t.contains("*")) {
            String pointee = t.substring(0, t.indexOf('*')).trim();
            Type inner = pointee.equals("char") || pointee.equals("unsigned char") ? new Type.Int(8, pointee.equals("char")) : integer(pointee, 8, false);
            // Syscall arguments point into the calling process; other tracepoints' pointers are kernel's.
            return new Type.Member(field.name(), new Type.Pointer(inner, f.category().equals("syscalls")), field.offset());
        }
        int bracket = t.indexOf('[');
        if (bracket >= 0) {
            String elem = t.substring(0, bracket).trim();
            int len = field.size();
            String n = t.substring(bracket + 1, t.indexOf(']', bracket)).trim();
            Type.Int e = integer(elem, 1, field.signed());
            if (!n.isEmpty() && n.chars().allMatch(Character::isDigit)) len = Integer.parseInt(n);
            else len = field.size() / e.size();
            if (elem.equals("char")) return new Type.Member(field.name(), new Type.Str(len), field.offset());
            return new Type.Member(field.name(), new Type.Array(e, len), field.offset());
        }
        return new Type.Member(field.name(), integer(t, field.size(), field.signed()), field.offset());
    }

    /** The integer type a C type name declares; unknown names fall back to the format's size and sign. */
    static Type.Int integer(String c, int size, boolean signed) {
        Type.Int known = TYPEDEFS.get(c);
        if (known != null) return known;
        String s = c.replace("__", "");
        if (s.matches("[su](8|16|32|64)")) return new Type.Int(Integer.parseInt(s.substring(1)), s.charAt(0) == 's');
        if (s.matches("u?int(8|16|32|64)_t")) return new Type.Int(Integer.parseInt(s.replaceAll("\\D", "")), !s.startsWith("u"));
        List<String> words = List.of(c.split("\\s+"));
        boolean unsigned = words.contains("unsigned");
        if (words.contains("char")) return new Type.Int(8, !unsigned);
        if (words.contains("short")) return new Type.Int(16, !unsigned);
        if (words.contains("long")) return new Type.Int(64, !unsigned);
        if (words.contains("int") || words.contains("unsigned") || words.contains("signed")) return new Type.Int(32, !unsigned);
        int bits = Math.min(64, Math.max(8, Integer.highestOneBit(Math.max(1, size)) * 8));
        return new Type.Int(bits, signed);
    }
}
