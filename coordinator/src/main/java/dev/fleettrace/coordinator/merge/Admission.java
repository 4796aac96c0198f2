package dev.fleettrace.coordinator.merge;

/** What {@link SequenceTracker} says of one record (agent, incarnation, seq). */
public sealed interface Admission {

    boolean accepted();

    /**
     * Apply it.
     *
     * @param missed         records of this incarnation that never arrived before it (0 normally;
     *                       more when the topic lost some or the coordinator started reading late)
     * @param newIncarnation the first record of this incarnation of the agent: its kernel maps are new
     */
    record Accepted(long missed, boolean newIncarnation) implements Admission {
        @Override
        public boolean accepted() {
            return true;
        }
    }

    /** Seen already (Kafka redelivery): ignore it. */
    record Duplicate(long lastSeq) implements Admission {
        @Override
        public boolean accepted() {
            return false;
        }
    }
}
