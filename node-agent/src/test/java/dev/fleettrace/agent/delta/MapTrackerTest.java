package dev.fleettrace.agent.delta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.CanonicalKey;
import dev.fleettrace.plan.FieldKind;
import dev.fleettrace.plan.KeyField;
import dev.fleettrace.plan.MapBinding;
import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.schemas.DeltaEntry;
import dev.fleettrace.schemas.MapDelta;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Delta arithmetic without a kernel: entries are fed as a scan would hand them over. */
class MapTrackerTest {

    private static final int CPUS = 3;

    /** A key of one u32 field. */
    private static final List<KeyField> U32 = List.of(new KeyField(FieldKind.UINT, 0, 4));

    private static MapBinding binding(AggKind kind, List<KeyField> fields, int bucketOffset) {
        return binding(kind, fields, bucketOffset, FieldKind.INT);
    }

    private static MapBinding binding(AggKind kind, List<KeyField> fields, int bucketOffset, FieldKind value) {
        List<FieldKind> kinds = fields.stream().map(KeyField::kind).toList();
        return new MapBinding(new MapSchema("@m", kind, kinds, value, 0, 10, 1), 0, fields, bucketOffset);
    }

    private static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    /** A per-CPU buffer: {@code slots[c]} are CPU c's 8-byte slots. */
    private static byte[] perCpu(int stride, long[]... slots) {
        ByteBuffer b = ByteBuffer.allocate(stride * slots.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int c = 0; c < slots.length; c++) for (int s = 0; s < slots[c].length; s++) b.putLong(c * stride + s * 8, slots[c][s]);
        return b.array();
    }

    /** One read: the entries given, then finish with a scan that saw every present key. */
    private static MapDelta read(MapTracker t, Map<ByteBuffer, byte[]> entries) {
        t.begin();
        entries.forEach((k, v) -> t.observe(k.array(), 0, v, 0));
        return t.finish(null);
    }

    /** Entries by key content (a byte[] key would compare by identity). */
    private static Map<ByteBuffer, byte[]> entries() {
        return new LinkedHashMap<>();
    }

    private static ByteBuffer k(byte[] key) {
        return ByteBuffer.wrap(key);
    }

    private static Map<ByteBuffer, List<Long>> byKey(MapDelta d) {
        Map<ByteBuffer, List<Long>> m = new HashMap<>();
        for (DeltaEntry e : d.getEntries()) m.put(e.getKey(), e.getValues());
        return m;
    }

    private static ByteBuffer ck(Object... parts) {
        return ByteBuffer.wrap(CanonicalKey.of(parts));
    }

    @Test
    void countsSumOverCpusAndShipIncrements() {
        MapTracker t = MapTracker.of(binding(AggKind.COUNT, U32, -1), Layout.perCpu(4, 8, CPUS));
        Map<ByteBuffer, byte[]> e = entries();
        e.put(k(u32(1)), perCpu(8, new long[] {3}, new long[] {4}, new long[] {0}));
        e.put(k(u32(2)), perCpu(8, new long[] {0}, new long[] {0}, new long[] {5}));
        MapDelta d = read(t, e);
        assertEquals("@m", d.getMap());
        assertEquals(Map.of(ck(1L), List.of(7L), ck(2L), List.of(5L)), byKey(d));

        e.put(k(u32(1)), perCpu(8, new long[] {3}, new long[] {10}, new long[] {0}));
        d = read(t, e);
        assertEquals(Map.of(ck(1L), List.of(6L)), byKey(d), "only the key that changed");
        assertNull(read(t, e), "nothing changed: no delta");
    }

    @Test
    void sumsMayShrinkAndWrap() {
        MapTracker t = MapTracker.of(binding(AggKind.SUM, U32, -1), Layout.perCpu(4, 8, 1));
        Map<ByteBuffer, byte[]> e = entries();
        e.put(k(u32(1)), perCpu(8, new long[] {Long.MAX_VALUE}));
        read(t, e);
        e.put(k(u32(1)), perCpu(8, new long[] {Long.MIN_VALUE + 4}));
        assertEquals(List.of(5L), read(t, e).getEntries().getFirst().getValues(), "two's complement difference");
        e.put(k(u32(1)), perCpu(8, new long[] {Long.MIN_VALUE}));
        assertEquals(List.of(-4L), read(t, e).getEntries().getFirst().getValues());
    }

