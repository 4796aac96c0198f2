/** The tracing file system: where it is mounted, tracepoint ids and formats, the list of events. */
package dev.fleettrace.agent.kernel.tracefs;
