package dev.fleettrace.agent.node;

import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.Heartbeat;
import java.util.concurrent.CompletionStage;

/**
 * Where an agent's records go: the deltas and heartbeats topics in a deployment ({@link KafkaOutbox}),
 * a list in a test. The actors depend on this alone, so they can be tested without a broker.
 */
public interface AgentOutbox {

    /**
     * Sends one record of a job. Records sent one after the other from one thread arrive in that order;
     * the stage completes when the record is stored, or exceptionally when it cannot be.
     */
    CompletionStage<?> send(AgentRecord record);

    /** Announces the agent is alive; best effort (a lost beat is replaced by the next). */
    void heartbeat(Heartbeat beat);
}