    @Test
    void zeroEntriesOfAnArrayAreNotChanges() {
        MapTracker t = MapTracker.of(binding(AggKind.COUNT, List.of(), -1), Layout.perCpuArray(8, CPUS));
        Map<ByteBuffer, byte[]> e = entries();
        e.put(k(u32(0)), perCpu(8, new long[] {0}, new long[] {0}, new long[] {0}));
        assertNull(read(t, e));
        e.put(k(u32(0)), perCpu(8, new long[] {0}, new long[] {1}, new long[] {0}));
        MapDelta d = read(t, e);
        assertArrayEquals(CanonicalKey.EMPTY, d.getEntries().getFirst().getKey().array());
        assertEquals(List.of(1L), d.getEntries().getFirst().getValues());
    }

    @Test
    void aNewHashEntryIsNewsEvenAtZero() {
        // sum(0) creates the key in the kernel, and bpftrace prints "@[1]: 0" for it.
        MapTracker t = MapTracker.of(binding(AggKind.SUM, U32, -1), Layout.perCpu(4, 8, CPUS));
        Map<ByteBuffer, byte[]> e = entries();
        e.put(k(u32(1)), perCpu(8, new long[] {0}, new long[] {0}, new long[] {0}));
        assertEquals(Map.of(ck(1L), List.of(0L)), byKey(read(t, e)));
        assertNull(read(t, e), "once known, an unchanged zero is not news");
    }

    @Test
    void avgAndStatsShipCountAndTotalIncrements() {
        for (AggKind kind : List.of(AggKind.AVG, AggKind.STATS)) {
            MapTracker t = MapTracker.of(binding(kind, U32, -1), Layout.perCpu(4, 16, 2));
            Map<ByteBuffer, byte[]> e = entries();
            e.put(k(u32(9)), perCpu(16, new long[] {2, 30}, new long[] {1, -5}));
            assertEquals(List.of(3L, 25L), read(t, e).getEntries().getFirst().getValues());
            e.put(k(u32(9)), perCpu(16, new long[] {2, 30}, new long[] {2, -3}));
            assertEquals(List.of(1L, 2L), read(t, e).getEntries().getFirst().getValues());
            assertNull(read(t, e));
        }
    }

    @Test
    void histogramsShipSparseSortedBucketsPerUserKey() {
        // kernel key: u32 user key, 4 bytes of padding, u64 bucket at 8
        MapTracker t = MapTracker.of(binding(AggKind.HIST, U32, 8), Layout.perCpu(16, 8, 2));
        Map<ByteBuffer, byte[]> e = entries();
        e.put(k(hkey(1, 5)), perCpu(8, new long[] {1}, new long[] {1}));
        e.put(k(hkey(1, 2)), perCpu(8, new long[] {4}, new long[] {0}));
        e.put(k(hkey(2, 7)), perCpu(8, new long[] {0}, new long[] {3}));
        e.put(k(hkey(1, 0)), perCpu(8, new long[] {0}, new long[] {0}));
        MapDelta d = read(t, e);
        assertEquals(Map.of(ck(1L), List.of(2L, 4L, 5L, 2L), ck(2L), List.of(7L, 3L)), byKey(d));

        e.put(k(hkey(1, 5)), perCpu(8, new long[] {1}, new long[] {2}));
        e.put(k(hkey(1, 9)), perCpu(8, new long[] {1}, new long[] {0}));
        d = read(t, e);
        assertEquals(Map.of(ck(1L), List.of(5L, 1L, 9L, 1L)), byKey(d), "user key 2 did not change");
        assertNull(read(t, e));
    }

    @Test
    void histogramBucketIsExcludedFromTheUserKey() {
        List<KeyField> comm = List.of(new KeyField(FieldKind.STRING, 0, 16));
        MapTracker t = MapTracker.of(binding(AggKind.LHIST, comm, 16), Layout.perCpu(24, 8, 1));
        byte[] k = new byte[24];
        System.arraycopy("wl".getBytes(StandardCharsets.US_ASCII), 0, k, 0, 2);
        ByteBuffer.wrap(k).order(ByteOrder.LITTLE_ENDIAN).putLong(16, 3);
        MapDelta d = read(t, Map.of(k(k), perCpu(8, new long[] {11})));
        assertEquals(Map.of(ck("wl"), List.of(3L, 11L)), byKey(d));
    }

    @Test
    void histogramSparseSorting() {
        assertEquals(List.of(0L, 1L, 3L, 9L, 64L, 2L), MapTracker.Histogram.sparse(new long[] {64, 2, 3, 9, 0, 1, 99}, 6));
    }

