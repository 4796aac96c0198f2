/**
 * What this kernel can do, found by trying: helpers (a program calling one loads, or the verifier names
 * it unknown), map and program types, bounded loops, fentry. For {@code --info} and for refusing probe
 * types the kernel lacks before anything is attached.
 */
package dev.fleettrace.agent.kernel.features;
