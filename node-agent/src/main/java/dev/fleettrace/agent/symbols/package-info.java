/**
 * Stacks and symbols resolved on the agent, where the kernel and the processes are: kernel addresses
 * through {@code /proc/kallsyms}, user addresses through {@code /proc/PID/maps} and the mapped ELF files'
 * symbol tables. What leaves the host is text, so the same stack from two hosts is one key.
 */
package dev.fleettrace.agent.symbols;
