package dev.fleettrace.coordinator.merge;

import dev.fleettrace.plan.MapSchema;

/**
 * bpftrace 0.17's histogram bucket numbering. The agent's kernel code must write bucket indexes with
 * exactly these rules (the coordinator only adds counts per index), and the printers label indexes
 * with them.
 *
 * <h2>hist(n)</h2>
 * Index 0 holds n &lt; 0 (signed 64-bit compare), index 1 holds n == 0, and for n &ge; 1 the index is
 * {@code 2 + floor(log2(n))}, <b>saturated at 33</b>: 0.17's log2 (codegen {@code createLog2Function})
 * tests shifts of 16, 8, 4, 2, 1 only, so it never counts past 31 and every n &ge; 2^31 lands in index
 * 33, printed {@code [2G, 4G)} (recorded: {@code hist(1<<40)}, {@code hist(0x7fffffffffffffff)} and a
 * tracepoint's zero-extended {@code -100} all print there). bpftrace still allocates 65 slots per key
 * when it reads the map, so indexes up to 64 are accepted here.
 *
 * <h2>lhist(n, min, max, step)</h2>
 * Index 0 for n &lt; min; {@code 1 + (max - min) / step} (the overflow bucket) for n &gt; max;
 * otherwise {@code 1 + (n - min) / step} — so n == max, and any n in a last partial step, land in the
 * overflow bucket too (recorded: {@code lhist(58000, 1000, 60000, 7000)} prints {@code [60000, ...)}).
 * Signed compares and division; bpftrace 0.17 rejects a negative min at compile time.
 */
public final class Buckets {
    private Buckets() {}

    /** Slots bpftrace reads per hist key. */
    public static final int HIST_SLOTS = 65;

    /** The highest index 0.17's log2 can produce. */
    public static final int HIST_MAX_INDEX = 33;

    public static int log2Index(long n) {
        if (n < 0) return 0;
        if (n == 0) return 1;
        return 2 + Math.min(63 - Long.numberOfLeadingZeros(n), 31);
    }

    public static int lhistIndex(long n, long min, long max, long step) {
        if (n < min) return 0;
        if (n > max) return (int) (1 + (max - min) / step);
        return (int) (1 + (n - min) / step);
    }

    /** Slots of one key of a map of this kind: 65 for hist, underflow + buckets + overflow for lhist. */
    public static int slots(MapSchema schema) {
        return switch (schema.kind()) {
            case HIST -> HIST_SLOTS;
            case LHIST -> schema.lhistBuckets();
            default -> throw new IllegalArgumentException(schema.name() + " is not a histogram");
        };
    }
}
