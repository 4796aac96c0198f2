package dev.fleettrace.plan;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * How a tuple value ({@code @x = (1, "a")}) lies in the kernel, and its canonical form on the wire.
 *
 * <p>In the kernel the elements follow one another, each 8-byte aligned: integers in 8 bytes, strings
 * in their buffer, nested tuples in place, stacks and symbols in their kernel form ({@link Symbolic}).
 * The agent turns that into a self-describing canonical form, so the coordinator prints it without
 * knowing the layout: a count byte, then per element {@code 'I'} and a signed 64-bit integer,
 * {@code 'U'} and an unsigned one, {@code 'S'} and a 4-byte length and the bytes (strings and resolved
 * text), or {@code 'T'} and a nested tuple; numbers little-endian.
 */
public record TupleLayout(List<Element> elements) {

    public TupleLayout {
        elements = List.copyOf(elements);
    }

    /**
     * One element: {@code size} bytes at {@code offset}; {@code nested} for a tuple, {@code symbolic}
     * for a kernel form the agent resolves to text, else {@code kind} says how to read it.
     */
    public record Element(FieldKind kind, int offset, int size, TupleLayout nested, Symbolic symbolic) {}

    /** Whether any element (at any depth) needs the agent's resolver. */
    public boolean symbolic() {
        return elements.stream().anyMatch(e -> e.symbolic() != null || (e.nested() != null && e.nested().symbolic()));
    }

    /** The canonical form of the tuple at {@code off} of {@code raw}. */
    public byte[] canonical(byte[] raw, int off, SymbolResolver symbols) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, raw, off, symbols);
        return out.toByteArray();
    }

    private void write(ByteArrayOutputStream out, byte[] raw, int off, SymbolResolver symbols) {
        out.write(elements.size());
        for (Element e : elements) {
            int at = off + e.offset();
            if (e.nested() != null) {
                out.write('T');
                e.nested().write(out, raw, at, symbols);
            } else if (e.symbolic() != null) {
                string(out, symbols.text(e.symbolic(), raw, at, false));
            } else if (e.kind() == FieldKind.STRING) {
                int n = 0;
                while (n < e.size() && raw[at + n] != 0) n++;
                byte[] b = new byte[n];
                System.arraycopy(raw, at, b, 0, n);
                string(out, b);
            } else {
                out.write(e.kind() == FieldKind.INT ? 'I' : 'U');
                out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(CanonicalKey.readInt(raw, at, Math.min(8, e.size()), e.kind() == FieldKind.INT)).array());
            }
        }
    }

    private static void string(ByteArrayOutputStream out, byte[] b) {
        out.write('S');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        out.writeBytes(b);
    }

    /** An element of a decoded tuple: an integer as printed (signed or not), or bytes. */
    public sealed interface Value {
        record Int(long value, boolean signed) implements Value {
            @Override
            public String toString() {
                return signed ? Long.toString(value) : Long.toUnsignedString(value);
            }
        }

        record Bytes(byte[] bytes) implements Value {}

        record Tuple(List<Value> elements) implements Value {}
    }

    /** Decodes a canonical form. */
    public static Value.Tuple decode(byte[] canonical) {
        ByteBuffer b = ByteBuffer.wrap(canonical).order(ByteOrder.LITTLE_ENDIAN);
        return read(b);
    }

    private static Value.Tuple read(ByteBuffer b) {
        int n = b.get() & 0xff;
        List<Value> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte tag = b.get();
            out.add(switch (tag) {
                case 'I', 'U' -> new Value.Int(b.getLong(), tag == 'I');
                case 'S' -> {
                    byte[] s = new byte[b.getInt()];
                    b.get(s);
                    yield new Value.Bytes(s);
                }
                case 'T' -> read(b);
                default -> throw new IllegalArgumentException("not a canonical tuple: tag " + tag);
            });
        }
        return new Value.Tuple(out);
    }

    /** Encodes a tuple of {@link Long}s (signed), {@code byte[]}s and nested {@link List}s, as the coordinator holds them. */
    public static byte[] encode(List<?> tuple) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        encode(out, tuple);
        return out.toByteArray();
    }

    private static void encode(ByteArrayOutputStream out, List<?> tuple) {
        out.write(tuple.size());
        for (Object o : tuple) {
            switch (o) {
                case Long l -> {
                    out.write('I');
                    out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(l).array());
                }
                case byte[] s -> string(out, s);
                case List<?> t -> {
                    out.write('T');
                    encode(out, t);
                }
                default -> throw new IllegalArgumentException("not a tuple element: " + o);
            }
        }
    }
}
