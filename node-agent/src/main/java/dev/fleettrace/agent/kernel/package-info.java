/**
 * A compiled program in the kernel as one owned object ({@link dev.fleettrace.agent.kernel.LoadedProgram}),
 * the host's kernel facts, and failures in words for the user
 * ({@link dev.fleettrace.agent.kernel.KernelException}). Sub-packages hold one kernel concept each:
 * maps, programs, links, tracefs.
 */
package dev.fleettrace.agent.kernel;
