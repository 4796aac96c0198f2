package dev.fleettrace.transport;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One broker per test method here: start, use, close is what is under test. */
class EmbeddedKafkaTest {

    private static final Pattern KAFKA_THREAD = Pattern.compile("(?i).*(kafka|raft|quorum|broker|controller|log-cleaner|scheduler).*");

    @Test
    void startsUsesAndClosesWithoutWritingOnStdoutOrLeavingThreadsOrFiles() throws Exception {
        PrintStream realOut = System.out;
        var captured = new ByteArrayOutputStream();
        Path dir;
        long startMs;
        long closeMs;
        System.setOut(new PrintStream(captured, true));
        try {
            var kafka = new EmbeddedKafka();
            long t0 = System.nanoTime();
            kafka.start();
            startMs = (System.nanoTime() - t0) / 1_000_000;
            dir = kafka.logDir();
            assertTrue(Files.isDirectory(dir));
            assertTrue(kafka.bootstrapServers().matches("127\\.0\\.0\\.1:\\d+"), kafka.bootstrapServers());
            assertTrue(kafka.start() == kafka, "start() while running is a no-op");

            // Use it the way the pipeline does: topics, a produce, a consume.
            var topics = Topics.defaults().withPrefix("ek-");
            try (var admin = Admin.create(ClientSettings.admin(kafka.bootstrapServers(), "test-admin").properties())) {
                Topics.ensureTopics(admin, topics, Duration.ofSeconds(30));
            }
            var serde = AvroSerde.heartbeats();
            try (var producer = Clients.producer(kafka.bootstrapServers(), serde)) {
                Clients.sendAll(producer, List.of(Records.heartbeat(topics, Messages.heartbeat("m1"))));
            }
            var read = Clients.readAll(kafka.bootstrapServers(), topics.heartbeats(), serde, 1);
            assertEquals(Messages.heartbeat("m1"), read.getFirst().value());

            long t1 = System.nanoTime();
            kafka.close();
            closeMs = (System.nanoTime() - t1) / 1_000_000;
            kafka.close();
        } finally {
            System.setOut(realOut);
        }
        System.err.printf("EmbeddedKafka: start %d ms, close %d ms%n", startMs, closeMs);

        assertEquals("", captured.toString(), "nothing may be written on stdout");
        assertFalse(Files.exists(dir), "the log directory is deleted on close");
        assertTrue(startMs < 30_000, "start took " + startMs + " ms");
        assertTrue(closeMs < 10_000, "close took " + closeMs + " ms");

        // Threads end a moment after shutdown returns; give them that moment.
        Set<String> left = Set.of();
        for (int i = 0; i < 100; i++) {
            left = threadNames().stream()
                    .filter(n -> KAFKA_THREAD.matcher(n).matches())
                    .collect(Collectors.toSet());
            if (left.isEmpty()) break;
            Thread.sleep(50);
        }
        assertEquals(Set.of(), left, "broker threads still running after close");
        System.err.println("threads after close: " + threadNames());
    }

    @Test
    void startsAsynchronouslyAndSweepsDirectoriesLeftByDeadProcesses() throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path stale = Files.createTempDirectory(tmp, "fleettrace-kafka-");
        Files.writeString(stale.resolve("owner.pid"), String.valueOf(gone.pid()));
        Files.writeString(stale.resolve("segment.log"), "old data");
        Path live = Files.createTempDirectory(tmp, "fleettrace-kafka-");
        Files.writeString(live.resolve("owner.pid"), String.valueOf(ProcessHandle.current().pid()));
        try (var kafka = new EmbeddedKafka()) {
            var started = kafka.startAsync().get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(started == kafka);
            assertTrue(BrokerCheck.verify(kafka.bootstrapServers()).brokers().contains(kafka.bootstrapServers()));
            assertFalse(Files.exists(stale), "a dead process's directory is removed");
            assertTrue(Files.exists(live), "a running process's directory is kept");
        } finally {
            Files.deleteIfExists(live.resolve("owner.pid"));
            Files.deleteIfExists(live);
        }
    }

    @Test
    void accessorsFailClearlyWhenNotRunning() {
        var kafka = new EmbeddedKafka();
        var e = assertThrows(IllegalStateException.class, kafka::bootstrapServers);
        assertTrue(e.getMessage().contains("not running"));
        kafka.close();
    }

    @Test
    void brokerSettingsCanBeOverridden() throws Exception {
        try (var kafka = new EmbeddedKafka(java.util.Map.of("log.retention.hours", "1")).start();
             var admin = Admin.create(ClientSettings.admin(kafka.bootstrapServers(), "test-admin").properties())) {
            var res = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.BROKER, "1");
            var config = admin.describeConfigs(List.of(res)).all().get().get(res);
            assertEquals("1", config.get("log.retention.hours").value());
            assertEquals("1", config.get("offsets.topic.num.partitions").value());
            assertEquals("false", config.get("auto.create.topics.enable").value());
        }
    }

    private static Set<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .collect(Collectors.toSet());
    }
}
