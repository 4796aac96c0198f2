package dev.fleettrace.transport;

import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.ControlMessage;
import dev.fleettrace.schemas.Heartbeat;
import dev.fleettrace.schemas.Report;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;

/**
 * Keys and producer records for the four topics, so agents, coordinators and the CLI key them
 * alike. Each record's Kafka timestamp is the message's own {@code timestampMs}, so time-based
 * retention and {@code offsetsForTimes} follow the time the message describes.
 */
public final class Records {

    private Records() {
    }

    /** The deltas topic's key, {@code job/agent}: one agent's records of a job on one partition, in order. */
    public static String deltaKey(String job, String agent) {
        if (agent.indexOf('/') >= 0) {
            throw new IllegalArgumentException("an agent id cannot contain '/': " + agent);
        }
        return job + "/" + agent;
    }

    /** A deltas-topic key taken apart. */
    public record DeltaKey(String job, String agent) {
        /** Splits at the last '/', since agent ids have none (job ids may). */
        public static DeltaKey parse(String key) {
            int slash = key.lastIndexOf('/');
            if (slash < 0) throw new IllegalArgumentException("not a job/agent key: " + key);
            return new DeltaKey(key.substring(0, slash), key.substring(slash + 1));
        }

        @Override
        public String toString() {
            return deltaKey(job, agent);
        }
    }

    public static ProducerRecord<String, ControlMessage> control(Topics topics, ControlMessage m) {
        return new ProducerRecord<>(topics.control(), null, m.getTimestampMs(), m.getJob(), m);
    }

    public static ProducerRecord<String, AgentRecord> agent(Topics topics, AgentRecord r) {
        return new ProducerRecord<>(topics.deltas(), null, r.getTimestampMs(), deltaKey(r.getJob(), r.getAgent()), r);
    }

    public static ProducerRecord<String, Heartbeat> heartbeat(Topics topics, Heartbeat h) {
        return new ProducerRecord<>(topics.heartbeats(), null, h.getTimestampMs(), h.getMember(), h);
    }

    /**
     * A tombstone for a member that leaves cleanly: compaction then drops its heartbeats, and
     * readers see a {@code null} value for the member at once instead of waiting for it to time out.
     */
    public static ProducerRecord<String, Heartbeat> leave(Topics topics, String member, long timestampMs) {
        return new ProducerRecord<>(topics.heartbeats(), null, (Long) timestampMs, member, (Heartbeat) null);
    }

    public static ProducerRecord<String, Report> report(Topics topics, Report r) {
        return new ProducerRecord<>(topics.reports(), null, r.getTimestampMs(), r.getJob(), r);
    }

    /**
     * The partition Kafka's default partitioner puts a string key on, for a reader that wants one
     * job's reports without reading every partition. Holds as long as producers use the default
     * partitioner (ClientSettings does) and the partition count does not change.
     */
    public static int partitionFor(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
