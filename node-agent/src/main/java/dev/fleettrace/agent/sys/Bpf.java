package dev.fleettrace.agent.sys;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The bpf(2) commands fleettrace uses, as plain Java calls. Each call builds its {@code union bpf_attr}
 * in a confined arena (zeroed, as the kernel requires for unused fields) and copies keys and values
 * between the heap and native memory. Offsets are those of {@code include/uapi/linux/bpf.h} on x86-64.
 */
public final class Bpf {
    private Bpf() {}

    // enum bpf_cmd
    private static final int MAP_CREATE = 0, MAP_LOOKUP_ELEM = 1, MAP_UPDATE_ELEM = 2, MAP_DELETE_ELEM = 3, MAP_GET_NEXT_KEY = 4,
            PROG_LOAD = 5, RAW_TRACEPOINT_OPEN = 17, PROG_TEST_RUN = 10, PROG_GET_FD_BY_ID = 13, MAP_GET_FD_BY_ID = 14, OBJ_GET_INFO_BY_FD = 15,
            MAP_LOOKUP_BATCH = 24, LINK_CREATE = 28;

    /** {@code sizeof(union bpf_attr)} as of Linux 6.4+ (prog load ends with log_true_size at 140). */
    private static final int ATTR_SIZE = 144;

    /** Update flags of MAP_UPDATE_ELEM. */
    public static final long BPF_ANY = 0, BPF_NOEXIST = 1, BPF_EXIST = 2;

    /** {@code BPF_F_TEST_RUN_ON_CPU}: run a test on the CPU named by {@code cpu}. */
    public static final int TEST_RUN_ON_CPU = 1 << 1;

    /** Attach type of LINK_CREATE for a perf event (tracepoint, kprobe, uprobe through perf). */
    public static final int ATTACH_PERF_EVENT = 41;

    private static long bpf(String op, int cmd, MemorySegment attr, int size) {
        return Native.check(op, Native.SYS_BPF, cmd, attr.address(), size, 0, 0, 0);
    }

    private static Native.Result bpfRaw(int cmd, MemorySegment attr, int size) {
        return Native.call(Native.SYS_BPF, cmd, attr.address(), size, 0, 0, 0);
    }

    private static MemorySegment bytes(Arena a, byte[] b) {
        MemorySegment s = a.allocate(Math.max(1, b.length), 8);
        MemorySegment.copy(b, 0, s, JAVA_BYTE, 0, b.length);
        return s;
    }

    private static void name(MemorySegment attr, long offset, String name) {
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(b, 0, attr, JAVA_BYTE, offset, Math.min(b.length, 15));
    }

    // ---- maps

