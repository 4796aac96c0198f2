/**
 * The fleet-wide merged state of one job, plain single-threaded code: {@link
 * dev.fleettrace.coordinator.merge.FleetState} holds every map by name and applies each agent record
 * once ({@link dev.fleettrace.coordinator.merge.SequenceTracker}). Aggregations merge across hosts,
 * exactly and in any order ({@link dev.fleettrace.coordinator.merge.AggregateMap}); plain assignments
 * stay per host ({@link dev.fleettrace.coordinator.merge.ValueMap}). Keys are canonical key bytes
 * ({@link dev.fleettrace.plan.CanonicalKey}) in an open-addressing index, values in flat
 * {@code long[]} rows, so merging an entry for a known key allocates nothing. Histogram bucket
 * numbering, which the agents' kernel code must share, is {@link dev.fleettrace.coordinator.merge.Buckets}.
 */
package dev.fleettrace.coordinator.merge;
