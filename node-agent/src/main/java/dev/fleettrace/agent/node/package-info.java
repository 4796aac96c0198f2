/**
 * The agent as Pekko typed actors, and its Kafka wiring.
 *
 * <ul>
 *   <li>{@link dev.fleettrace.agent.node.Agents} — the entry point: N {@link dev.fleettrace.agent.node.AgentNode}s
 *       in an actor system, one shared producer ({@link dev.fleettrace.agent.node.KafkaOutbox}) and one control
 *       consumer ({@link dev.fleettrace.agent.node.ControlFeed}).
 *   <li>{@link dev.fleettrace.agent.node.AgentNode} — one host identity: routes control messages to one
 *       {@link dev.fleettrace.agent.node.JobRunner} per job, writes heartbeats.
 *   <li>{@link dev.fleettrace.agent.node.JobRunner} — one job: owns its kernel objects, numbers and sends its
 *       records; a {@code RingReader} thread empties its ring buffer.
 * </ul>
 *
 * The actors only talk to {@link dev.fleettrace.agent.node.AgentOutbox}, so they are tested without Kafka.
 */
package dev.fleettrace.agent.node;