    /** BPF_MAP_CREATE. {@code name} is cut to 15 characters. */
    public static Fd mapCreate(int type, int keySize, int valueSize, int maxEntries, int flags, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, type);
            attr.set(JAVA_INT, 4, keySize);
            attr.set(JAVA_INT, 8, valueSize);
            attr.set(JAVA_INT, 12, maxEntries);
            attr.set(JAVA_INT, 16, flags);
            name(attr, 28, name);
            return Fd.own(bpf("BPF_MAP_CREATE", MAP_CREATE, attr, ATTR_SIZE), "map");
        }
    }

    /** BPF_MAP_LOOKUP_ELEM into {@code value} (the full per-CPU buffer for per-CPU maps); false when the key is absent. */
    public static boolean mapLookup(Fd map, byte[] key, byte[] value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            MemorySegment k = bytes(a, key);
            MemorySegment v = a.allocate(Math.max(1, value.length), 8);
            attr.set(JAVA_INT, 0, map.raw());
            attr.set(JAVA_LONG, 8, k.address());
            attr.set(JAVA_LONG, 16, v.address());
            Native.Result r = bpfRaw(MAP_LOOKUP_ELEM, attr, ATTR_SIZE);
            if (r.failed()) {
                if (r.errno() == Errno.ENOENT) return false;
                throw new SysException("BPF_MAP_LOOKUP_ELEM", r.errno(), map.toString());
            }
            MemorySegment.copy(v, JAVA_BYTE, 0, value, 0, value.length);
            return true;
        } finally {
            Reference.reachabilityFence(map);
        }
    }

    /** BPF_MAP_UPDATE_ELEM with {@link #BPF_ANY}, {@link #BPF_NOEXIST} or {@link #BPF_EXIST}. */
    public static void mapUpdate(Fd map, byte[] key, byte[] value, long flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, map.raw());
            attr.set(JAVA_LONG, 8, bytes(a, key).address());
            attr.set(JAVA_LONG, 16, bytes(a, value).address());
            attr.set(JAVA_LONG, 24, flags);
            Native.Result r = bpfRaw(MAP_UPDATE_ELEM, attr, ATTR_SIZE);
            if (r.failed()) throw new SysException("BPF_MAP_UPDATE_ELEM", r.errno(), map.toString());
        } finally {
            Reference.reachabilityFence(map);
        }
    }

    /** BPF_MAP_DELETE_ELEM; false when the key was absent. */
    public static boolean mapDelete(Fd map, byte[] key) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, map.raw());
            attr.set(JAVA_LONG, 8, bytes(a, key).address());
            Native.Result r = bpfRaw(MAP_DELETE_ELEM, attr, ATTR_SIZE);
            if (r.failed()) {
                if (r.errno() == Errno.ENOENT) return false;
                throw new SysException("BPF_MAP_DELETE_ELEM", r.errno(), map.toString());
            }
            return true;
        } finally {
            Reference.reachabilityFence(map);
        }
    }

    /** BPF_MAP_GET_NEXT_KEY: the key after {@code key} (the first key when {@code key} is null) into {@code next}; false at the end. */
    public static boolean mapNextKey(Fd map, byte[] key, byte[] next) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            MemorySegment n = a.allocate(Math.max(1, next.length), 8);
            attr.set(JAVA_INT, 0, map.raw());
            attr.set(JAVA_LONG, 8, key == null ? 0 : bytes(a, key).address());
            attr.set(JAVA_LONG, 16, n.address());
            Native.Result r = bpfRaw(MAP_GET_NEXT_KEY, attr, ATTR_SIZE);
            if (r.failed()) {
                if (r.errno() == Errno.ENOENT) return false;
                throw new SysException("BPF_MAP_GET_NEXT_KEY", r.errno(), map.toString());
            }
            MemorySegment.copy(n, JAVA_BYTE, 0, next, 0, next.length);
            return true;
        } finally {
            Reference.reachabilityFence(map);
        }
    }

    /**
     * The outcome of one BPF_MAP_LOOKUP_BATCH call: {@code count} entries were written, and
     * {@code done} says the map has no more (the kernel's ENOENT).
     */
    public record Batch(int count, boolean done) {}

    /**
     * BPF_MAP_LOOKUP_BATCH: up to {@code count} entries into {@code keys} and {@code values}, packed.
     * {@code inBatch} is null for the first call, else the previous call's {@code outBatch}; both are
     * opaque tokens (a bucket for hash maps, a key for arrays) at least as long as a key. Throws with
     * ENOSPC when one hash bucket holds more than {@code count} entries (retry with a larger count),
     * and with EINVAL / ENOTSUPP / EOPNOTSUPP where the map type or the kernel has no batch lookup.
     */
    public static Batch mapLookupBatch(Fd map, byte[] inBatch, byte[] outBatch, byte[] keys, byte[] values, int count) {
        if (count <= 0 || keys.length % count != 0 || values.length % count != 0)
            throw new IllegalArgumentException("keys and values must hold exactly " + count + " entries");
        int keySize = keys.length / count, valueSize = values.length / count;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            MemorySegment out = a.allocate(outBatch.length, 8);
            MemorySegment k = a.allocate(Math.max(1, keys.length), 8);
            MemorySegment v = a.allocate(Math.max(1, values.length), 8);
            attr.set(JAVA_LONG, 0, inBatch == null ? 0 : bytes(a, inBatch).address());
            attr.set(JAVA_LONG, 8, out.address());
            attr.set(JAVA_LONG, 16, k.address());
            attr.set(JAVA_LONG, 24, v.address());
            attr.set(JAVA_INT, 32, count);
            attr.set(JAVA_INT, 36, map.raw());
            Native.Result r = bpfRaw(MAP_LOOKUP_BATCH, attr, ATTR_SIZE);
            boolean done = false;
            if (r.failed()) {
                if (r.errno() != Errno.ENOENT) throw new SysException("BPF_MAP_LOOKUP_BATCH", r.errno(), map.toString());
                done = true;
            }
            int got = attr.get(JAVA_INT, 32);
            MemorySegment.copy(k, JAVA_BYTE, 0, keys, 0, got * keySize);
            MemorySegment.copy(v, JAVA_BYTE, 0, values, 0, got * valueSize);
            MemorySegment.copy(out, JAVA_BYTE, 0, outBatch, 0, outBatch.length);
            return new Batch(got, done);
        } finally {
            Reference.reachabilityFence(map);
        }
    }

    // ---- programs

    /**
     * The outcome of BPF_PROG_LOAD: a descriptor, or the errno; and the verifier log when one was
     * asked for. {@code logTrueSize} is the size the full log needs (Linux 6.4+; 0 before).
     */
    public record ProgLoad(Fd fd, int errno, String log, int logTrueSize) {
        public boolean loaded() {
            return fd != null;
        }
    }

    /**
     * BPF_PROG_LOAD. {@code insns} are the encoded instructions; {@code logLevel} 0 asks for no log
     * (the fast path), 1 for the verifier's log into a buffer of {@code logSize} bytes.
     */
    public static ProgLoad progLoad(int type, byte[] insns, String license, String name, int logLevel, int logSize) {
        return progLoad(type, 0, 0, insns, license, name, logLevel, logSize);
    }

    /** Attach types of BPF_PROG_LOAD's {@code expected_attach_type} for fentry and fexit programs. */
    public static final int ATTACH_TRACE_FENTRY = 24, ATTACH_TRACE_FEXIT = 25;

    /**
     * BPF_PROG_LOAD with {@code expected_attach_type} and {@code attach_btf_id} (tracing programs name the
     * kernel function they attach to when they are loaded).
     */
    public static ProgLoad progLoad(int type, int expectedAttachType, int attachBtfId, byte[] insns, String license, String name,
                                    int logLevel, int logSize) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            MemorySegment code = bytes(a, insns);
            MemorySegment lic = a.allocateFrom(license);
            MemorySegment log = logLevel > 0 ? a.allocate(logSize, 8) : MemorySegment.NULL;
            attr.set(JAVA_INT, 0, type);
            attr.set(JAVA_INT, 4, insns.length / 8);
            attr.set(JAVA_LONG, 8, code.address());
            attr.set(JAVA_LONG, 16, lic.address());
            if (logLevel > 0) {
                attr.set(JAVA_INT, 24, logLevel);
                attr.set(JAVA_INT, 28, logSize);
                attr.set(JAVA_LONG, 32, log.address());
            }
            name(attr, 48, name);
            attr.set(JAVA_INT, 68, expectedAttachType);
            attr.set(JAVA_INT, 108, attachBtfId);
            Native.Result r = bpfRaw(PROG_LOAD, attr, ATTR_SIZE);
            String text = logLevel > 0 ? log.getString(0) : "";
            int trueSize = attr.get(JAVA_INT, 140);
            if (r.failed()) return new ProgLoad(null, r.errno(), text, trueSize);
            return new ProgLoad(Fd.own(r.value(), "prog"), 0, text, trueSize);
        }
    }

    /** What BPF_PROG_TEST_RUN reports: the program's return value and the kernel's measured duration. */
    public record TestRun(int retval, long durationNs) {}

    /**
     * BPF_PROG_TEST_RUN with a context and no packet data, as raw tracepoint programs take it (the
     * context is the tracepoint's u64 arguments; empty when the program reads none). {@code cpu} is
     * honoured with {@link #TEST_RUN_ON_CPU} in {@code flags}.
     */
    public static TestRun progTestRun(Fd prog, byte[] ctx, int flags, int cpu) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, prog.raw());
            if (ctx.length > 0) {
                attr.set(JAVA_INT, 40, ctx.length);
                attr.set(JAVA_LONG, 48, bytes(a, ctx).address());
            }
            attr.set(JAVA_INT, 64, flags);
            attr.set(JAVA_INT, 68, cpu);
            bpf("BPF_PROG_TEST_RUN", PROG_TEST_RUN, attr, ATTR_SIZE);
            return new TestRun(attr.get(JAVA_INT, 4), Integer.toUnsignedLong(attr.get(JAVA_INT, 36)));
        } finally {
            Reference.reachabilityFence(prog);
        }
    }

    // ---- links

    /** BPF_LINK_CREATE: attaches {@code prog} to {@code target} (a perf event for {@link #ATTACH_PERF_EVENT}). */
    public static Fd linkCreate(Fd prog, Fd target, int attachType) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, prog.raw());
            attr.set(JAVA_INT, 4, target.raw());
            attr.set(JAVA_INT, 8, attachType);
            return Fd.own(bpf("BPF_LINK_CREATE", LINK_CREATE, attr, ATTR_SIZE), "link");
        } finally {
            Reference.reachabilityFence(prog);
            Reference.reachabilityFence(target);
        }
    }

    /**
     * BPF_RAW_TRACEPOINT_OPEN: attaches {@code prog} to raw tracepoint {@code name}; with a null name, a
     * tracing program (fentry, fexit) to the function it was loaded for. Closing the descriptor detaches.
     */
    public static Fd rawTracepointOpen(String name, Fd prog) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_LONG, 0, name == null ? 0 : a.allocateFrom(name).address());
            attr.set(JAVA_INT, 8, prog.raw());
            return Fd.own(bpf("BPF_RAW_TRACEPOINT_OPEN", RAW_TRACEPOINT_OPEN, attr, ATTR_SIZE), "raw_tracepoint");
        } finally {
            Reference.reachabilityFence(prog);
        }
    }

    // ---- object info

    /** The identity of a loaded object, as bpftool shows it. */
    public record ObjInfo(int type, int id, String name) {}

    /** BPF_OBJ_GET_INFO_BY_FD for a program: type, id and kernel name. */
    public static ObjInfo progInfo(Fd prog) {
        return info(prog, 80, 64); // struct bpf_prog_info: type@0 id@4 ... name[16]@64
    }

    /** BPF_OBJ_GET_INFO_BY_FD for a map: type, id and kernel name. */
    public static ObjInfo mapInfo(Fd map) {
        return info(map, 40, 24); // struct bpf_map_info: type@0 id@4 ... name[16]@24
    }

    private static ObjInfo info(Fd fd, int infoLen, int nameOffset) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            MemorySegment info = a.allocate(infoLen, 8);
            attr.set(JAVA_INT, 0, fd.raw());
            attr.set(JAVA_INT, 4, infoLen);
            attr.set(JAVA_LONG, 8, info.address());
            bpf("BPF_OBJ_GET_INFO_BY_FD", OBJ_GET_INFO_BY_FD, attr, ATTR_SIZE);
            return new ObjInfo(info.get(JAVA_INT, 0), info.get(JAVA_INT, 4), info.asSlice(nameOffset, 16).getString(0));
        } finally {
            Reference.reachabilityFence(fd);
        }
    }

    /** BPF_PROG_GET_FD_BY_ID: a new descriptor of the program with this id, or empty when no such program exists. */
    public static Optional<Fd> progById(int id) {
        return byId(PROG_GET_FD_BY_ID, "BPF_PROG_GET_FD_BY_ID", id, "prog");
    }

    /** BPF_MAP_GET_FD_BY_ID: a new descriptor of the map with this id, or empty when no such map exists. */
    public static Optional<Fd> mapById(int id) {
        return byId(MAP_GET_FD_BY_ID, "BPF_MAP_GET_FD_BY_ID", id, "map");
    }

    private static Optional<Fd> byId(int cmd, String op, int id, String kind) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, id);
            Native.Result r = bpfRaw(cmd, attr, ATTR_SIZE);
            if (r.failed()) {
                if (r.errno() == Errno.ENOENT) return Optional.empty();
                throw new SysException(op, r.errno(), "id " + id);
            }
            return Optional.of(Fd.own(r.value(), kind));
        }
    }
}
