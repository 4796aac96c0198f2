package dev.fleettrace.compiler.facts.btf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes raw BTF (the layout of {@code /sys/kernel/btf/vmlinux}) for tests: types are added in order and
 * get ids 1, 2, ...; each method returns the new id.
 */
public final class BtfBuilder {
    private final ByteArrayOutputStream types = new ByteArrayOutputStream();
    private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
    private int next = 1;

    public BtfBuilder() {
        strings.write(0);
    }

    private int str(String s) {
        if (s.isEmpty()) return 0;
        int off = strings.size();
        strings.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
        strings.write(0);
        return off;
    }

    private void u32(int v) {
        types.write(v);
        types.write(v >>> 8);
        types.write(v >>> 16);
        types.write(v >>> 24);
    }

    private int type(String name, int kind, int vlen, boolean kflag, int sizeOrType) {
        u32(str(name));
        u32((kflag ? 1 << 31 : 0) | kind << 24 | vlen);
        u32(sizeOrType);
        return next++;
    }

    public int integer(String name, int bytes, boolean signed) {
        int id = type(name, Btf.INT, 0, false, bytes);
        u32((signed ? 1 : 0) << 24 | bytes * 8);
        return id;
    }

    public int pointer(int to) {
        return type("", Btf.PTR, 0, false, to);
    }

    public int typedef(String name, int to) {
        return type(name, Btf.TYPEDEF, 0, false, to);
    }

    public int constOf(int to) {
        return type("", Btf.CONST, 0, false, to);
    }

    public int array(int element, int index, int length) {
        int id = type("", Btf.ARRAY, 0, false, 0);
        u32(element);
        u32(index);
        u32(length);
        return id;
    }

    /** A struct member: {@code bitSize} 0 unless a bitfield. */
    public record Member(String name, int type, int bitOffset, int bitSize) {
        public Member(String name, int type, int byteOffset) {
            this(name, type, byteOffset * 8, 0);
        }
    }

    /** Declares a struct now (so members may point back to it) and fills it with {@link #members}. */
    public int struct(String name, int size, List<Member> members) {
        return record(name, Btf.STRUCT, size, members);
    }

    public int union(String name, int size, List<Member> members) {
        return record(name, Btf.UNION, size, members);
    }

    private int record(String name, int kind, int size, List<Member> members) {
        boolean kflag = members.stream().anyMatch(m -> m.bitSize() > 0);
        int id = type(name, kind, members.size(), kflag, size);
        for (Member m : members) {
            u32(str(m.name()));
            u32(m.type());
            u32(kflag ? m.bitSize() << 24 | m.bitOffset() : m.bitOffset());
        }
        return id;
    }

    public int forward(String name) {
        return type(name, Btf.FWD, 0, false, 0);
    }

    /** A FUNC_PROTO then its FUNC; returns the FUNC's id. */
    public int function(String name, int returnType, List<String> paramNames, List<Integer> paramTypes) {
        int proto = type("", Btf.FUNC_PROTO, paramNames.size(), false, returnType);
        for (int i = 0; i < paramNames.size(); i++) {
            u32(str(paramNames.get(i)));
            u32(paramTypes.get(i));
        }
        return type(name, Btf.FUNC, 0, false, proto);
    }

    /** The next id that will be handed out, to refer to a type before it is added. */
    public int nextId() {
        return next;
    }

    public byte[] build() {
        byte[] t = types.toByteArray(), s = strings.toByteArray();
        ByteBuffer b = ByteBuffer.allocate(24 + t.length + s.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) 0xeB9F).put((byte) 1).put((byte) 0).putInt(24);
        b.putInt(0).putInt(t.length).putInt(t.length).putInt(s.length);
        b.put(t).put(s);
        return b.array();
    }

    /**
     * A small kernel: {@code struct task_struct} (pid, comm, a bitfield, a pointer to its parent, an
     * embedded {@code struct sched_entity se} and an anonymous union), {@code struct file}, and
     * {@code vfs_read(struct file *file, char *buf, size_t count, loff_t *pos)} returning {@code ssize_t}.
     */
    public static Btf kernel() {
        BtfBuilder b = new BtfBuilder();
        int i32 = b.integer("int", 4, true);
        int u32 = b.integer("unsigned int", 4, false);
        int i64 = b.integer("long int", 8, true);
        int u64 = b.integer("long unsigned int", 8, false);
        int ch = b.integer("char", 1, true);
        int pid = b.typedef("pid_t", i32);
        int size = b.typedef("size_t", u64);
        int ssize = b.typedef("ssize_t", i64);
        int loff = b.typedef("loff_t", i64);
        int comm = b.array(ch, i32, 16);
        int se = b.struct("sched_entity", 16, List.of(new Member("on_rq", u32, 0), new Member("vruntime", u64, 8)));
        int taskId = b.nextId() + 2; // after the pointer and the union below
        int taskPtr = b.pointer(taskId);
        int anon = b.union("", 8, List.of(new Member("flags_word", u64, 0), new Member("flags_low", u32, 0)));
        b.struct("task_struct", 80, List.of(
                new Member("state", i64, 0),
                new Member("pid", pid, 8),
                new Member("tgid", pid, 12),
                new Member("comm", comm, 16),
                new Member("in_execve", u32, 32 * 8, 1),
                new Member("in_iowait", u32, 32 * 8 + 1, 1),
                new Member("real_parent", taskPtr, 40),
                new Member("se", se, 48),
                new Member("", anon, 64),
                new Member("exit_code", i32, 72)));
        int file = b.struct("file", 16, List.of(new Member("f_flags", u32, 0), new Member("f_pos", loff, 8)));
        int filePtr = b.pointer(file);
        int charPtr = b.pointer(ch);
        int loffPtr = b.pointer(loff);
        b.function("vfs_read", ssize, List.of("file", "buf", "count", "pos"), List.of(filePtr, charPtr, size, loffPtr));
        b.function("do_nanosleep", i32, List.of("t", "mode"), List.of(b.pointer(b.forward("hrtimer_sleeper")), u32));
        return Btf.parse(b.build());
    }
}
