package dev.fleettrace.plan;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The host-independent encoding of a map key, as it crosses the wire and as the coordinator stores it:
 * each part in schema order, an integer as 8 bytes big-endian (sign- or zero-extended from its kernel
 * width), a string or stack as a 2-byte big-endian length and its bytes up to the first NUL. Two hosts
 * whose kernels lay the same key out differently produce the same bytes.
 */
public final class CanonicalKey {
    private CanonicalKey() {}

    public static final byte[] EMPTY = new byte[0];

    /** Encodes a kernel map key laid out as {@code fields} in {@code raw}. */
    public static byte[] fromKernel(List<KeyField> fields, byte[] raw) {
        return fromKernel(fields, raw, SymbolResolver.NONE);
    }

    /** Encodes a kernel map key, stacks and symbols turned into their text by {@code symbols}. */
    public static byte[] fromKernel(List<KeyField> fields, byte[] raw, SymbolResolver symbols) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(fields.size() * 8);
        for (KeyField f : fields) {
            if (f.symbolic() != null) {
                byte[] text = symbols.text(f.symbolic(), raw, f.offset(), true);
                putString(out, text, 0, text.length);
                continue;
            }
            switch (f.kind()) {
                case INT, UINT, POINTER -> putLong(out, readInt(raw, f.offset(), f.size(), f.kind() == FieldKind.INT));
                case STRING, STACK -> {
                    int len = 0;
                    while (len < f.size() && raw[f.offset() + len] != 0) len++;
                    putString(out, raw, f.offset(), len);
                }
            }
        }
        return out.toByteArray();
    }

    /** Encodes parts given as {@link Long} (integers) and {@code byte[]} or {@link String} (strings, stacks). */
    public static byte[] of(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            switch (p) {
                case Long l -> putLong(out, l);
                case Integer i -> putLong(out, i);
                case byte[] b -> putString(out, b, 0, b.length);
                case String s -> {
                    byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    putString(out, b, 0, b.length);
                }
                default -> throw new IllegalArgumentException("not a key part: " + p);
            }
        }
        return out.toByteArray();
    }

    /** Decodes into {@link Long} and {@code byte[]} parts, by the schema's key kinds. */
    public static List<Object> decode(List<FieldKind> kinds, byte[] key) {
        List<Object> parts = new ArrayList<>(kinds.size());
        ByteBuffer b = ByteBuffer.wrap(key).order(ByteOrder.BIG_ENDIAN);
        for (FieldKind k : kinds) {
            switch (k) {
                case INT, UINT, POINTER -> parts.add(b.getLong());
                case STRING, STACK -> {
                    int len = b.getShort() & 0xffff;
                    byte[] s = new byte[len];
                    b.get(s);
                    parts.add(s);
                }
            }
        }
        if (b.hasRemaining()) throw new IllegalArgumentException("key has " + b.remaining() + " bytes past its last part: " + Arrays.toString(key));
        return parts;
    }

    /** Reads a little-endian integer of {@code size} bytes, sign-extending when {@code signed}. */
    public static long readInt(byte[] raw, int off, int size, boolean signed) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) v = (v << 8) | (raw[off + i] & 0xff);
        if (signed && size < 8) {
            int shift = 64 - size * 8;
            v = (v << shift) >> shift;
        }
        return v;
    }

    private static void putLong(ByteArrayOutputStream out, long v) {
        for (int i = 7; i >= 0; i--) out.write((int) (v >>> (i * 8)));
    }

    private static void putString(ByteArrayOutputStream out, byte[] b, int off, int len) {
        if (len > 0xffff) throw new IllegalArgumentException("key string longer than 65535 bytes");
        out.write(len >>> 8);
        out.write(len);
        out.write(b, off, len);
    }
}
