package dev.fleettrace.agent.kernel.maps;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.agent.Fixtures;
import dev.fleettrace.agent.sys.Bpf;
import dev.fleettrace.agent.sys.Errno;
import dev.fleettrace.agent.sys.SysException;
import dev.fleettrace.bpf.MapType;
import dev.fleettrace.plan.KernelMap;
import dev.fleettrace.testkit.KernelAssumptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("kernel")
class BpfMapKernelTest {

    @BeforeEach
    void kernel() {
        KernelAssumptions.assumeBpf();
    }

    private static byte[] le(long... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) b.putLong(x);
        return b.array();
    }

    private static byte[] key(int i) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(i).array();
    }

    @Test
    void perCpuValuesComeOnePerPossibleCpuRoundedTo8() {
        // A 12-byte value takes a 16-byte slot per CPU.
        try (BpfMap m = BpfMap.create(new KernelMap(0, "pc", MapType.PERCPU_HASH, 4, 12, 16, 0))) {
            assertEquals(Cpus.possible(), m.cpus());
            assertEquals(16, m.valueStride());
            assertEquals(16 * Cpus.possible(), m.valueBufferSize());
            byte[] value = new byte[m.valueBufferSize()];
            for (int c = 0; c < m.cpus(); c++) ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).putLong(c * 16, 100 + c).putInt(c * 16 + 8, c);
            m.update(key(7), value);
            List<byte[]> per = m.lookupPerCpu(key(7)).orElseThrow();
            assertEquals(m.cpus(), per.size());
            for (int c = 0; c < m.cpus(); c++) {
                assertEquals(12, per.get(c).length);
                ByteBuffer b = ByteBuffer.wrap(per.get(c)).order(ByteOrder.LITTLE_ENDIAN);
                assertEquals(100 + c, b.getLong(0));
                assertEquals(c, b.getInt(8));
            }
            assertTrue(m.lookup(key(8)).isEmpty());
            assertTrue(m.delete(key(7)));
            assertFalse(m.delete(key(7)));
            assertThrows(IllegalArgumentException.class, () -> m.lookup(new byte[3]));
        }
    }

    @Test
    void updateFlagsAndErrnos() {
        try (BpfMap m = BpfMap.create(new KernelMap(0, "h", MapType.HASH, 4, 8, 2, 0))) {
            m.update(key(1), le(1), Bpf.BPF_NOEXIST);
            SysException e = assertThrows(SysException.class, () -> m.update(key(1), le(2), Bpf.BPF_NOEXIST));
            assertEquals(Errno.EEXIST, e.errno());
            assertEquals("EEXIST", e.errnoName());
            m.update(key(2), le(2));
            e = assertThrows(SysException.class, () -> m.update(key(3), le(3)));
            assertEquals(Errno.E2BIG, e.errno(), "a full hash map says E2BIG");
            assertTrue(e.getMessage().startsWith("BPF_MAP_UPDATE_ELEM: E2BIG"), e.getMessage());
        }
    }

    @Test
    void scansEveryEntryByBatchAndByKey() {
        int n = 5000; // more than one batch
        try (BpfMap m = BpfMap.create(new KernelMap(0, "big", MapType.PERCPU_HASH, 4, 8, 8192, 0))) {
            byte[] v = new byte[m.valueBufferSize()];
            for (int i = 0; i < n; i++) {
                ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).putLong(0, i).putLong(m.valueStride() * (m.cpus() - 1), 1);
                m.update(key(i), v);
            }
            for (boolean batch : new boolean[] {true, false}) {
                Map<Integer, Long> seen = new HashMap<>();
                BpfMap.Scan scan = m.forEach((keys, ko, values, vo) -> {
                    int k = ByteBuffer.wrap(keys, ko, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
                    ByteBuffer b = ByteBuffer.wrap(values).order(ByteOrder.LITTLE_ENDIAN);
                    long sum = 0;
                    for (int c = 0; c < m.cpus(); c++) sum += b.getLong(vo + c * m.valueStride());
                    assertTrue(seen.put(k, sum) == null, "key " + k + " twice");
                }, batch);
                assertEquals(batch ? BpfMap.Scan.BATCH : BpfMap.Scan.NEXT_KEY, scan, "this kernel has batch lookup for per-CPU hash maps");
                assertEquals(n, seen.size());
                for (int i = 0; i < n; i++) assertEquals(i + (m.cpus() > 1 ? 1 : 0), seen.get(i));
            }
            assertEquals(n, m.keys().size());
        }
    }

    @Test
    void batchScanOfAnArrayAndOfAnEmptyMap() {
        try (BpfMap arr = BpfMap.create(new KernelMap(0, "arr", MapType.PERCPU_ARRAY, 4, 8, 3, 0));
             BpfMap empty = BpfMap.create(new KernelMap(1, "empty", MapType.HASH, 8, 8, 16, 0))) {
            int[] count = {0};
            arr.forEach((k, ko, v, vo) -> count[0]++);
            assertEquals(3, count[0], "arrays have every index");
            empty.forEach((k, ko, v, vo) -> count[0]++);
            assertEquals(3, count[0]);
            assertTrue(empty.nextKey(null).isEmpty());
        }
    }

    @Test
    void nextKeyWalksInKernelOrder() {
        try (BpfMap m = BpfMap.create(new KernelMap(0, "arr", MapType.ARRAY, 4, 8, 3, 0))) {
            assertArrayEquals(key(0), m.nextKey(null).orElseThrow());
            assertArrayEquals(key(2), m.nextKey(key(1)).orElseThrow());
            assertTrue(m.nextKey(key(2)).isEmpty());
        }
    }

    @Test
    void nameAndIdAreTheKernels() {
        try (BpfMap m = BpfMap.create(new KernelMap(0, "@my map", MapType.HASH, 4, 8, 1, 0))) {
            Bpf.ObjInfo info = Bpf.mapInfo(m.fd());
            assertEquals("_my_map", info.name());
            assertEquals(m.id(), info.id());
            assertEquals(MapType.HASH.id, info.type());
        }
    }

    @Test
    void closedMapIsFreed() throws Exception {
        BpfMap m = BpfMap.create(new KernelMap(0, "gone", MapType.HASH, 4, 8, 1, 0));
        int id = m.id();
        m.close();
        m.close();
        assertThrows(IllegalStateException.class, () -> m.lookup(key(0)));
        assertTrue(Fixtures.mapGone(id));
    }

    @Test
    void refusedCreateNamesTheErrno() {
        SysException e = assertThrows(SysException.class, () -> BpfMap.create(new KernelMap(0, "bad", MapType.HASH, 0, 8, 1, 0)));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals("BPF_MAP_CREATE", e.operation());
    }
}
