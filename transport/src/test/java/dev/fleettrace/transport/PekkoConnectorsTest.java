package dev.fleettrace.transport;

import com.typesafe.config.ConfigFactory;
import dev.fleettrace.schemas.AgentRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.kafka.ConsumerSettings;
import org.apache.pekko.kafka.ProducerSettings;
import org.apache.pekko.kafka.Subscriptions;
import org.apache.pekko.kafka.javadsl.Consumer;
import org.apache.pekko.kafka.javadsl.Producer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The settings and serdes as the pipeline uses them: through pekko-connectors-kafka. */
class PekkoConnectorsTest {

    private static EmbeddedKafka kafka;
    private static ActorSystem system;
    private static final Topics topics = Topics.defaults().withPrefix("pk-").withDeltaPartitions(3);

    @BeforeAll
    static void start() {
        kafka = new EmbeddedKafka().start();
        try (var admin = Admin.create(ClientSettings.admin(kafka.bootstrapServers(), "test-admin").properties())) {
            Topics.ensureTopics(admin, topics, Duration.ofSeconds(30));
        }
        system = ActorSystem.create("pk", ConfigFactory.parseString("""
                pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
                pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
                pekko.loglevel = WARNING
                pekko.stdout-loglevel = OFF
                """).withFallback(ConfigFactory.load()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (system != null) {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (kafka != null) kafka.close();
    }

    @Test
    void agentRecordsThroughPekkoProducerAndConsumer() throws Exception {
        String bootstrap = kafka.bootstrapServers();
        var producerSettings = ProducerSettings.create(system, new StringSerializer(), AvroSerde.agentRecords())
                .withProperties(ClientSettings.producer(bootstrap, ClientSettings.clientId("agent", "host-a", "deltas")).map());
        var sent = new ArrayList<AgentRecord>();
        for (int seq = 1; seq <= 200; seq++) sent.add(Messages.smallDelta("job-p", "host-" + (seq % 4), seq));
        sent.add(Messages.bigDelta("job-p", "host-big", 1, 50_000));
        Source.from(sent).map(r -> Records.agent(topics, r))
                .runWith(Producer.plainSink(producerSettings), system)
                .toCompletableFuture().get(30, TimeUnit.SECONDS);

        var consumerSettings = ConsumerSettings.create(system, new StringDeserializer(), AvroSerde.agentRecords())
                .withProperties(ClientSettings.consumer(bootstrap, ClientSettings.clientId("coordinator", "c1", "deltas")).map())
                .withStopTimeout(Duration.ZERO);
        var partitions = new HashSet<TopicPartition>();
        for (int p = 0; p < topics.deltaPartitions(); p++) partitions.add(new TopicPartition(topics.deltas(), p));
        List<AgentRecord> got = Consumer.plainSource(consumerSettings, Subscriptions.assignmentWithOffset(
                        partitions.stream().collect(java.util.stream.Collectors.toMap(tp -> tp, tp -> 0L))))
                .take(sent.size())
                .map(r -> r.value())
                .runWith(Sink.seq(), system)
                .toCompletableFuture().get(30, TimeUnit.SECONDS);

        assertEquals(sent.size(), got.size());
        assertEquals(new HashSet<>(sent).size(), new HashSet<>(got).size());
        assertEquals(true, new HashSet<>(got).containsAll(sent), "every record decoded equal");
    }
}
