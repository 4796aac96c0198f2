package dev.fleettrace.coordinator.output;

import java.util.List;

/**
 * One printed key of a map.
 *
 * @param key   the key parts as printed, {@link Long} for integers and {@code byte[]} for strings and
 *              stacks; the host leads them when the view shows hosts ({@link MapView#hostShown()})
 * @param host  VALUE maps: the host holding the value; null for aggregations (merged over hosts)
 */
public record Row(List<Object> key, String host, Value value) {

    public Row {
        key = List.copyOf(key);
    }

    /** A merged value, in the shape bpftrace prints it from. */
    public sealed interface Value {
        /** COUNT, SUM, MIN, MAX, and integer VALUE maps: signed or not as the map's schema says. */
        record Scalar(long value) implements Value {}

        /** String and stack VALUE maps. */
        record Text(byte[] bytes) implements Value {}

        /** AVG and STATS: the average bpftrace prints is {@code total / count}, truncated, 0 when empty. */
        record Average(long count, long total) implements Value {
            public long average() {
                return count == 0 ? 0 : total / count;
            }
        }

        /** HIST and LHIST: counts by bucket index. */
        record Counts(long[] counts) implements Value {
            public long total() {
                long t = 0;
                for (long c : counts) t += c;
                return t;
            }
        }
    }
}
