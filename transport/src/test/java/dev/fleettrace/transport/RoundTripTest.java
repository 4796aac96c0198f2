package dev.fleettrace.transport;

import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.DeltaBatch;
import dev.fleettrace.schemas.Report;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every message kind through a real broker, with the module's topics, settings and serdes. */
class RoundTripTest {

    private static EmbeddedKafka kafka;
    private static final Topics topics = Topics.defaults().withPrefix("rt-").withDeltaPartitions(6);

    @BeforeAll
    static void start() {
        kafka = new EmbeddedKafka().start();
        try (var admin = Admin.create(ClientSettings.admin(kafka.bootstrapServers(), "test-admin").properties())) {
            Topics.ensureTopics(admin, topics, Duration.ofSeconds(30));
        }
    }

    @AfterAll
    static void stop() {
        if (kafka != null) kafka.close();
    }

    @Test
    void controlMessagesOfBothKinds() {
        var serde = AvroSerde.controlMessages();
        var sent = List.of(Messages.submit("job-1"), Messages.stop("job-1"));
        try (var p = Clients.producer(kafka.bootstrapServers(), serde)) {
            Clients.sendAll(p, sent.stream().map(m -> Records.control(topics, m)).toList());
        }
        var got = Clients.readAll(kafka.bootstrapServers(), topics.control(), serde, 2);
        assertEquals(sent, got.stream().map(ConsumerRecord::value).toList(), "one partition: in order");
        assertEquals("job-1", got.getFirst().key());
        assertEquals(Messages.T, got.getFirst().timestamp(), "the record's timestamp is the message's");
    }

    @Test
    void agentRecordsOfEveryKindIncludingA100kEntryDelta() {
        var serde = AvroSerde.agentRecords();
        AgentRecord big = Messages.bigDelta("job-2", "host-a", 3, 100_000);
        List<AgentRecord> sent = List.of(Messages.status("job-2", "host-a", 1), Messages.events("job-2", "host-a", 2), big);
        int size = serde.encode(big).length;
        assertTrue(size > 1024 * 1024, "the big delta is larger than Kafka's 1 MiB default: " + size);
        try (var p = Clients.producer(kafka.bootstrapServers(), serde)) {
            Clients.sendAll(p, sent.stream().map(r -> Records.agent(topics, r)).toList());
        }
        List<AgentRecord> got = Clients.readAll(kafka.bootstrapServers(), topics.deltas(), serde, 3,
                k -> k.equals("job-2/host-a")).stream().map(ConsumerRecord::value).toList();
        assertEquals(3, got.size());
        // Compared without assertEquals: its failure message would print 100k entries.
        for (int i = 0; i < 3; i++) assertTrue(sent.get(i).equals(got.get(i)), "record " + i + " decoded differently");
        var batch = (DeltaBatch) got.get(2).getBody();
        assertEquals(100_000, batch.getMaps().stream().mapToInt(m -> m.getEntries().size()).sum());
        System.err.printf("100k-entry DeltaBatch: %d bytes encoded%n", size);
    }

    @Test
    void heartbeatsAndTheirTombstones() {
        var serde = AvroSerde.heartbeats();
        try (var p = Clients.producer(kafka.bootstrapServers(), serde)) {
            Clients.sendAll(p, List.of(Records.heartbeat(topics, Messages.heartbeat("host-a")),
                    Records.leave(topics, "host-a", Messages.T + 5)));
        }
        var got = Clients.readAll(kafka.bootstrapServers(), topics.heartbeats(), serde, 2);
        assertEquals(Messages.heartbeat("host-a"), got.get(0).value());
        assertEquals("host-a", got.get(1).key());
        assertNull(got.get(1).value());
    }

    @Test
    void reports() {
        var serde = AvroSerde.reports();
        List<Report> sent = List.of(Messages.report("job-3", 1), Messages.report("job-3", 2));
        try (var p = Clients.producer(kafka.bootstrapServers(), serde)) {
            Clients.sendAll(p, sent.stream().map(r -> Records.report(topics, r)).toList());
        }
        var got = Clients.readAll(kafka.bootstrapServers(), topics.reports(), serde, 2);
        assertEquals(sent, got.stream().map(ConsumerRecord::value).toList());
        int expected = Records.partitionFor("job-3", topics.reportPartitions());
        for (var r : got) assertEquals(expected, r.partition(), "partitionFor agrees with the producer");
    }

    @Test
    void oneAgentsRecordsOfAJobStayInOrder() {
        var serde = AvroSerde.agentRecords();
        int agents = 8;
        int perAgent = 500;
        var sent = new ArrayList<ProducerRecord<String, AgentRecord>>();
        // Interleaved across agents, as a broker sees them from a fleet.
        for (int seq = 1; seq <= perAgent; seq++) {
            for (int a = 0; a < agents; a++) sent.add(Records.agent(topics, Messages.smallDelta("job-4", "agent-" + a, seq)));
        }
        try (var p = Clients.producer(kafka.bootstrapServers(), serde)) {
            Clients.sendAll(p, sent);
        }
        var got = Clients.readAll(kafka.bootstrapServers(), topics.deltas(), serde, agents * perAgent,
                k -> k.startsWith("job-4/"));

        Map<String, List<Long>> seqs = new HashMap<>();
        Map<String, Set<Integer>> partitions = new HashMap<>();
        for (var r : got) {
            if (!r.value().getJob().equals("job-4")) continue;
            seqs.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value().getSeq());
            partitions.computeIfAbsent(r.key(), k -> new HashSet<>()).add(r.partition());
        }
        assertEquals(agents, seqs.size());
        var used = new HashSet<Integer>();
        for (var e : seqs.entrySet()) {
            var expected = new ArrayList<Long>();
            for (long s = 1; s <= perAgent; s++) expected.add(s);
            assertEquals(expected, e.getValue(), e.getKey() + " in order, each once");
            assertEquals(1, partitions.get(e.getKey()).size(), e.getKey() + " on one partition");
            used.addAll(partitions.get(e.getKey()));
        }
        assertTrue(used.size() > 1, "agents spread over partitions: " + used);
    }

    @Test
    void deltaKeysRoundTrip() {
        assertEquals("job-1/host-a", Records.deltaKey("job-1", "host-a"));
        assertEquals(new Records.DeltaKey("ns/job-1", "host-a"), Records.DeltaKey.parse("ns/job-1/host-a"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Records.deltaKey("j", "a/b"));
    }
}
