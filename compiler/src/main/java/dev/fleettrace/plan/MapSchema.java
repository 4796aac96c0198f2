package dev.fleettrace.plan;

import java.util.List;

/**
 * The host-independent description of one bpftrace map: what it aggregates and the types of its key
 * parts. Every agent reports it when it attaches; the coordinator merges and prints by it.
 *
 * @param name       {@code @} or {@code @name}
 * @param key        key parts; empty for a map without a key ({@code @x = count()})
 * @param value      for VALUE maps, the type of the value; for aggregations, INT or UINT as the
 *                   aggregated expression is signed or not
 * @param lhistMin   lhist only: min, max and step as written
 */
public record MapSchema(String name, AggKind kind, List<FieldKind> key, FieldKind value, long lhistMin, long lhistMax, long lhistStep) {

    public MapSchema {
        key = List.copyOf(key);
    }

    public static MapSchema of(String name, AggKind kind, List<FieldKind> key, FieldKind value) {
        return new MapSchema(name, kind, key, value, 0, 0, 0);
    }

    public boolean scalar() {
        return key.isEmpty();
    }

    /** Number of buckets of an lhist: the underflow bucket, (max-min)/step buckets, the overflow bucket. */
    public int lhistBuckets() {
        return (int) ((lhistMax - lhistMin) / lhistStep) + 2;
    }
}
