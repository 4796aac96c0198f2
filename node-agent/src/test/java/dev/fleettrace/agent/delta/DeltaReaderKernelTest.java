package dev.fleettrace.agent.delta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.agent.Fixtures;
import dev.fleettrace.agent.kernel.HostKernelFacts;
import dev.fleettrace.agent.kernel.LoadedProgram;
import dev.fleettrace.bpf.MapType;
import dev.fleettrace.plan.CanonicalKey;
import dev.fleettrace.schemas.DeltaEntry;
import dev.fleettrace.schemas.MapDelta;
import dev.fleettrace.testkit.KernelAssumptions;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

@Tag("kernel")
class DeltaReaderKernelTest {

    @BeforeEach
    void kernel() {
        KernelAssumptions.assumeBpf();
    }

    private static Map<ByteBuffer, List<Long>> entries(List<MapDelta> deltas, String map) {
        Map<ByteBuffer, List<Long>> m = new HashMap<>();
        for (MapDelta d : deltas) {
            assertEquals(map, d.getMap());
            for (DeltaEntry e : d.getEntries()) m.put(e.getKey(), e.getValues());
        }
        return m;
    }

    @ParameterizedTest
    @EnumSource(value = MapType.class, names = {"PERCPU_HASH", "HASH"})
    void countsComeAsExactIncrements(MapType type) throws Exception {
        String prefix = Fixtures.uniquePrefix();
        String a = prefix + "a", b = prefix + "b";
        try (LoadedProgram lp = LoadedProgram.load(Fixtures.countPlan(prefix, type))) {
            lp.attach();
            DeltaReader reader = new DeltaReader(lp);
            assertEquals(List.of(), reader.read(), "nothing happened yet");

            Fixtures.run(a, "getppid", 1000, Optional.empty());
            assertEquals(Map.of(ByteBuffer.wrap(CanonicalKey.of(a)), List.of(1000L)), entries(reader.read(), "@"));

            Fixtures.run(a, "getppid", 37, Optional.empty());
            Fixtures.run(b, "getppid", 5, Optional.empty());
            assertEquals(Map.of(ByteBuffer.wrap(CanonicalKey.of(a)), List.of(37L), ByteBuffer.wrap(CanonicalKey.of(b)), List.of(5L)),
                    entries(reader.read(), "@"));

            assertEquals(List.of(), reader.read(), "no change, no delta");
            Fixtures.run(b, "getppid", 1, Optional.empty());
            assertEquals(Map.of(ByteBuffer.wrap(CanonicalKey.of(b)), List.of(1L)), entries(reader.read(), "@"));
        }
    }

    @Test
    void histogramDeltasAreSparseBucketsPerKey() throws Exception {
        int whence = HostKernelFacts.detect().tracepoint("syscalls", "sys_enter_lseek").orElseThrow().field("whence").orElseThrow().offset();
        String prefix = Fixtures.uniquePrefix();
        String comm = prefix + "h";
        try (LoadedProgram lp = LoadedProgram.load(Fixtures.histPlan(prefix, whence))) {
            lp.attach();
            DeltaReader reader = new DeltaReader(lp);
            // wl lseek N calls lseek with whence i % 3.
            Fixtures.run(comm, "lseek", 1000, Optional.empty());
            ByteBuffer key = ByteBuffer.wrap(CanonicalKey.of(comm));
            assertEquals(Map.of(key, List.of(0L, 334L, 1L, 333L, 2L, 333L)), entries(reader.read(), "@h"));
            Fixtures.run(comm, "lseek", 2, Optional.empty());
            assertEquals(Map.of(key, List.of(0L, 1L, 1L, 1L)), entries(reader.read(), "@h"), "buckets that did not move are left out");
            assertTrue(reader.read().isEmpty());
        }
    }

    @Test
    void beginStateIsAValue() throws Exception {
        try (LoadedProgram lp = LoadedProgram.load(Fixtures.beginPlan())) {
            DeltaReader reader = new DeltaReader(lp);
            assertEquals(Map.of(ByteBuffer.wrap(CanonicalKey.EMPTY), List.of(0L)), entries(reader.read(), "@"), "an array slot exists from the start");
            lp.runBegin();
            assertEquals(Map.of(ByteBuffer.wrap(CanonicalKey.EMPTY), List.of(1L)), entries(reader.read(), "@"));
            assertEquals(List.of(), reader.read());
        }
    }
}
