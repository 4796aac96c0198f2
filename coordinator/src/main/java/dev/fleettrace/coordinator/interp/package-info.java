/**
 * Runs END and interval blocks on the coordinator, once for the fleet, against the merged state:
 * a small tree-walking interpreter of the typed bpftrace AST with the kernel's integer semantics.
 */
package dev.fleettrace.coordinator.interp;
