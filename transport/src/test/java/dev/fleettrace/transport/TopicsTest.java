package dev.fleettrace.transport;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopicsTest {

    private static EmbeddedKafka kafka;
    private static Admin admin;

    @BeforeAll
    static void start() {
        kafka = new EmbeddedKafka().start();
        admin = Admin.create(ClientSettings.admin(kafka.bootstrapServers(), "test-admin").properties());
    }

    @AfterAll
    static void stop() {
        if (admin != null) admin.close(Duration.ofSeconds(5));
        if (kafka != null) kafka.close();
    }

    @Test
    void namesCarryThePrefix() {
        var t = Topics.defaults().withPrefix("site-a.");
        assertEquals("site-a.fleettrace.control", t.control());
        assertEquals("site-a.fleettrace.deltas", t.deltas());
        assertEquals("site-a.fleettrace.heartbeats", t.heartbeats());
        assertEquals("site-a.fleettrace.reports", t.reports());
        assertEquals("fleettrace.deltas", Topics.defaults().deltas());
        assertThrows(IllegalArgumentException.class, () -> Topics.defaults().withPrefix("a b"));
        assertThrows(IllegalArgumentException.class, () -> Topics.defaults().withPrefix("x/"));
        assertThrows(IllegalArgumentException.class, () -> Topics.defaults().withDeltaPartitions(0));
    }

    @Test
    void replicationFollowsTheClusterSize() {
        for (int brokers : new int[] {1, 2, 3, 9}) {
            for (var spec : Topics.defaults().specs(brokers)) {
                assertEquals(Math.min(3, brokers), spec.replicationFactor(), spec.name());
                assertEquals(brokers >= 3 ? "2" : "1", spec.configs().get("min.insync.replicas"), spec.name());
            }
        }
    }

    @Test
    void createsMissingTopicsWithTheirSettingsAndIsIdempotent() throws Exception {
        var topics = Topics.defaults().withPrefix("tt1-");
        Set<String> created = Topics.ensureTopics(admin, topics, Duration.ofSeconds(30));
        assertEquals(Set.copyOf(topics.names()), created);
        assertEquals(Set.of(), Topics.ensureTopics(admin, topics, Duration.ofSeconds(30)), "second call creates nothing");

        var described = admin.describeTopics(topics.names()).allTopicNames().get();
        assertEquals(1, described.get(topics.control()).partitions().size());
        assertEquals(12, described.get(topics.deltas()).partitions().size());
        assertEquals(1, described.get(topics.heartbeats()).partitions().size());
        assertEquals(3, described.get(topics.reports()).partitions().size());
        for (var d : described.values()) {
            for (var p : d.partitions()) assertEquals(1, p.replicas().size(), d.name() + " has one replica on one broker");
        }

        Map<String, Config> configs = configs(topics.names());
        String day = String.valueOf(Duration.ofHours(24).toMillis());
        String mb32 = String.valueOf(32 * 1024 * 1024);
        var deltas = configs.get(topics.deltas());
        assertEquals("delete", deltas.get("cleanup.policy").value());
        assertEquals(day, deltas.get("retention.ms").value());
        assertEquals(mb32, deltas.get("max.message.bytes").value());
        var reports = configs.get(topics.reports());
        assertEquals(day, reports.get("retention.ms").value());
        assertEquals(mb32, reports.get("max.message.bytes").value());
        var control = configs.get(topics.control());
        assertEquals("delete", control.get("cleanup.policy").value());
        assertEquals(day, control.get("retention.ms").value());
        var heartbeats = configs.get(topics.heartbeats());
        assertEquals("compact,delete", heartbeats.get("cleanup.policy").value());
        assertEquals(String.valueOf(Duration.ofHours(1).toMillis()), heartbeats.get("retention.ms").value());
        assertEquals("1", heartbeats.get("min.insync.replicas").value());
    }

    @Test
    void leavesExistingTopicsAloneAndCreatesTheRest() throws Exception {
        var topics = Topics.defaults().withPrefix("tt2-");
        admin.createTopics(List.of(new NewTopic(topics.deltas(), 2, (short) 1))).all().get();
        Set<String> created = Topics.ensureTopics(admin, topics, Duration.ofSeconds(30));
        assertEquals(Set.of(topics.control(), topics.heartbeats(), topics.reports()), created);
        assertEquals(2, admin.describeTopics(List.of(topics.deltas())).allTopicNames().get()
                .get(topics.deltas()).partitions().size(), "an existing topic is not changed");
    }

    @Test
    void concurrentCallersBothSucceed() throws Exception {
        var topics = Topics.defaults().withPrefix("tt3-").withDeltaPartitions(4);
        Callable<Set<String>> ensure = () -> Topics.ensureTopics(admin, topics, Duration.ofSeconds(30));
        try (var pool = Executors.newFixedThreadPool(3)) {
            var futures = pool.invokeAll(List.of(ensure, ensure, ensure));
            var all = new HashSet<String>();
            int total = 0;
            for (var f : futures) {
                all.addAll(f.get());
                total += f.get().size();
            }
            assertEquals(Set.copyOf(topics.names()), all);
            assertEquals(4, total, "each topic is reported created by exactly one caller");
        }
    }

    @Test
    void aBrokerThatDoesNotAnswerGivesAClearError() {
        var props = ClientSettings.admin("127.0.0.1:1", "test-admin").properties();
        props.put("request.timeout.ms", "500");
        props.put("default.api.timeout.ms", "1000");
        try (var dead = Admin.create(props)) {
            var e = assertThrows(org.apache.kafka.common.KafkaException.class,
                    () -> Topics.ensureTopics(dead, Topics.defaults(), Duration.ofSeconds(1)));
            assertTrue(e.getMessage().startsWith("cannot ask the cluster for its brokers"), e.getMessage());
        }
    }

    private static Map<String, Config> configs(List<String> names) throws Exception {
        var resources = names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
        return admin.describeConfigs(resources).all().get().entrySet().stream()
                .collect(Collectors.toMap(e -> e.getKey().name(), Map.Entry::getValue));
    }
}
