package dev.fleettrace.agent.node;

import static dev.fleettrace.agent.node.RecordingOutbox.assertGapless;
import static dev.fleettrace.agent.node.RecordingOutbox.assertWindows;
import static dev.fleettrace.agent.node.RecordingOutbox.asStatus;
import static dev.fleettrace.agent.node.RecordingOutbox.status;
import static dev.fleettrace.agent.node.RecordingOutbox.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.agent.Fixtures;
import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.ControlMessage;
import dev.fleettrace.schemas.Heartbeat;
import dev.fleettrace.schemas.JobState;
import dev.fleettrace.schemas.JobStop;
import dev.fleettrace.schemas.JobSubmit;
import dev.fleettrace.schemas.Role;
import dev.fleettrace.schemas.StopReason;
import dev.fleettrace.testkit.KernelAssumptions;
import dev.fleettrace.testkit.Workload;
import dev.fleettrace.transport.AvroSerde;
import dev.fleettrace.transport.ClientSettings;
import dev.fleettrace.transport.EmbeddedKafka;
import dev.fleettrace.transport.Records;
import dev.fleettrace.transport.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Two agents in one actor system against an embedded broker: a job submitted on the control topic, read back from the deltas topic. */
@Tag("kernel")
class AgentsKafkaTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static EmbeddedKafka kafka;
    private static ActorTestKit kit;

    @BeforeAll
    static void start() {
        KernelAssumptions.assumeBpf();
        kafka = new EmbeddedKafka().start();
        kit = ActorTestKit.create("agents", Agents.quietConfig());
    }

    @AfterAll
    static void stop() {
        if (kit != null) kit.shutdownTestKit();
        if (kafka != null) kafka.close();
    }

    @Test
    void aJobSubmittedOnTheControlTopicRunsOnEveryAgentAndEndsOnJobStop() throws Exception {
        String comm = Fixtures.uniquePrefix();
        Topics topics = Topics.defaults().withPrefix("t-" + comm + "-").withDeltaPartitions(3);
        String bootstrap = kafka.bootstrapServers();
        String count = "tracepoint:syscalls:sys_enter_getppid /comm == \"" + comm + "\"/ { @ = count(); }";
        List<String> hosts = List.of("host-1", "host-2");
        AgentSettings settings = AgentSettings.defaults().withHeartbeatInterval(Duration.ofMillis(200));

        try (var control = new KafkaProducer<>(ClientSettings.producer(bootstrap, "test-cli").properties(), new StringSerializer(),
                AvroSerde.controlMessages())) {
            // The topics exist before the agents (as with a long-running cluster); a submit written
            // before they start is history they must not act on.
            try (var admin = org.apache.kafka.clients.admin.Admin.create(ClientSettings.admin(bootstrap, "test-admin").properties())) {
                Topics.ensureTopics(admin, topics, WAIT);
            }
            control.send(Records.control(topics, submitMessage("stale-" + comm, count))).get(10, TimeUnit.SECONDS);

            Agents agents = Agents.start(kit.system(), bootstrap, topics, hosts, settings);
            agents.ready().toCompletableFuture().get(30, TimeUnit.SECONDS);
            String job = "job-" + comm;
            try (var deltas = consumer(bootstrap, topics.deltas(), topics.deltaPartitions(), AvroSerde.agentRecords())) {
                control.send(Records.control(topics, submitMessage(job, count))).get(10, TimeUnit.SECONDS);
                Map<String, List<AgentRecord>> byAgent = new TreeMap<>();
                pollUntil(deltas, byAgent, all -> hosts.stream().allMatch(h -> all.getOrDefault(h, List.of()).stream().anyMatch(status(JobState.ATTACHED))));

                int n = 20_000;
                Workload.run(comm, "getppid", n);
                control.send(Records.control(topics, stopMessage(job))).get(10, TimeUnit.SECONDS);
                pollUntil(deltas, byAgent, all -> hosts.stream().allMatch(h -> all.getOrDefault(h, List.of()).stream().anyMatch(status(JobState.DETACHED))));

                assertEquals(Set.copyOf(hosts), byAgent.keySet());
                for (String h : hosts) {
                    List<AgentRecord> records = byAgent.get(h);
                    assertTrue(records.stream().allMatch(r -> r.getJob().equals(job)), "only the job submitted after start ran");
                    assertTrue(records.stream().allMatch(r -> r.getIncarnation() == agents.incarnation()));
                    assertGapless(records);
                    assertEquals(JobState.ATTACHED, asStatus(records.getFirst()).getState());
                    assertEquals(n, sum(assertWindows(records, true), "@"), h + " counted every call once");
                    assertEquals(JobState.DETACHED, asStatus(records.getLast()).getState());
                }
            }

            try (var beats = consumer(bootstrap, topics.heartbeats(), topics.heartbeatPartitions(), AvroSerde.heartbeats())) {
                Map<String, Heartbeat> last = new HashMap<>();
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (!last.keySet().containsAll(hosts) && System.nanoTime() < deadline)
                    for (ConsumerRecord<String, Heartbeat> r : beats.poll(Duration.ofMillis(200))) if (r.value() != null) last.put(r.key(), r.value());
                for (String h : hosts) {
                    assertEquals(Role.AGENT, last.get(h).getRole());
                    assertEquals(agents.incarnation(), last.get(h).getIncarnation());
                }
                agents.close();
                // Leaving writes a tombstone per agent.
                Set<String> left = new java.util.HashSet<>();
                deadline = System.nanoTime() + WAIT.toNanos();
                while (!left.containsAll(hosts) && System.nanoTime() < deadline)
                    for (ConsumerRecord<String, Heartbeat> r : beats.poll(Duration.ofMillis(200))) if (r.value() == null) left.add(r.key());
                assertEquals(Set.copyOf(hosts), left);
            }
        }
    }

    @Test
    void readyFailsWhenNoBrokerAnswersAndCloseStillReturns() throws Exception {
        AgentSettings settings = AgentSettings.defaults().withKafkaTimeout(Duration.ofSeconds(2));
        long t0 = System.nanoTime();
        // A daemon's own actor system: close() terminates it.
        Agents agents = Agents.start("127.0.0.1:1", Topics.defaults().withPrefix("none-"), List.of("host-x"), settings);
        var failure = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                () -> agents.ready().toCompletableFuture().get(30, TimeUnit.SECONDS));
        assertTrue(failure.getCause().getMessage() != null && !failure.getCause().getMessage().isBlank(), String.valueOf(failure.getCause()));
        agents.close();
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        assertTrue(seconds < 20, "gave up in " + seconds + " s");
    }

    @Test
    void aDaemonsOwnActorSystemEndsWithClose() throws Exception {
        Topics topics = Topics.defaults().withPrefix("own-" + Fixtures.uniquePrefix() + "-").withDeltaPartitions(1);
        Agents agents = Agents.start(kafka.bootstrapServers(), topics, List.of("daemon-host"), AgentSettings.defaults());
        agents.ready().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(List.of("daemon-host"), agents.hostNames());
        agents.close();
        agents.close(); // idempotent
    }

    private static ControlMessage submitMessage(String job, String source) {
        return ControlMessage.newBuilder().setJob(job).setTimestampMs(System.currentTimeMillis())
                .setBody(JobSubmit.newBuilder().setSource(source).setSourceName("stdin").setFlushIntervalMs(100).setExpectedAgents(2).build())
                .build();
    }

    private static ControlMessage stopMessage(String job) {
        return ControlMessage.newBuilder().setJob(job).setTimestampMs(System.currentTimeMillis())
                .setBody(JobStop.newBuilder().setReason(StopReason.COMMAND_EXITED).build()).build();
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> KafkaConsumer<String, T> consumer(String bootstrap, String topic, int partitions,
                                                                                                         AvroSerde<T> serde) {
        var c = new KafkaConsumer<>(ClientSettings.consumer(bootstrap, "test-reader").properties(), new StringDeserializer(), serde);
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) tps.add(new TopicPartition(topic, p));
        c.assign(tps);
        c.seekToBeginning(tps);
        return c;
    }

    private static void pollUntil(KafkaConsumer<String, AgentRecord> c, Map<String, List<AgentRecord>> byAgent,
                                  Predicate<Map<String, List<AgentRecord>>> done) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!done.test(byAgent)) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out; got " + byAgent.values().stream().flatMap(List::stream)
                    .map(RecordingOutbox::describe).toList());
            for (ConsumerRecord<String, AgentRecord> r : c.poll(Duration.ofMillis(200))) {
                assertEquals(Records.deltaKey(r.value().getJob(), r.value().getAgent()), r.key());
                byAgent.computeIfAbsent(r.value().getAgent(), k -> new ArrayList<>()).add(r.value());
            }
        }
    }
}
