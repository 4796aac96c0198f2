/**
 * Deltas of bpftrace maps: per-CPU values reduced on the host and the changes since the previous read,
 * as the Avro {@code MapDelta} the coordinator merges.
 */
package dev.fleettrace.agent.delta;
