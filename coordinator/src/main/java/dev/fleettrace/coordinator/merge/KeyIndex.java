package dev.fleettrace.coordinator.merge;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Canonical key bytes to a dense entry number (0 .. size-1), by open addressing with linear probing.
 *
 * <p>The merge hot loop looks keys up straight from the Avro {@link ByteBuffer} (optionally behind a
 * fixed prefix, e.g. the host of a VALUE map), so applying an entry whose key exists allocates nothing;
 * the key is copied only when it is new. Entries stay dense so that a map keeps its values in one flat
 * {@code long[]} at {@code entry * stride}: {@link #remove} moves the last entry into the hole and says
 * so, and the owner moves the values the same way.
 */
final class KeyIndex {
    private static final byte[] NO_PREFIX = new byte[0];

    private int[] slots;      // 0 = free, otherwise entry + 1
    private byte[][] keys;    // by entry
    private int[] hashes;     // by entry
    private int size;
    private int mask;

    KeyIndex() {
        this(8);
    }

    KeyIndex(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2) - 1) << 1;
        slots = new int[cap];
        mask = cap - 1;
        keys = new byte[Math.max(8, expected)][];
        hashes = new int[keys.length];
    }

    private KeyIndex(KeyIndex o) {
        slots = o.slots.clone();
        keys = o.keys.clone(); // key arrays are never mutated, so sharing them is safe
        hashes = o.hashes.clone();
        size = o.size;
        mask = o.mask;
    }

    KeyIndex copy() {
        return new KeyIndex(this);
    }

    int size() {
        return size;
    }

    /** Entry capacity: values arrays sized for this many entries never need to grow before the next insert. */
    int capacity() {
        return keys.length;
    }

    byte[] key(int entry) {
        return keys[entry];
    }

    /*
     * The hash of the byte stream prefix + key, 8 bytes at a time (little-endian words) through a
     * multiply-rotate round and a final avalanche. A byte-wise 31*h+b hash is not enough: canonical
     * integer keys are 8-byte big-endian, mostly zero bytes, and 31*b6+b7 leaves ~1500 distinct hashes
     * for 10000 consecutive keys. The stream form makes hash(prefix, key) equal hash(prefix + key), so a
     * stored key can be found either way; keys without a prefix in a heap buffer take the word path.
     */
    private static final VarHandle WORDS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long P1 = 0x9E3779B97F4A7C15L, P2 = 0xC2B2AE3D27D4EB4FL;

    private static long round(long h, long word) {
        return Long.rotateLeft(h ^ (word * P1), 31) * P2;
    }

    private static int finish(long h, long tail, int len) {
        h = round(h, tail) ^ len;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) h;
    }

    static int hash(byte[] a, int off, int len) {
        long h = P2;
        int i = off, end = off + len;
        for (; end - i >= 8; i += 8) h = round(h, (long) WORDS.get(a, i));
        long tail = 0;
        for (int shift = 0; i < end; i++, shift += 8) tail |= (a[i] & 0xffL) << shift;
        return finish(h, tail, len);
    }

    static int hash(byte[] key) {
        return hash(key, 0, key.length);
    }

    static int hash(byte[] prefix, ByteBuffer key) {
        if (prefix.length == 0 && key.hasArray()) return hash(key.array(), key.arrayOffset() + key.position(), key.remaining());
        long h = P2, word = 0;
        int n = 0;
        for (byte b : prefix) {
            word |= (b & 0xffL) << (8 * n);
            if (++n == 8) { h = round(h, word); word = 0; n = 0; }
        }
        for (int i = key.position(), end = key.limit(); i < end; i++) {
            word |= (key.get(i) & 0xffL) << (8 * n);
            if (++n == 8) { h = round(h, word); word = 0; n = 0; }
        }
        return finish(h, word, prefix.length + key.remaining());
    }

    int find(byte[] key) {
        return find(NO_PREFIX, ByteBuffer.wrap(key), hash(key));
    }

    /** The entry of {@code prefix + key}, or -1. {@code hash} is {@link #hash(byte[], ByteBuffer)} of them. */
    int find(byte[] prefix, ByteBuffer key, int hash) {
        int i = hash & mask;
        while (true) {
            int s = slots[i];
            if (s == 0) return -1;
            int e = s - 1;
            if (hashes[e] == hash && same(keys[e], prefix, key)) return e;
            i = (i + 1) & mask;
        }
    }

    private static boolean same(byte[] stored, byte[] prefix, ByteBuffer key) {
        int n = key.remaining();
        if (stored.length != prefix.length + n) return false;
        if (prefix.length > 0 && !Arrays.equals(stored, 0, prefix.length, prefix, 0, prefix.length)) return false;
        if (key.hasArray()) {
            int from = key.arrayOffset() + key.position();
            // one word compare for the common 8-byte key (a single integer part)
            if (n == 8 && prefix.length == 0) return (long) WORDS.get(stored, 0) == (long) WORDS.get(key.array(), from);
            return Arrays.equals(stored, prefix.length, stored.length, key.array(), from, from + n);
        }
        for (int i = 0; i < n; i++) if (stored[prefix.length + i] != key.get(key.position() + i)) return false;
        return true;
    }

    /** Adds {@code prefix + key}, which must be absent; returns its entry (always the old size). */
    int insert(byte[] prefix, ByteBuffer key, int hash) {
        byte[] k = new byte[prefix.length + key.remaining()];
        System.arraycopy(prefix, 0, k, 0, prefix.length);
        key.duplicate().get(k, prefix.length, key.remaining());
        return insert(k, hash);
    }

    int insert(byte[] key) {
        return insert(key, hash(key));
    }

    private int insert(byte[] key, int hash) {
        if ((size + 1) * 4 > slots.length * 3) rehash(slots.length * 2);
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2);
            hashes = Arrays.copyOf(hashes, size * 2);
        }
        int e = size++;
        keys[e] = key;
        hashes[e] = hash;
        int i = hash & mask;
        while (slots[i] != 0) i = (i + 1) & mask;
        slots[i] = e + 1;
        return e;
    }

    private void rehash(int cap) {
        slots = new int[cap];
        mask = cap - 1;
        for (int e = 0; e < size; e++) {
            int i = hashes[e] & mask;
            while (slots[i] != 0) i = (i + 1) & mask;
            slots[i] = e + 1;
        }
    }

    /**
     * Removes {@code entry}. The last entry takes its number: returns the number the moved entry had
     * (the old last), or -1 when {@code entry} was the last one and nothing moved.
     */
    int remove(int entry) {
        int i = slotOf(entry);
        // Backward-shift deletion keeps every probe chain unbroken without tombstones.
        slots[i] = 0;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            int s = slots[j];
            if (s == 0) break;
            int home = hashes[s - 1] & mask;
            boolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!stays) {
                slots[i] = s;
                slots[j] = 0;
                i = j;
            }
        }
        int last = --size;
        if (entry == last) {
            keys[last] = null;
            return -1;
        }
        slots[slotOf(last)] = entry + 1;
        keys[entry] = keys[last];
        hashes[entry] = hashes[last];
        keys[last] = null;
        return last;
    }

    private int slotOf(int entry) {
        int i = hashes[entry] & mask;
        while (slots[i] != entry + 1) i = (i + 1) & mask;
        return i;
    }

    void clear() {
        Arrays.fill(slots, 0);
        Arrays.fill(keys, 0, size, null);
        size = 0;
    }
}
