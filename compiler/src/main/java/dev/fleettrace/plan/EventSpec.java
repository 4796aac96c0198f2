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

    /**
     * {@code print(@m[, top[, div]])}, {@code clear(@m)}, {@code zero(@m)}: act on the fleet's merged map,
     * on the coordinator. {@code map} is the bpftrace name ({@code @m}).
     */
    record MapAction(int id, int size, Action action, String map, long top, long div, List<KeyField> keyFields, boolean begin) implements EventSpec {
        /** DELETE: {@code delete(@m[k])} of an aggregation; the kernel key follows the id, laid out as {@code keyFields} say. */
        public enum Action { PRINT, CLEAR, ZERO, DELETE }

        public MapAction {
            keyFields = List.copyOf(keyFields);
        }

        public MapAction(int id, int size, Action action, String map, long top, long div, boolean begin) {
            this(id, size, action, map, top, div, List.of(), begin);
        }
    }

    /** {@code print(value)}: the value as bpftrace prints it alone (tuples: a hook for when they exist). */
    record PrintValue(int id, int size, EventArg arg, boolean begin) implements EventSpec {}

    /** {@code time(format)}: formatted by the agent, with its host's clock. */
    record Time(int id, int size, String format, boolean begin) implements EventSpec {}

    /**
     * {@code join(array[, delim])}: up to {@code count} strings of at most {@code elementSize} bytes,
     * each NUL-terminated, at 8 + i * elementSize; an element starting with NUL ends the array.
     */
    record Join(int id, int size, String delim, int count, int elementSize, boolean begin) implements EventSpec {}

    /** {@code system(format, args...)}: the agent runs the command (with --unsafe); its standard output is the event's text. */
    record System(int id, int size, String format, List<EventArg> args, boolean begin) implements EventSpec {
        public System {
            args = List.copyOf(args);
        }
    }
}
