package dev.fleettrace.coordinator.node;

import dev.fleettrace.schemas.ControlMessage;
import dev.fleettrace.schemas.Heartbeat;
import dev.fleettrace.schemas.Report;

/** Where the coordinator's messages go: Kafka in production, a collector in tests. */
public interface CoordinatorOutbox {

    void report(Report report);

    void control(ControlMessage message);

    void heartbeat(Heartbeat beat);
}