    private static byte[] hkey(int user, long bucket) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(0, user).putLong(8, bucket).array();
    }

    /** A read of an extreme map that closes {@code epoch}. */
    private static MapDelta read(MapTracker t, long epoch, boolean perWindow, Map<ByteBuffer, byte[]> entries) {
        ((MapTracker.Extreme) t).closing(epoch, perWindow);
        return read(t, entries);
    }

    @Test
    void withoutEpochsMinAndMaxReduceOverSetSlotsAndShipWhenTheyMove() {
        MapTracker min = MapTracker.of(binding(AggKind.MIN, U32, -1), Layout.perCpu(4, 32, CPUS));
        MapTracker max = MapTracker.of(binding(AggKind.MAX, U32, -1), Layout.perCpu(4, 32, CPUS));
        Map<ByteBuffer, byte[]> e = entries();
        // CPU 2 never saw the key: its 0 must not count as a minimum. Epoch 0: slot 0, tag 1.
        e.put(k(u32(1)), perCpu(32, new long[] {7, 1}, new long[] {-3, 1}, new long[] {0, 0}));
        e.put(k(u32(2)), perCpu(32, new long[] {0, 0}, new long[] {0, 0}, new long[] {0, 0}));
        assertEquals(Map.of(ck(1L), List.of(-3L)), byKey(read(min, 0, false, e)));
        assertEquals(Map.of(ck(1L), List.of(7L)), byKey(read(max, 0, false, e)));
        assertNull(read(min, 0, false, e));
        assertNull(read(max, 0, false, e));
        e.put(k(u32(1)), perCpu(32, new long[] {7, 1}, new long[] {-3, 1}, new long[] {9, 1}));
        assertNull(read(min, 0, false, e), "the minimum did not move");
        assertEquals(Map.of(ck(1L), List.of(9L)), byKey(read(max, 0, false, e)));
        e.put(k(u32(2)), perCpu(32, new long[] {0, 0}, new long[] {0, 0}, new long[] {0, 1}));
        assertEquals(Map.of(ck(2L), List.of(0L)), byKey(read(min, 0, false, e)), "a set zero is a value");
    }

    @Test
    void perWindowEachReadShipsTheExtremeOfTheEpochThatEndedOnly() {
        MapTracker min = MapTracker.of(binding(AggKind.MIN, U32, -1), Layout.perCpu(4, 32, CPUS));
        Map<ByteBuffer, byte[]> e = entries();
        // Epoch 4 (slot 0, tag 5) ended: CPUs 0 and 1 saw the key; CPU 2's slot 0 is from epoch 2 (tag 3),
        // and CPU 0 already writes epoch 5 (slot 1, tag 6), which this read must not take.
        e.put(k(u32(1)), perCpu(32, new long[] {40, 5, 1, 6}, new long[] {30, 5, 0, 0}, new long[] {-100, 3, 0, 0}));
        assertEquals(Map.of(ck(1L), List.of(30L)), byKey(read(min, 4, true, e)));
        // Epoch 5 ended: only CPU 0's slot 1 has its tag.
        assertEquals(Map.of(ck(1L), List.of(1L)), byKey(read(min, 5, true, e)));
        // Epoch 6: nobody wrote it.
        assertNull(read(min, 6, true, e));
        // Epoch 7 (slot 1, tag 8) with the same extreme as before: a window ships its extreme even when equal.
        e.put(k(u32(1)), perCpu(32, new long[] {40, 5, 1, 8}, new long[] {30, 5, 0, 0}, new long[] {-100, 3, 0, 0}));
        assertEquals(Map.of(ck(1L), List.of(1L)), byKey(read(min, 7, true, e)));
    }

    @Test
    void unsignedExtremesCompareUnsigned() {
        MapTracker max = MapTracker.of(binding(AggKind.MAX, U32, -1, FieldKind.UINT), Layout.perCpu(4, 32, 2));
        MapDelta d = read(max, 0, true, Map.of(k(u32(1)), perCpu(32, new long[] {-1, 1}, new long[] {5, 1})));
        assertEquals(List.of(-1L), d.getEntries().getFirst().getValues(), "0xffff_ffff_ffff_ffff is the largest u64");
    }

    @Test
    void integerValuesShipWhenChangedAndDeletionsWhenGone() {
        MapTracker t = MapTracker.of(binding(AggKind.VALUE, U32, -1), Layout.shared(4, 8));
        Map<ByteBuffer, byte[]> e = entries();
        e.put(k(u32(1)), perCpu(8, new long[] {-42}));
        e.put(k(u32(2)), perCpu(8, new long[] {0}));
        MapDelta d = read(t, e);
        assertEquals(Map.of(ck(1L), List.of(-42L), ck(2L), List.of(0L)), byKey(d), "a new key ships even when 0");
        assertNull(read(t, e));
        e.remove(k(u32(2)));
        d = read(t, e);
        assertEquals(1, d.getEntries().size());
        DeltaEntry del = d.getEntries().getFirst();
        assertTrue(del.getDeleted());
        assertEquals(ck(2L), del.getKey());
        assertEquals(List.of(), del.getValues());
        assertNull(read(t, e), "a deletion ships once");
    }

    @Test
    void narrowUnsignedValues() {
        MapTracker t = MapTracker.of(binding(AggKind.VALUE, U32, -1, FieldKind.UINT), Layout.shared(4, 4));
        MapDelta d = read(t, Map.of(k(u32(1)), u32(-1)));
        assertEquals(List.of(0xffff_ffffL), d.getEntries().getFirst().getValues());
        MapTracker s = MapTracker.of(binding(AggKind.VALUE, U32, -1, FieldKind.INT), Layout.shared(4, 4));
        assertEquals(List.of(-1L), read(s, Map.of(k(u32(1)), u32(-1))).getEntries().getFirst().getValues());
    }

    @Test
    void stringValuesShipTheirBytesUpToNul() {
        MapTracker t = MapTracker.of(binding(AggKind.VALUE, U32, -1, FieldKind.STRING), Layout.shared(4, 16));
        byte[] v = new byte[16];
        System.arraycopy("hello".getBytes(StandardCharsets.US_ASCII), 0, v, 0, 5);
        v[7] = 'x'; // bytes after the NUL are not part of the string
        DeltaEntry e = read(t, Map.of(k(u32(1)), v)).getEntries().getFirst();
        assertEquals("hello", StandardCharsets.US_ASCII.decode(e.getBytesValue()).toString());
        assertEquals(List.of(), e.getValues());
        assertFalse(e.getDeleted());
    }

    @Test
    void missedKeysAreConfirmedBeforeCountingAsGone() {
        MapTracker t = MapTracker.of(binding(AggKind.VALUE, U32, -1), Layout.shared(4, 8));
        read(t, Map.of(k(u32(1)), perCpu(8, new long[] {5}), k(u32(2)), perCpu(8, new long[] {6})));
        // The key-by-key scan missed key 1, which is in fact there with a new value; key 2 is gone.
        t.begin();
        MapDelta d = t.finish(raw -> raw[0] == 1 ? perCpu(8, new long[] {8}) : null);
        Map<ByteBuffer, DeltaEntry> m = new HashMap<>();
        for (DeltaEntry e : d.getEntries()) m.put(e.getKey(), e);
        assertEquals(List.of(8L), m.get(ck(1L)).getValues());
        assertTrue(m.get(ck(2L)).getDeleted());
    }

    @Test
    void countersForgetVanishedKeys() {
        MapTracker t = MapTracker.of(binding(AggKind.COUNT, U32, -1), Layout.perCpu(4, 8, 1));
        read(t, Map.of(k(u32(1)), perCpu(8, new long[] {5})));
        assertNull(read(t, Map.of()), "aggregations ship no deletions");
        assertEquals(List.of(2L), read(t, Map.of(k(u32(1)), perCpu(8, new long[] {2}))).getEntries().getFirst().getValues(),
                "a key deleted and created again counts from zero");
    }

    @Test
    void layoutsThatCannotHoldTheKindAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> MapTracker.of(binding(AggKind.AVG, U32, -1), Layout.perCpu(4, 8, 1)));
        assertThrows(IllegalArgumentException.class, () -> MapTracker.of(binding(AggKind.MIN, U32, -1), Layout.perCpu(4, 16, 1)));
        assertThrows(IllegalArgumentException.class, () -> MapTracker.of(binding(AggKind.HIST, U32, 0), Layout.perCpu(4, 8, 1)));
        assertThrows(IllegalArgumentException.class, () -> MapTracker.of(binding(AggKind.VALUE, U32, -1), Layout.perCpu(4, 8, 2)));
    }

    @Test
    void rawKeysCompareByContent() {
        byte[] buf = {9, 1, 2, 3, 9};
        RawKey probe = new RawKey().point(buf, 1, 3);
        RawKey owned = probe.copy();
        assertEquals(owned, new RawKey().point(new byte[] {1, 2, 3}, 0, 3));
        assertEquals(owned.hashCode(), probe.hashCode());
        assertArrayEquals(new byte[] {1, 2, 3}, probe.bytes());
        assertFalse(owned.equals(new RawKey().point(buf, 0, 3)));
    }
}
