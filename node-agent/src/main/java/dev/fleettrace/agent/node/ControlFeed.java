package dev.fleettrace.agent.node;

import dev.fleettrace.schemas.ControlMessage;
import dev.fleettrace.transport.AvroSerde;
import dev.fleettrace.transport.ClientSettings;
import dev.fleettrace.transport.Offsets;
import dev.fleettrace.transport.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.kafka.ConsumerSettings;
import org.apache.pekko.kafka.Subscriptions;
import org.apache.pekko.kafka.javadsl.Consumer.DrainingControl;
import org.apache.pekko.stream.javadsl.Sink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the control topic for the agents of one actor system and hands every message to a callback (which
 * fans it out to every AgentNode). No consumer group: every process must see every message, so all
 * control partitions are assigned manually, each from the end offset it had at start-up: an agent acts
 * only on messages written after it started, never on old submits. {@link #ready()} completes once those
 * offsets are known and the consumer stream runs: anything written afterwards will be seen.
 *
 * <p>Undecodable messages are logged and skipped, so one bad record cannot make an agent deaf.
 */
public final class ControlFeed {
    private static final Logger log = LoggerFactory.getLogger(ControlFeed.class);

    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final Object lock = new Object();
    private DrainingControl<Done> control;
    private boolean stopped;

    private ControlFeed() {}

    /**
     * Starts reading: creates any missing fleettrace topic, looks up the control partitions' end offsets
     * (off the caller's thread), then runs the consumer.
     */
    public static ControlFeed start(ActorSystem<?> system, String bootstrap, Topics topics, String member, Duration timeout,
                                    Consumer<ControlMessage> onMessage) {
        var feed = new ControlFeed();
        // Admin calls block for up to the timeout: on a thread of their own, not a shared pool.
        Executor lookup = r -> Thread.ofPlatform().daemon().name("fleettrace-control-positioning").start(r);
        CompletableFuture.supplyAsync(() -> endOffsets(bootstrap, topics, member, timeout), lookup)
                .thenAccept(offsets -> feed.run(system, bootstrap, member, offsets, onMessage))
                .whenComplete((ok, err) -> {
                    if (err != null) feed.ready.completeExceptionally(err instanceof java.util.concurrent.CompletionException c ? c.getCause() : err);
                });
        return feed;
    }

    /** Completes once the feed is positioned at the end of every control partition; fails if the broker cannot be reached. */
    public CompletionStage<Void> ready() {
        return ready;
    }

    /** Stops reading (at once: no messages are in flight to wait for). Idempotent. */
    public CompletionStage<Done> stop() {
        DrainingControl<Done> c;
        synchronized (lock) {
            stopped = true;
            c = control;
        }
        if (c == null) return CompletableFuture.completedFuture(Done.getInstance());
        return c.shutdown();
    }

    private static Map<TopicPartition, Long> endOffsets(String bootstrap, Topics topics, String member, Duration timeout) {
        try (Admin admin = Admin.create(ClientSettings.admin(bootstrap, ClientSettings.clientId("agent", member, "admin")).properties())) {
            Topics.ensureTopics(admin, topics, timeout);
            return Offsets.end(admin, List.of(topics.control()), timeout);
        }
    }

    private void run(ActorSystem<?> system, String bootstrap, String member, Map<TopicPartition, Long> offsets,
                     Consumer<ControlMessage> onMessage) {
        AvroSerde<ControlMessage> serde = AvroSerde.controlMessages();
        var settings = ConsumerSettings.create(system, new StringDeserializer(), new ByteArrayDeserializer())
                .withProperties(ClientSettings.consumer(bootstrap, ClientSettings.clientId("agent", member, "control")).map())
                // Nothing is committed or in flight: waiting the default 30 s at shutdown buys nothing.
                .withStopTimeout(Duration.ZERO)
                .withPollInterval(ClientSettings.IDLE_POLL)
                .withPollTimeout(ClientSettings.IDLE_POLL);
        synchronized (lock) {
            if (stopped) {
                ready.completeExceptionally(new IllegalStateException("the control feed was stopped before it started"));
                return;
            }
            control = org.apache.pekko.kafka.javadsl.Consumer.plainSource(settings, Subscriptions.assignmentWithOffset(offsets))
                    .mapConcat(r -> decode(serde, r))
                    .toMat(Sink.foreach(onMessage::accept), org.apache.pekko.kafka.javadsl.Consumer::createDrainingControl)
                    .run(system);
        }
        control.streamCompletion().whenComplete((done, err) -> {
            if (err != null) log.error("the control topic consumer stopped: {}; this agent receives no more jobs", JobRunner.oneLine(err));
        });
        log.debug("control feed of {} positioned at {}", member, offsets);
        ready.complete(null);
    }

    private static List<ControlMessage> decode(AvroSerde<ControlMessage> serde, ConsumerRecord<String, byte[]> r) {
        try {
            ControlMessage m = serde.deserialize(r.topic(), r.value());
            return m == null ? List.of() : List.of(m);
        } catch (SerializationException e) {
            log.warn("skipping control message at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
            return List.of();
        }
    }
}
