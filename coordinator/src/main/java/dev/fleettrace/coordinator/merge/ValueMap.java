package dev.fleettrace.coordinator.merge;

import dev.fleettrace.plan.FieldKind;
import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.schemas.DeltaEntry;
import dev.fleettrace.schemas.MapDelta;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A map of plain assignments ({@code @start[tid] = nsecs}): host-local state, so values are kept per
 * host and never combined. A host's later value replaces its earlier one; {@code deleted} removes it.
 *
 * <p>Entries are keyed by the host as a leading canonical string part followed by the map key, so one
 * {@link KeyIndex} serves every host and lookups still allocate nothing for a known key.
 */
public final class ValueMap implements MapState {
    private static final byte[][] NO_TEXT = new byte[0][];

    private final MapSchema schema;
    private final boolean text;
    private final KeyIndex index;
    private final Map<String, byte[]> prefixes;
    private long[] ints;
    private byte[][] texts;

    ValueMap(MapSchema schema) {
        this.schema = schema;
        this.text = schema.value() == FieldKind.STRING || schema.value() == FieldKind.STACK || schema.value() == FieldKind.TUPLE;
        this.index = new KeyIndex();
        this.prefixes = new HashMap<>();
        this.ints = text ? new long[0] : new long[index.capacity()];
        this.texts = text ? new byte[index.capacity()][] : NO_TEXT;
    }

    private ValueMap(ValueMap o) {
        schema = o.schema;
        text = o.text;
        index = o.index.copy();
        prefixes = new HashMap<>(o.prefixes);
        ints = o.ints.clone();
        texts = o.texts.clone(); // the byte arrays themselves are never mutated
    }

    @Override
    public MapSchema schema() {
        return schema;
    }

    @Override
    public int size() {
        return index.size();
    }

    @Override
    public ValueMap copy() {
        return new ValueMap(this);
    }

    @Override
    public void validate(MapDelta delta) {
        for (DeltaEntry e : delta.getEntries()) {
            if (e.getDeleted()) continue;
            if (text && e.getBytesValue() == null) throw bad("a string value needs bytesValue");
            if (!text && e.getValues().size() != 1) throw bad("expects [value], got " + e.getValues().size() + " values");
        }
    }

    private IllegalArgumentException bad(String why) {
        return new IllegalArgumentException("delta for " + schema.name() + " (VALUE): " + why);
    }

    @Override
    public void apply(String host, MapDelta delta) {
        validate(delta);
        applyValidated(host, delta);
    }

    void applyValidated(String host, MapDelta delta) {
        byte[] prefix = prefixes.computeIfAbsent(host, ValueMap::hostPart);
        for (DeltaEntry e : delta.getEntries()) {
            ByteBuffer key = e.getKey();
            int h = KeyIndex.hash(prefix, key);
            int entry = index.find(prefix, key, h);
            if (e.getDeleted()) {
                if (entry >= 0) remove(entry);
                continue;
            }
            if (entry < 0) {
                entry = index.insert(prefix, key, h);
                grow();
            }
            if (text) texts[entry] = bytes(e.getBytesValue());
            else ints[entry] = e.getValues().get(0);
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /** The host as the canonical string part that leads every entry key. */
    private static byte[] hostPart(String host) {
        byte[] h = host.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[2 + h.length];
        p[0] = (byte) (h.length >>> 8);
        p[1] = (byte) h.length;
        System.arraycopy(h, 0, p, 2, h.length);
        return p;
    }

    private void grow() {
        int cap = index.capacity();
        if (text && texts.length < cap) texts = Arrays.copyOf(texts, cap);
        if (!text && ints.length < cap) ints = Arrays.copyOf(ints, cap);
    }

    private void remove(int entry) {
        int moved = index.remove(entry);
        if (text) {
            if (moved >= 0) texts[entry] = texts[moved];
            texts[moved >= 0 ? moved : entry] = null;
        } else if (moved >= 0) {
            ints[entry] = ints[moved];
        }
    }

    /** Drops every value {@code host} holds: its agent restarted, so its kernel maps started empty. */
    public void dropHost(String host) {
        byte[] prefix = prefixes.get(host);
        if (prefix == null) return;
        // Walk down: remove() moves the last entry into the hole, which has then been visited already.
        for (int e = index.size() - 1; e >= 0; e--) {
            byte[] k = index.key(e);
            if (k.length >= prefix.length && Arrays.equals(k, 0, prefix.length, prefix, 0, prefix.length)) remove(e);
        }
    }

    @Override
    public void clear() {
        index.clear();
        if (text) Arrays.fill(texts, null);
    }

    /** bpftrace zeroes the value bytes: integers become 0, strings empty. */
    @Override
    public void zero() {
        if (text) Arrays.fill(texts, 0, index.size(), new byte[0]);
        else Arrays.fill(ints, 0, index.size(), 0);
    }

    @Override
    public void delete(byte[] key) {
        for (int e = index.size() - 1; e >= 0; e--) {
            byte[] k = index.key(e);
            int off = 2 + (((k[0] & 0xff) << 8) | (k[1] & 0xff));
            if (Arrays.equals(k, off, k.length, key, 0, key.length)) remove(e);
        }
    }

    /** One host's value for one key: {@code value} for integer maps, {@code text} for string maps. */
    public record Entry(String host, byte[] key, long value, byte[] text) {}

    /** The value {@code host} holds for {@code key}, or null. */
    public Entry get(String host, byte[] key) {
        byte[] prefix = prefixes.get(host);
        if (prefix == null) return null;
        ByteBuffer k = ByteBuffer.wrap(key);
        int e = index.find(prefix, k, KeyIndex.hash(prefix, k));
        return e < 0 ? null : entry(e);
    }

    private Entry entry(int e) {
        byte[] k = index.key(e);
        int len = ((k[0] & 0xff) << 8) | (k[1] & 0xff);
        String host = new String(k, 2, len, StandardCharsets.UTF_8);
        byte[] key = Arrays.copyOfRange(k, 2 + len, k.length);
        return text ? new Entry(host, key, 0, texts[e]) : new Entry(host, key, ints[e], null);
    }

    /** Every (host, key) value, in no particular order. */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>(index.size());
        for (int e = 0; e < index.size(); e++) out.add(entry(e));
        return out;
    }
}
