package dev.fleettrace.plan;

import java.util.List;

/**
 * How to decode one kind of ring buffer record. Every record starts with its 8-byte event id; the
 * arguments follow at the offsets the spec gives.
 */
public sealed interface EventSpec {

    int id();

    /** Size of the record in the ring buffer, id included. */
    int size();

    /** Emitted by BEGIN: every agent runs BEGIN, but its output is printed once for the fleet. */
    boolean begin();

    /** {@code printf(format, args...)}; the agent formats it and ships the text. */
    record Printf(int id, int size, String format, List<EventArg> args, boolean begin) implements EventSpec {
        public Printf {
            args = List.copyOf(args);
        }
    }

    /** {@code exit()}: the job ends fleet-wide. */
    record Exit(int id, int size, boolean begin) implements EventSpec {}
}
