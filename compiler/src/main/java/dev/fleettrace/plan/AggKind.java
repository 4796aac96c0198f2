package dev.fleettrace.plan;

/**
 * The kind of a bpftrace map, which fixes its kernel value layout, its delta and how it merges.
 *
 * <p>Deltas an agent ships, per key ({@code long[] values}):
 * <ul>
 *   <li>COUNT, SUM: {@code [increment]} since the last flush.
 *   <li>MIN, MAX: {@code [candidate]}, the extreme seen in this window; merging is idempotent.
 *   <li>AVG, STATS: {@code [countIncrement, totalIncrement]}.
 *   <li>HIST, LHIST: sparse {@code [bucket, increment, bucket, increment, ...]}.
 *   <li>VALUE: a plain assignment ({@code @start[tid] = nsecs}): host-local state; {@code [value]} for
 *       integers, or the string bytes, replacing the host's previous value.
 * </ul>
 */
public enum AggKind {
    COUNT, SUM, MIN, MAX, AVG, STATS, HIST, LHIST, VALUE;

    /** Counters only grow in the kernel, so a delta is the difference of two reads. */
    public boolean additive() {
        return this == COUNT || this == SUM || this == AVG || this == STATS || this == HIST || this == LHIST;
    }

    public boolean histogram() {
        return this == HIST || this == LHIST;
    }

    /** The bpftrace function that creates a map of this kind ({@code count}, ..., or {@code null} for VALUE). */
    public String function() {
        return this == VALUE ? null : name().toLowerCase();
    }
}
