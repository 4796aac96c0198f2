/**
 * What the compiler hands the runtime: the kernel maps to create, the programs to load and where to
 * attach them, how to read each bpftrace map out of its kernel map, and how to decode events from the
 * ring buffer. {@link dev.fleettrace.plan.MapSchema} and {@link dev.fleettrace.plan.CanonicalKey} are
 * host-independent: they are what crosses the wire, so maps from hosts with different kernels merge.
 */
package dev.fleettrace.plan;
