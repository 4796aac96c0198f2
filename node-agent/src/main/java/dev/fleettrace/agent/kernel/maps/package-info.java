/** BPF maps: creation from a plan's {@code KernelMap}, element operations, per-CPU values, scans. */
package dev.fleettrace.agent.kernel.maps;
