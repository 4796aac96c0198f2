package dev.fleettrace.coordinator.merge;

import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.schemas.MapDelta;

/**
 * The fleet-wide merged state of one bpftrace map. Aggregations merge across hosts
 * ({@link AggregateMap}); plain assignments stay per host ({@link ValueMap}).
 */
public sealed interface MapState permits AggregateMap, ValueMap {

    MapSchema schema();

    /** Number of keys (for VALUE maps: of (host, key) pairs). */
    int size();

    /** Throws {@link IllegalArgumentException} if {@code delta} does not fit this map's kind; changes nothing. */
    void validate(MapDelta delta);

    /** Merges {@code delta} that {@code host} shipped; validates it first, so a bad delta changes nothing. */
    void apply(String host, MapDelta delta);

    /** {@code clear(@m)}: removes every key. */
    void clear();

    /** {@code zero(@m)}: keeps the keys, zeroes the values, as bpftrace does to its kernel map. */
    void zero();

    /** {@code delete(@m[key])} from an END or interval block: removes the key (from every host). */
    void delete(byte[] key);

    /** A deep copy. */
    MapState copy();

    static MapState of(MapSchema schema) {
        return switch (schema.kind()) {
            case VALUE -> new ValueMap(schema);
            case COUNT, SUM, MIN, MAX, AVG, STATS, HIST, LHIST -> new AggregateMap(schema);
        };
    }
}
