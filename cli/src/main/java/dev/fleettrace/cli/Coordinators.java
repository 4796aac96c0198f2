package dev.fleettrace.cli;

import dev.fleettrace.schemas.Heartbeat;
import dev.fleettrace.schemas.Role;
import dev.fleettrace.transport.AvroSerde;
import dev.fleettrace.transport.ClientSettings;
import dev.fleettrace.transport.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Whether a cluster has a coordinator to run a job, read from the (compacted) heartbeats topic. */
final class Coordinators {
    private Coordinators() {}

    static void requireLive(String bootstrap, Topics topics) {
        AvroSerde<Heartbeat> serde = AvroSerde.heartbeats();
        try (var c = new KafkaConsumer<>(ClientSettings.consumer(bootstrap, ClientSettings.clientId("cli", LocalFleet.host(), "beats")).properties(),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo p : c.partitionsFor(topics.heartbeats())) parts.add(new TopicPartition(p.topic(), p.partition()));
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long now = System.currentTimeMillis();
            long deadline = now + 5000;
            while (System.currentTimeMillis() < deadline && parts.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
                    if (r.value() == null) continue;
                    Heartbeat h = serde.deserialize(r.topic(), r.value());
                    if (h.getRole() == Role.COORDINATOR && h.getTimestampMs() + 3 * h.getIntervalMs() >= now) return;
                }
            }
        }
        throw new UserError("fleettrace: no coordinator is running against " + bootstrap
                + ": start one (fleettrace coordinator --bootstrap " + bootstrap + "), or run agents here with --agents N");
    }
}
