package dev.fleettrace.plan;

import java.util.List;

/**
 * How the agent reads one bpftrace map out of its kernel map.
 *
 * <p>Kernel value layouts by kind (8-byte slots, per CPU where the map is per-CPU):
 * COUNT/SUM {@code [value]}; MIN/MAX {@code [value0, tag0, value1, tag1]}: one extreme per flush
 * window, in slot {@code epoch & 1}, valid when its tag is {@code epoch + 1}, where epoch is the u64 in
 * {@link ProgramPlan#epochMap()} that the agent increments at every flush; so the agent reads the window
 * that just ended while probes write the next, and min/max restart with every window like bpftrace's
 * after {@code clear()}; AVG/STATS {@code [count, total]};
 * HIST/LHIST {@code [count]} per bucket, the bucket index being the last 8 bytes of the key
 * ({@code bucketOffset}); VALUE: the integer (8 bytes) or the string bytes, not per-CPU.
 *
 * @param keyFields    the key parts, in schema order
 * @param bucketOffset offset of the bucket index in the kernel key, or -1
 * @param valueSymbolic for a VALUE map of stacks or symbols, how the agent resolves the kernel value; else null
 * @param valueTuple    for a VALUE map of tuples, their kernel layout; else null
 */
public record MapBinding(MapSchema schema, int kernelMap, List<KeyField> keyFields, int bucketOffset, Symbolic valueSymbolic, TupleLayout valueTuple) {

    public MapBinding {
        keyFields = List.copyOf(keyFields);
        if (keyFields.size() != schema.key().size()) throw new IllegalArgumentException("key layout does not match the schema of " + schema.name());
    }

    public MapBinding(MapSchema schema, int kernelMap, List<KeyField> keyFields, int bucketOffset) {
        this(schema, kernelMap, keyFields, bucketOffset, null, null);
    }

    public MapBinding(MapSchema schema, int kernelMap, List<KeyField> keyFields, int bucketOffset, Symbolic valueSymbolic) {
        this(schema, kernelMap, keyFields, bucketOffset, valueSymbolic, null);
    }

    /** Whether any part of a key or the value needs the agent to resolve stacks or symbols. */
    public boolean symbolic() {
        return valueSymbolic != null || (valueTuple != null && valueTuple.symbolic()) || keyFields.stream().anyMatch(f -> f.symbolic() != null);
    }
}
