package dev.fleettrace.load;

import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.ControlMessage;
import dev.fleettrace.schemas.DeltaBatch;
import dev.fleettrace.schemas.Heartbeat;
import dev.fleettrace.schemas.JobStart;
import dev.fleettrace.schemas.JobState;
import dev.fleettrace.schemas.JobStatus;
import dev.fleettrace.schemas.JobStop;
import dev.fleettrace.schemas.JobSubmit;
import dev.fleettrace.schemas.MapDelta;
import dev.fleettrace.schemas.Role;
import dev.fleettrace.transport.AvroSerde;
import dev.fleettrace.transport.ClientSettings;
import dev.fleettrace.transport.Records;
import dev.fleettrace.transport.SchemaCodec;
import dev.fleettrace.transport.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * N simulated agents in one process, speaking the agents' protocol (docs/protocol.md) on the real topics
 * with the real serdes: each reads the control topic (one shared reader, as the agents of one process
 * share one), answers the job's submit with {@code JobStatus{ATTACHED, maps}}, heartbeats every second,
 * ships one {@code DeltaBatch} right after each window ends (labelled as a real agent labels it, also when
 * it fell behind), and on the stop a last batch ({@code last = true}, labelled with the window the stop cut
 * short) and {@code JobStatus{DETACHED}}. Records of one agent are numbered 1, 2, 3, ... and sent through
 * one shared idempotent producer ({@link ClientSettings#producer}, as the agents' {@code KafkaOutbox}).
 */
final class SimFleet implements AutoCloseable {

    private final class Agent {
        final String name;
        final long incarnation = System.currentTimeMillis();
        final SplittableRandom rnd;
        long seq;
        long window;
        boolean attached;
        boolean stopped;
        ScheduledFuture<?> next;

        Agent(String name, long seed) {
            this.name = name;
            this.rnd = new SplittableRandom(seed);
        }
    }

    private final String job;
    private final Topics topics;
    private final Workload workload;
    private final List<MapSchema> schemas;
    private final Expected expected;
    private final List<Agent> agents = new ArrayList<>();
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaProducer<String, byte[]> beats;
    private final KafkaConsumer<String, byte[]> control;
    private final ScheduledThreadPoolExecutor clock;
    private final ScheduledExecutorService beatClock;
    /** The longest time between two heartbeats of one agent that the broker stored. */
    final AtomicLong maxBeatGapMs = new AtomicLong();
    private final java.util.concurrent.ConcurrentHashMap<String, Long> lastBeat = new java.util.concurrent.ConcurrentHashMap<>();
    private final Thread controlReader;
    private final AvroSerde<AgentRecord> records = AvroSerde.agentRecords();
    private final AvroSerde<Heartbeat> beatSerde = AvroSerde.heartbeats();
    private volatile boolean closing;
    private final AtomicReference<JobStart> start = new AtomicReference<>();
    private final CompletableFuture<JobStart> started = new CompletableFuture<>();
    private final CompletableFuture<Void> detached = new CompletableFuture<>();
    private int detachedAgents;

    // Figures
    final AtomicLong batches = new AtomicLong();
    final AtomicLong entries = new AtomicLong();
    final AtomicLong avroBytes = new AtomicLong();
    final AtomicLong wireBytes = new AtomicLong();
    final AtomicLong sendErrors = new AtomicLong();
    final AtomicLong lateFlushes = new AtomicLong();
    final AtomicLong firstBatchMs = new AtomicLong(Long.MAX_VALUE);
    /** Per agent and window label: when the broker acknowledged the agent's batch (to tell a late host from a coordinator behind). */
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.ConcurrentSkipListMap<Long, Long>> stored =
            new java.util.concurrent.ConcurrentHashMap<>();

    SimFleet(String bootstrap, Topics topics, String job, int n, Workload workload, List<MapSchema> schemas, Expected expected, int threads) {
        this.job = job;
        this.topics = topics;
        this.workload = workload;
        this.schemas = schemas;
        this.expected = expected;
        for (int i = 1; i <= n; i++) agents.add(new Agent(String.format("sim-%03d", i), 1_000_003L * i));
        producer = new KafkaProducer<>(ClientSettings.producer(bootstrap, ClientSettings.clientId("agent", "load", "deltas")).properties(),
                new StringSerializer(), new ByteArraySerializer());
        beats = new KafkaProducer<>(ClientSettings.producer(bootstrap, ClientSettings.clientId("agent", "load", "beats")).properties(),
                new StringSerializer(), new ByteArraySerializer());
        control = new KafkaConsumer<>(ClientSettings.consumer(bootstrap, ClientSettings.clientId("agent", "load", "control")).properties(),
                new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        for (PartitionInfo p : control.partitionsFor(topics.control())) parts.add(new TopicPartition(p.topic(), p.partition()));
        control.assign(parts);
        control.seekToEnd(parts);
        for (TopicPartition p : parts) control.position(p); // fixed now: the submit comes after
        clock = new ScheduledThreadPoolExecutor(threads, r -> Thread.ofPlatform().daemon().name("load-agents").unstarted(r));
        clock.setRemoveOnCancelPolicy(true);
        // Heartbeats on a thread of their own, as the agents' outbox sends them: flushes never delay them.
        beatClock = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("load-beats").unstarted(r));
        beatClock.scheduleAtFixedRate(this::heartbeat, 0, 1000, TimeUnit.MILLISECONDS);
        controlReader = Thread.ofPlatform().daemon().name("load-control").start(this::readControl);
    }

    CompletableFuture<JobStart> started() {
        return started;
    }

    /** Completes when every agent wrote DETACHED. */
    CompletableFuture<Void> detached() {
        return detached;
    }

    private void readControl() {
        AvroSerde<ControlMessage> serde = AvroSerde.controlMessages();
        while (!closing) {
            try {
                for (ConsumerRecord<String, byte[]> r : control.poll(Duration.ofMillis(100))) {
                    if (!job.equals(r.key()) || r.value() == null) continue;
                    ControlMessage m = serde.deserialize(r.topic(), r.value());
                    switch (m.getBody()) {
                        case JobSubmit s -> agents.forEach(a -> clock.execute(() -> attach(a)));
                        case JobStart s -> onStart(s);
                        case JobStop s -> agents.forEach(a -> clock.execute(() -> stop(a)));
                        default -> {}
                    }
                }
            } catch (org.apache.kafka.common.errors.InterruptException | IllegalStateException e) {
                break;
            }
        }
        // A consumer is not thread-safe: the thread that polls it closes it.
        control.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ZERO));
    }

    private void heartbeat() {
        long now = System.currentTimeMillis();
        for (Agent a : agents) {
            Heartbeat h = Heartbeat.newBuilder().setMember(a.name).setRole(Role.AGENT).setIncarnation(a.incarnation).setTimestampMs(now)
                    .setIntervalMs(1000).setJobs(a.attached && !a.stopped ? List.of(job) : List.of()).build();
            ProducerRecord<String, Heartbeat> r = Records.heartbeat(topics, h);
            beats.send(new ProducerRecord<>(r.topic(), null, r.timestamp(), r.key(), beatSerde.serialize(r.topic(), h)), (md, e) -> {
                if (e != null || !a.attached || a.stopped) return;
                long at = System.currentTimeMillis();
                Long before = lastBeat.put(a.name, at);
                if (before != null) maxBeatGapMs.accumulateAndGet(at - before, Math::max);
            });
        }
    }

    private void attach(Agent a) {
        synchronized (a) {
            if (a.attached) return;
            a.attached = true;
            emit(a, JobStatus.newBuilder().setState(JobState.ATTACHED).setProbes(1)
                    .setMaps(schemas.stream().map(SchemaCodec::toRecord).toList()).build());
        }
    }

    private void onStart(JobStart s) {
        if (!start.compareAndSet(null, s)) return;
        started.complete(s);
        long now = System.currentTimeMillis();
        long first = Math.max(1, Math.floorDiv(now - s.getOriginMs(), s.getWindowMs()) + 1);
        for (Agent a : agents) synchronized (a) { schedule(a, first); }
    }

    /** Like the agents' WindowClock: the flush right after the window ends. */
    private void schedule(Agent a, long window) {
        JobStart s = start.get();
        long at = s.getOriginMs() + window * s.getWindowMs();
        a.next = clock.schedule(() -> flush(a, window), Math.max(0, at - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
    }

    private void flush(Agent a, long window) {
        synchronized (a) {
            if (a.stopped) return;
            JobStart s = start.get();
            // As a real agent: a flush that fell behind is labelled with the last window that ended.
            long label = Math.max(window, Math.floorDiv(System.currentTimeMillis() - s.getOriginMs(), s.getWindowMs()));
            if (label > window) lateFlushes.incrementAndGet();
            ship(a, label, false);
            schedule(a, label + 1);
        }
    }

    private void stop(Agent a) {
        synchronized (a) {
            if (a.stopped || !a.attached) return;
            a.stopped = true;
            if (a.next != null) a.next.cancel(false);
            // What happened in the window the stop cut short, labelled with it.
            ship(a, start.get() == null ? 0 : a.window + 1, true);
            emit(a, JobStatus.newBuilder().setState(JobState.DETACHED).setProbes(1).build());
        }
        synchronized (this) {
            if (++detachedAgents == agents.size()) detached.complete(null);
        }
    }

    private void ship(Agent a, long label, boolean last) {
        List<MapDelta> maps = workload.window(schemas, a.rnd, expected);
        a.window = label;
        int n = 0;
        for (MapDelta m : maps) n += m.getEntries().size();
        var byWindow = stored.computeIfAbsent(a.name, k -> new java.util.concurrent.ConcurrentSkipListMap<>());
        byte[] bytes = emit(a, DeltaBatch.newBuilder().setWindow(label).setLast(last).setMaps(maps).build(),
                () -> byWindow.merge(label, System.currentTimeMillis(), Math::min));
        batches.incrementAndGet();
        entries.addAndGet(n);
        avroBytes.addAndGet(bytes.length);
        // On the wire: the record alone in a batch, compressed as the producers compress (what one host sends).
        wireBytes.addAndGet(MemoryRecords.withRecords(Compression.of(ClientSettings.COMPRESSION).build(),
                new SimpleRecord(System.currentTimeMillis(), Records.deltaKey(job, a.name).getBytes(StandardCharsets.UTF_8), bytes)).sizeInBytes());
        firstBatchMs.accumulateAndGet(System.currentTimeMillis(), Math::min);
    }

    /** When the broker stored {@code agent}'s batch labelled {@code window}, or null if it did not (yet). */
    Long storedAt(String agent, long window) {
        var byWindow = stored.get(agent);
        return byWindow == null ? null : byWindow.get(window);
    }

    /**
     * When the broker held, from every agent, a batch that closes {@code window} (labelled with it or later):
     * from then on, closing the window is the coordinator's part. Null if some agent never shipped one.
     */
    Long completeAt(long window) {
        long latest = Long.MIN_VALUE;
        for (Agent a : agents) {
            var byWindow = stored.get(a.name);
            if (byWindow == null) return null;
            Long first = byWindow.tailMap(window).values().stream().min(Long::compare).orElse(null);
            if (first == null) return null;
            latest = Math.max(latest, first);
        }
        return latest;
    }

    private byte[] emit(Agent a, Object body) {
        return emit(a, body, () -> {});
    }

    private byte[] emit(Agent a, Object body, Runnable onStored) {
        AgentRecord r = AgentRecord.newBuilder().setJob(job).setAgent(a.name).setIncarnation(a.incarnation).setSeq(++a.seq)
                .setTimestampMs(System.currentTimeMillis()).setBody(body).build();
        ProducerRecord<String, AgentRecord> pr = Records.agent(topics, r);
        byte[] bytes = records.serialize(pr.topic(), r);
        producer.send(new ProducerRecord<>(pr.topic(), null, pr.timestamp(), pr.key(), bytes), (md, e) -> {
            if (e != null) sendErrors.incrementAndGet();
            else onStored.run();
        });
        return bytes;
    }

    @Override
    public void close() {
        closing = true;
        clock.shutdownNow();
        beatClock.shutdownNow();
        try {
            controlReader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Tombstones: the members left (the coordinator need not wait three beats to know).
        long now = System.currentTimeMillis();
        for (Agent a : agents) {
            ProducerRecord<String, Heartbeat> r = Records.leave(topics, a.name, now);
            beats.send(new ProducerRecord<String, byte[]>(r.topic(), null, r.timestamp(), r.key(), (byte[]) null));
        }
        producer.close(Duration.ofSeconds(5));
        beats.close(Duration.ofSeconds(5));
    }
}
