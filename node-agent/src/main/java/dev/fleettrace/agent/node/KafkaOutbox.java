package dev.fleettrace.agent.node;

import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.Heartbeat;
import dev.fleettrace.transport.AvroSerde;
import dev.fleettrace.transport.ClientSettings;
import dev.fleettrace.transport.Records;
import dev.fleettrace.transport.Topics;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agents' outbox on Kafka: one idempotent producer ({@code acks=all}) shared by every agent and job of
 * the process, records keyed {@code job/agent} ({@link Records#agent}) so one agent's records of a job stay
 * in order on one partition. Values are encoded here with the {@link AvroSerde}s, so one producer carries
 * both record types.
 *
 * <p>{@code KafkaProducer.send} can block (up to {@code max.block.ms}) while it fetches metadata or waits
 * for buffer space, so actors never call it: records are handed to one FIFO sender thread (which keeps
 * each caller's order), heartbeats to another whose queue drops the oldest beat when the broker is away.
 * Thread-safe.
 */
public final class KafkaOutbox implements AgentOutbox, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaOutbox.class);

    private final Topics topics;
    private final KafkaProducer<String, byte[]> producer;
    private final AvroSerde<AgentRecord> records = AvroSerde.agentRecords();
    private final AvroSerde<Heartbeat> beats = AvroSerde.heartbeats();
    private final ExecutorService recordSender;
    private final ThreadPoolExecutor beatSender;
    private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean beatsFailing = new AtomicBoolean();
    private volatile boolean closing;

    /** A producer for {@code member} (the client id names it), e.g. the host name. */
    public KafkaOutbox(String bootstrap, Topics topics, String member) {
        this.topics = topics;
        var props = ClientSettings.producer(bootstrap, ClientSettings.clientId("agent", member, "deltas"))
                // A broker unknown for this long fails the send (and the job on this host) rather than
                // holding every later record behind it.
                .set(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000")
                .properties();
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        this.recordSender = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("fleettrace-outbox-records").unstarted(r));
        this.beatSender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(16),
                r -> Thread.ofPlatform().daemon().name("fleettrace-outbox-heartbeats").unstarted(r), new ThreadPoolExecutor.DiscardOldestPolicy());
    }

    @Override
    public CompletionStage<RecordMetadata> send(AgentRecord record) {
        var future = ordered(() -> {
            ProducerRecord<String, AgentRecord> r = Records.agent(topics, record);
            return encoded(r, records.serialize(r.topic(), record));
        });
        inFlight.add(future);
        future.whenComplete((md, err) -> inFlight.remove(future));
        return future;
    }

    /** Sends what {@code make} builds on the FIFO sender thread, behind every record queued before it. */
    private CompletableFuture<RecordMetadata> ordered(java.util.function.Supplier<ProducerRecord<String, byte[]>> make) {
        var future = new CompletableFuture<RecordMetadata>();
        try {
            recordSender.execute(() -> {
                try {
                    producer.send(make.get(), (md, err) -> {
                        if (err != null) future.completeExceptionally(err);
                        else future.complete(md);
                    });
                } catch (RuntimeException e) {
                    future.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(new IllegalStateException("the agent's Kafka producer is closed"));
        }
        return future;
    }

    @Override
    public void heartbeat(Heartbeat beat) {
        try {
            beatSender.execute(() -> {
                try {
                    ProducerRecord<String, Heartbeat> r = Records.heartbeat(topics, beat);
                    producer.send(encoded(r, beats.serialize(r.topic(), beat)), (md, err) -> beatResult(beat, err));
                } catch (RuntimeException e) {
                    beatResult(beat, e);
                }
            });
        } catch (RejectedExecutionException e) {
            // Closed: agents are going away, a beat less does not matter.
        }
    }

    /**
     * A tombstone for {@code member}: readers learn at once that it left, instead of waiting for its beats
     * to age. Queued behind every record sent before it.
     */
    public CompletionStage<RecordMetadata> leave(String member) {
        return ordered(() -> encoded(Records.leave(topics, member, System.currentTimeMillis()), null));
    }

    /** Waits up to {@code timeout} until every record sent so far is stored or failed; false on timeout. */
    public boolean awaitSent(Duration timeout) throws InterruptedException {
        try {
            CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).exceptionally(e -> null)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException e) {
            return true;
        } catch (TimeoutException e) {
            return false;
        }
    }

    /** Stops taking records, sends what is pending (waiting up to {@code timeout}) and closes the producer. */
    public void close(Duration timeout) {
        closing = true;
        recordSender.shutdown();
        beatSender.shutdownNow();
        try {
            recordSender.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(timeout);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    private static <V> ProducerRecord<String, byte[]> encoded(ProducerRecord<String, V> r, byte[] value) {
        return new ProducerRecord<>(r.topic(), r.partition(), r.timestamp(), r.key(), value);
    }

    // Log a broken link once, not every second.
    private void beatResult(Heartbeat beat, Exception err) {
        if (err == null) {
            if (beatsFailing.compareAndSet(true, false)) log.info("heartbeats of {} are getting through again", beat.getMember());
        } else if (!closing && beatsFailing.compareAndSet(false, true)) {
            log.warn("cannot write the heartbeat of {}: {}", beat.getMember(), JobRunner.oneLine(err));
        }
    }
}
