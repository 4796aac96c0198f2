package dev.fleettrace.transport;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.avro.specific.SpecificRecord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Plain producers and consumers over the module's settings, for tests. */
final class Clients {

    private Clients() {
    }

    static <T extends SpecificRecord> KafkaProducer<String, T> producer(String bootstrap, AvroSerde<T> serde) {
        return new KafkaProducer<>(ClientSettings.producer(bootstrap, ClientSettings.clientId("test", "host", "produce"))
                .properties(), new StringSerializer(), serde);
    }

    /** Sends and waits for every acknowledgement. */
    static <T extends SpecificRecord> void sendAll(KafkaProducer<String, T> producer, List<ProducerRecord<String, T>> records) {
        var futures = new ArrayList<java.util.concurrent.Future<?>>();
        for (var r : records) futures.add(producer.send(r));
        producer.flush();
        for (var f : futures) {
            try {
                f.get();
            } catch (Exception e) {
                throw new AssertionError("send failed", e);
            }
        }
    }

    /** Reads every partition of {@code topic} from the start until {@code count} records came. */
    static <T extends SpecificRecord> List<ConsumerRecord<String, T>> readAll(String bootstrap, String topic,
                                                                            AvroSerde<T> serde, int count) {
        return readAll(bootstrap, topic, serde, count, key -> true);
    }

    /** Reads every partition of {@code topic} from the start until {@code count} records with a matching key came. */
    static <T extends SpecificRecord> List<ConsumerRecord<String, T>> readAll(String bootstrap, String topic,
                                                                            AvroSerde<T> serde, int count,
                                                                            java.util.function.Predicate<String> key) {
        var props = ClientSettings.consumer(bootstrap, ClientSettings.clientId("test", "host", "read")).properties();
        try (var consumer = new KafkaConsumer<>(props, new StringDeserializer(), serde)) {
            var parts = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            var out = new ArrayList<ConsumerRecord<String, T>>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                for (var r : consumer.poll(Duration.ofMillis(200))) if (key.test(r.key())) out.add(r);
            }
            if (out.size() < count) throw new AssertionError("read " + out.size() + " of " + count + " records from " + topic);
            return out;
        }
    }
}
