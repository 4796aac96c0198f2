package dev.fleettrace.coordinator.output;

import dev.fleettrace.plan.MapSchema;
import java.util.Set;

/**
 * Whether a VALUE map's rows show their host as the first key part. VALUE maps are host-local
 * ({@code @start[tid] = nsecs}), so rows from different hosts may share a key; bpftrace on one host has
 * no such case. The rule ({@link #DEFAULT}, documented in docs/protocol.md): a map whose values come from
 * one host prints as bpftrace prints it; once more than one host holds values of it, every row shows
 * its host, so hosts are never mixed.
 */
@FunctionalInterface
public interface HostRule {

    boolean showHost(MapSchema schema, Set<String> hosts);

    /** The host is shown when more than one host holds values of the map. */
    HostRule WHEN_SEVERAL = (schema, hosts) -> hosts.size() > 1;

    HostRule DEFAULT = WHEN_SEVERAL;
}
