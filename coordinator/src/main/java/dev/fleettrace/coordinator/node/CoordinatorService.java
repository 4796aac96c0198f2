package dev.fleettrace.coordinator.node;

import dev.fleettrace.coordinator.job.JobCoordinator;
import dev.fleettrace.schemas.ControlMessage;
import dev.fleettrace.schemas.Heartbeat;
import dev.fleettrace.schemas.Report;
import dev.fleettrace.transport.AvroSerde;
import dev.fleettrace.transport.ClientSettings;
import dev.fleettrace.transport.Offsets;
import dev.fleettrace.transport.Records;
import dev.fleettrace.transport.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.kafka.ConsumerSettings;
import org.apache.pekko.kafka.Subscriptions;
import org.apache.pekko.kafka.javadsl.Consumer;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator wired to Kafka: its guardian actor, one stream reading the control, deltas and
 * heartbeats topics (manual assignment: control and deltas from their end, heartbeats from their
 * start, so the latest beat of every member is known at once), and one producer for reports, stops
 * and its own heartbeats. Ready as soon as it is started: the offsets are fixed before the stream runs.
 */
public final class CoordinatorService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorService.class);

    private final KafkaProducer<String, byte[]> producer;
    private final Consumer.Control control;
    private final CompletionStage<Done> streamDone;

    private CoordinatorService(KafkaProducer<String, byte[]> producer, Consumer.Control control, CompletionStage<Done> streamDone) {
        this.producer = producer;
        this.control = control;
        this.streamDone = streamDone;
    }

    public static CoordinatorService start(ActorSystem<?> system, String bootstrap, Topics topics, String id, JobCoordinator.Timeouts timeouts) {
        return start(system, bootstrap, topics, id, Coordinator.Settings.of(timeouts), true);
    }

    /**
     * @param recover take over the jobs an earlier coordinator left running (see {@link Recovery}); false
     *                where the topics are known to be new (the embedded broker of one CLI run)
     */
    public static CoordinatorService start(ActorSystem<?> system, String bootstrap, Topics topics, String id, Coordinator.Settings coordinatorSettings,
                                           boolean recover) {
        var producer = new KafkaProducer<>(ClientSettings.producer(bootstrap, ClientSettings.clientId("coordinator", id, "out")).properties(),
                new StringSerializer(), new ByteArraySerializer());
        CoordinatorOutbox outbox = new KafkaOutbox(producer, topics);
        // Its own heartbeats come back to it on the heartbeats topic it reads: it judges what is missing by them.
        ActorRef<Coordinator.Command> guardian = system.systemActorOf(Coordinator.create(id, outbox, coordinatorSettings.withReadBack()),
                "coordinator-" + id, Props.empty());

        // Jobs left running by an earlier coordinator are rebuilt from the topics before anything new is read.
        Recovery.Found found = recover ? Recovery.read(bootstrap, topics, id, Duration.ofSeconds(30)) : Recovery.none(bootstrap, topics, id);
        found.jobs().forEach(j -> guardian.tell(new Coordinator.Recover(j.job(), j.submit(), j.history())));
        Map<TopicPartition, Long> start = new HashMap<>(found.liveStart());
        try (Admin admin = Admin.create(ClientSettings.admin(bootstrap, ClientSettings.clientId("coordinator", id, "admin")).properties())) {
            start.putAll(Offsets.beginning(admin, List.of(topics.heartbeats()), Duration.ofSeconds(10)));
        }
        var settings = ConsumerSettings.create(Adapter.toClassic(system), new StringDeserializer(), new ByteArrayDeserializer())
                .withProperties(ClientSettings.consumer(bootstrap, ClientSettings.clientId("coordinator", id, "in")).map())
                .withStopTimeout(Duration.ZERO)
                .withPollInterval(ClientSettings.IDLE_POLL)
                .withPollTimeout(ClientSettings.IDLE_POLL)
                // Nothing to commit (no group): closing need not wait for the broker.
                .withCloseTimeout(Duration.ofMillis(100));
        var control = AvroSerde.controlMessages();
        var agents = AvroSerde.agentRecords();
        var beats = AvroSerde.heartbeats();
        var running = Consumer.plainSource(settings, Subscriptions.assignmentWithOffset(start))
                .toMat(Sink.foreach((ConsumerRecord<String, byte[]> r) -> {
                    if (r.value() == null) {
                        // A heartbeat tombstone: the member left.
                        if (r.topic().equals(topics.heartbeats())) guardian.tell(new Coordinator.Left(r.key()));
                        return;
                    }
                    try {
                        if (r.topic().equals(topics.control())) guardian.tell(new Coordinator.Control(control.deserialize(r.topic(), r.value())));
                        else if (r.topic().equals(topics.deltas())) guardian.tell(new Coordinator.Agent(agents.deserialize(r.topic(), r.value())));
                        else guardian.tell(new Coordinator.Beat(beats.deserialize(r.topic(), r.value())));
                    } catch (RuntimeException e) {
                        log.warn("skipping a record of {} that does not decode: {}", r.topic(), e.getMessage());
                    }
                }), Keep.both())
                .run(system);
        return new CoordinatorService(producer, running.first(), running.second());
    }

    @Override
    public void close() {
        control.shutdown().toCompletableFuture().join();
        producer.close(Duration.ofSeconds(5));
    }

    /** Sends through one idempotent producer: per key, reports stay in the order they were made. */
    private record KafkaOutbox(KafkaProducer<String, byte[]> producer, Topics topics) implements CoordinatorOutbox {
        private static final AvroSerde<Report> REPORTS = AvroSerde.reports();
        private static final AvroSerde<ControlMessage> CONTROL = AvroSerde.controlMessages();
        private static final AvroSerde<Heartbeat> BEATS = AvroSerde.heartbeats();

        @Override
        public void report(Report report) {
            send(Records.report(topics, report), REPORTS);
        }

        @Override
        public void control(ControlMessage message) {
            send(Records.control(topics, message), CONTROL);
        }

        @Override
        public void heartbeat(Heartbeat beat) {
            send(Records.heartbeat(topics, beat), BEATS);
        }

        private <T extends org.apache.avro.specific.SpecificRecord> void send(ProducerRecord<String, T> r, AvroSerde<T> serde) {
            try {
                producer.send(new ProducerRecord<>(r.topic(), null, r.timestamp(), r.key(), serde.serialize(r.topic(), r.value())), (md, e) -> {
                    if (e != null) log.error("could not send to {}: {}", r.topic(), e.getMessage());
                });
            } catch (IllegalStateException closed) {
                // The service is closing: the guardian's last heartbeat has nowhere to go.
                log.debug("not sent to {}: {}", r.topic(), closed.getMessage());
            }
        }
    }
}
