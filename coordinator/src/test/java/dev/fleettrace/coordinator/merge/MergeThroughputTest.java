package dev.fleettrace.coordinator.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.CanonicalKey;
import dev.fleettrace.plan.FieldKind;
import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.schemas.DeltaBatch;
import dev.fleettrace.schemas.DeltaEntry;
import dev.fleettrace.schemas.MapDelta;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The hot loop on pre-built Avro batches: prints entries merged per second and checks the totals, so a
 * regression shows in the test output without a flaky threshold. A few batches are applied over and
 * over, so they stay in cache as a batch just decoded by the consumer would be.
 */
class MergeThroughputTest {

    static DeltaBatch batch(String map, Random r, int keys, int entries, boolean hist) {
        List<DeltaEntry> es = new ArrayList<>(entries);
        for (int i = 0; i < entries; i++) {
            List<Long> v = hist ? List.of((long) r.nextInt(34), 1L) : List.of(1L);
            es.add(DeltaEntry.newBuilder().setKey(ByteBuffer.wrap(CanonicalKey.of((long) r.nextInt(keys)))).setValues(v)
                    .setBytesValue(null).setDeleted(false).build());
        }
        return DeltaBatch.newBuilder().setWindow(1).setLast(false).setMaps(List.of(MapDelta.newBuilder().setMap(map).setEntries(es).build())).build();
    }

    @Test
    void mergesMillionsOfEntriesPerSecond() {
        for (boolean hist : new boolean[] {false, true}) {
            MapSchema s = MapSchema.of("@m", hist ? AggKind.HIST : AggKind.COUNT, List.of(FieldKind.INT), FieldKind.INT);
            Random r = new Random(1);
            int keys = 10_000;
            List<DeltaBatch> batches = new ArrayList<>();
            for (int i = 0; i < 4; i++) batches.add(batch("@m", r, keys, 10_000, hist));
            FleetState st = new FleetState(List.of(s));
            long best = Long.MAX_VALUE;
            for (int round = 0; round < 3; round++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < 25; i++) for (DeltaBatch b : batches) st.apply("h", b);
                best = Math.min(best, System.nanoTime() - t0);
            }
            long total = 0;
            for (AggregateMap.Entry e : ((AggregateMap) st.map("@m")).entries()) for (long v : e.values()) total += v;
            assertEquals(3L * 100 * 10_000, total);
            System.out.printf("%s, %d keys: %.1f M entries/s%n", hist ? "hist" : "count", keys, 1_000_000.0 / best * 1000);
        }
    }
}
