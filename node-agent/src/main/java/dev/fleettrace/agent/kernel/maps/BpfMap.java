package dev.fleettrace.agent.kernel.maps;

import dev.fleettrace.agent.sys.Bpf;
import dev.fleettrace.agent.sys.Errno;
import dev.fleettrace.agent.sys.Fd;
import dev.fleettrace.agent.sys.SysException;
import dev.fleettrace.bpf.MapType;
import dev.fleettrace.plan.KernelMap;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A kernel map created from a {@link KernelMap}, owning its descriptor.
 *
 * <p>Values are exchanged as the kernel lays them out: for a per-CPU map, one slot per possible CPU,
 * each slot the value size rounded up to 8 bytes ({@link #valueStride()}), {@link #valueBufferSize()}
 * bytes in all; for other maps, exactly the value size.
 */
public final class BpfMap implements AutoCloseable {

    /** Receives one entry of a scan, in place: the key at {@code keyOffset} of {@code keys}, the value buffer at {@code valueOffset} of {@code values}. */
    @FunctionalInterface
    public interface EntryVisitor {
        void entry(byte[] keys, int keyOffset, byte[] values, int valueOffset);
    }

    /** How a scan walked the map. */
    public enum Scan {
        /**
         * BPF_MAP_LOOKUP_BATCH: a hash map is read bucket by bucket under the bucket's lock, so a key
         * present for the whole scan is seen exactly once.
         */
        BATCH,
        /**
         * BPF_MAP_GET_NEXT_KEY and a lookup per key: when keys are added or deleted concurrently the
         * kernel may restart the walk (keys are de-duplicated here) or miss a key that moved in its
         * bucket; a key absent from such a scan should be confirmed with {@link #lookup}.
         */
        NEXT_KEY
    }

    private static final int BATCH_BYTES = 1 << 20, BATCH_MAX = 4096;

    private final KernelMap spec;
    private final Fd fd;
    private final int cpus;
    private final int id;
    private volatile Boolean batchWorks; // null until the first scan finds out

    private BpfMap(KernelMap spec, Fd fd) {
        this.spec = spec;
        this.fd = fd;
        this.cpus = spec.type().perCpu() ? Cpus.possible() : 1;
        this.id = Bpf.mapInfo(fd).id();
    }

    /** BPF_MAP_CREATE for {@code spec}; the kernel name is {@code spec.name()} with characters the kernel refuses replaced. */
    public static BpfMap create(KernelMap spec) {
        Fd fd = Bpf.mapCreate(spec.type().id, spec.keySize(), spec.valueSize(), spec.maxEntries(), spec.flags(), objectName(spec.name()));
        try {
            return new BpfMap(spec, fd);
        } catch (RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /** Kernel object names allow {@code [A-Za-z0-9_.]}, at most 15 characters. */
    public static String objectName(String name) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < name.length() && sb.length() < 15; i++) {
            char c = name.charAt(i);
            sb.append(Character.isLetterOrDigit(c) && c < 128 || c == '_' || c == '.' ? c : '_');
        }
        return sb.toString();
    }

    public KernelMap spec() {
        return spec;
    }

    public Fd fd() {
        return fd;
    }

    /** The kernel's id of this map (as {@code bpftool map show} lists it). */
    public int id() {
        return id;
    }

    public MapType type() {
        return spec.type();
    }

    public boolean perCpu() {
        return spec.type().perCpu();
    }

    /** Value slots per entry: the possible CPUs for a per-CPU map, else 1. */
    public int cpus() {
        return cpus;
    }

    public int keySize() {
        return spec.keySize();
    }

    public int valueSize() {
        return spec.valueSize();
    }

    /** Bytes between two CPUs' values in a per-CPU value buffer (the value size rounded up to 8); the value size otherwise. */
    public int valueStride() {
        return perCpu() ? (spec.valueSize() + 7) & ~7 : spec.valueSize();
    }

    /** Size of the value buffer that lookups fill and updates take. */
    public int valueBufferSize() {
        return valueStride() * cpus;
    }

    /** Looks {@code key} up into {@code value} ({@link #valueBufferSize()} bytes); false when absent. */
    public boolean lookup(byte[] key, byte[] value) {
        checkKey(key);
        if (value.length != valueBufferSize()) throw new IllegalArgumentException("value buffer must be " + valueBufferSize() + " bytes");
        return Bpf.mapLookup(fd, key, value);
    }

    /** The value buffer of {@code key} (every CPU's slot for a per-CPU map), or empty when absent. */
    public Optional<byte[]> lookup(byte[] key) {
        byte[] v = new byte[valueBufferSize()];
        return lookup(key, v) ? Optional.of(v) : Optional.empty();
    }

    /** One value per possible CPU (each {@link #valueSize()} bytes), or empty when the key is absent. */
    public Optional<List<byte[]>> lookupPerCpu(byte[] key) {
        return lookup(key).map(this::splitPerCpu);
    }

    /** Splits a value buffer into one value per CPU. */
    public List<byte[]> splitPerCpu(byte[] buffer) {
        List<byte[]> out = new ArrayList<>(cpus);
        for (int c = 0; c < cpus; c++) out.add(Arrays.copyOfRange(buffer, c * valueStride(), c * valueStride() + valueSize()));
        return out;
    }

    /** Stores {@code value} (a full value buffer) under {@code key}, creating or replacing it. */
    public void update(byte[] key, byte[] value) {
        update(key, value, Bpf.BPF_ANY);
    }

    /** Stores with {@link Bpf#BPF_ANY}, {@link Bpf#BPF_NOEXIST} or {@link Bpf#BPF_EXIST}. */
    public void update(byte[] key, byte[] value, long flags) {
        checkKey(key);
        if (value.length != valueBufferSize()) throw new IllegalArgumentException("value buffer must be " + valueBufferSize() + " bytes");
        Bpf.mapUpdate(fd, key, value, flags);
    }

    /** Deletes {@code key}; false when it was absent. */
    public boolean delete(byte[] key) {
        checkKey(key);
        return Bpf.mapDelete(fd, key);
    }

    /** The key after {@code key} in the kernel's order (the first key when {@code key} is null), or empty at the end. */
    public Optional<byte[]> nextKey(byte[] key) {
        if (key != null) checkKey(key);
        byte[] next = new byte[keySize()];
        return Bpf.mapNextKey(fd, key, next) ? Optional.of(next) : Optional.empty();
    }

    /** Every key, by BPF_MAP_GET_NEXT_KEY. */
    public List<byte[]> keys() {
        List<byte[]> keys = new ArrayList<>();
        Set<ByteBuffer> seen = new HashSet<>();
        byte[] k = null;
        for (Optional<byte[]> next; (next = nextKey(k)).isPresent(); ) {
            k = next.get();
            if (seen.add(ByteBuffer.wrap(k))) keys.add(k);
        }
        return keys;
    }

    /**
     * Visits every entry: with BPF_MAP_LOOKUP_BATCH where the kernel supports it for this map type
     * (one system call per few thousand entries), else key by key. Not safe for concurrent scans of
     * one map (the scan reuses its buffers).
     */
    public Scan forEach(EntryVisitor visitor) {
        return forEach(visitor, true);
    }

    /** {@code allowBatch} false walks key by key, as on a kernel without batch lookup (for tests). */
    synchronized Scan forEach(EntryVisitor visitor, boolean allowBatch) {
        if (allowBatch && !Boolean.FALSE.equals(batchWorks)) {
            try {
                batchScan(visitor);
                batchWorks = true;
                return Scan.BATCH;
            } catch (BatchUnsupported e) {
                batchWorks = false;
            }
        }
        nextKeyScan(visitor);
        return Scan.NEXT_KEY;
    }

    private static final class BatchUnsupported extends Exception {
        BatchUnsupported() {
            super(null, null, false, false);
        }
    }

    private byte[] batchKeys, batchValues;

    private void batchScan(EntryVisitor visitor) throws BatchUnsupported {
        int ks = keySize(), vs = valueBufferSize();
        int count = Math.clamp(BATCH_BYTES / Math.max(1, ks + vs), 1, Math.min(BATCH_MAX, Math.max(1, spec.maxEntries())));
        if (batchKeys == null || batchKeys.length != count * ks || batchValues.length != count * vs) {
            batchKeys = new byte[count * ks];
            batchValues = new byte[count * vs];
        }
        byte[] in = null, out = new byte[Math.max(8, ks)];
        boolean visited = false;
        while (true) {
            Bpf.Batch b;
            try {
                b = Bpf.mapLookupBatch(fd, in, out, batchKeys, batchValues, count);
            } catch (SysException e) {
                int errno = e.errno();
                if (errno == Errno.ENOSPC && count < spec.maxEntries()) {
                    // One hash bucket holds more entries than the batch: grow and read that bucket again.
                    count = Math.min(count * 2, spec.maxEntries());
                    batchKeys = new byte[count * ks];
                    batchValues = new byte[count * vs];
                    continue;
                }
                if (!visited && (errno == Errno.EINVAL || errno == Errno.ENOTSUPP || errno == Errno.EOPNOTSUPP || errno == Errno.ENOSYS))
                    throw new BatchUnsupported();
                throw e;
            }
            for (int i = 0; i < b.count(); i++) visitor.entry(batchKeys, i * ks, batchValues, i * vs);
            visited |= b.count() > 0;
            if (b.done()) return;
            if (in == null) in = new byte[out.length];
            System.arraycopy(out, 0, in, 0, out.length);
        }
    }

    private void nextKeyScan(EntryVisitor visitor) {
        byte[] value = new byte[valueBufferSize()];
        Set<ByteBuffer> seen = new HashSet<>();
        byte[] key = null;
        for (Optional<byte[]> next; (next = nextKey(key)).isPresent(); ) {
            key = next.get();
            // A deleted current key makes the kernel restart from the first key: skip what was seen.
            if (!seen.add(ByteBuffer.wrap(key))) continue;
            if (Bpf.mapLookup(fd, key, value)) visitor.entry(key, 0, value, 0);
        }
    }

    private void checkKey(byte[] key) {
        if (key.length != keySize()) throw new IllegalArgumentException("key must be " + keySize() + " bytes, not " + key.length);
    }

    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "map " + spec.name() + " (" + spec.type() + ", id " + id + ")";
    }
}
