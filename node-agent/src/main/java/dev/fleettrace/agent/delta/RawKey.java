package dev.fleettrace.agent.delta;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A kernel key as hash-map key, by content. The same class serves as a reusable probe that points
 * into a scan's key buffer ({@link #point}), so finding the state of a key that did not change
 * allocates nothing; only a key seen for the first time is copied ({@link #copy}).
 */
final class RawKey {
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private byte[] bytes;
    private int offset;
    private int length;
    private int hash;

    RawKey() {}

    private RawKey(byte[] bytes, int hash) {
        this.bytes = bytes;
        this.length = bytes.length;
        this.hash = hash;
    }

    /** Makes this probe denote {@code length} bytes at {@code offset} of {@code buf} (not copied). */
    RawKey point(byte[] buf, int offset, int length) {
        this.bytes = buf;
        this.offset = offset;
        this.length = length;
        // Eight bytes a step, multiplicative mixing: keys are mostly small integers and padded strings.
        long h = length;
        int i = offset, end = offset + length;
        for (; i + 8 <= end; i += 8) h = (h ^ (long) LONG.get(buf, i)) * 0x9E3779B97F4A7C15L;
        for (; i < end; i++) h = (h ^ buf[i]) * 0x9E3779B97F4A7C15L;
        this.hash = (int) (h ^ (h >>> 32));
        return this;
    }

    /** An owned copy, for storing. */
    RawKey copy() {
        return new RawKey(Arrays.copyOfRange(bytes, offset, offset + length), hash);
    }

    /** The key bytes (a fresh array for a probe, the owned array for a copy). */
    byte[] bytes() {
        return offset == 0 && length == bytes.length ? bytes : Arrays.copyOfRange(bytes, offset, offset + length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RawKey k && k.hash == hash && k.length == length
                && Arrays.equals(bytes, offset, offset + length, k.bytes, k.offset, k.offset + k.length);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
