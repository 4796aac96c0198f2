/**
 * Kernel facts the compiler takes as inputs (tracepoint formats, CPU count, what the kernel supports),
 * so that the same source and the same facts give the same bytecode on a host or in a unit test.
 * Parsers here read the kernel's text formats; reading them from a host is the agent's job.
 */
package dev.fleettrace.compiler.facts;
