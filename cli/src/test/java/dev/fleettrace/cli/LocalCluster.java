package dev.fleettrace.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.schemas.Heartbeat;
import dev.fleettrace.schemas.Role;
import dev.fleettrace.transport.AvroSerde;
import dev.fleettrace.transport.ClientSettings;
import dev.fleettrace.transport.Topics;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Cluster mode as deployed, on one machine: each daemon (broker, coordinator, agents) its own process
 * started through the launcher, logging to a file of {@code dir}. Closing stops them in reverse order
 * (SIGTERM, as a real shutdown), the broker last.
 */
final class LocalCluster implements AutoCloseable {
    final Path dir;
    private final List<Process> daemons = new ArrayList<>();

    LocalCluster(Path dir) {
        this.dir = dir;
    }

    /** A broker of our own on a free port; returns its bootstrap address. */
    String broker() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        daemon("broker.log", "broker", "--port", Integer.toString(port));
        awaitLine("broker.log", "listening", Duration.ofSeconds(90));
        return "127.0.0.1:" + port;
    }

    /** A coordinator (id {@code coord}) and one agent daemon per name against {@code bootstrap}, all running. */
    void coordinatorAndAgents(String bootstrap, String... agents) throws Exception {
        daemon("coordinator.log", "coordinator", "--bootstrap", bootstrap, "--id", "coord");
        for (String a : agents) daemon("agent-" + a + ".log", "agent", "--bootstrap", bootstrap, "--name", a);
        awaitLine("coordinator.log", "running against", Duration.ofSeconds(90));
        for (String a : agents) awaitLine("agent-" + a + ".log", "running against", Duration.ofSeconds(90));
        awaitAgents(bootstrap, Set.of(agents));
    }

    /** The i-th daemon started (0 is the broker when {@link #broker()} was called first). */
    Process process(int i) {
        return daemons.get(i);
    }

    Process daemon(String log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Cli.launcher().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(log).toFile()).start();
        daemons.add(p);
        return p;
    }

    void awaitLine(String log, String text, Duration timeout) throws Exception {
        awaitLine(dir.resolve(log), text, timeout);
    }

    static void awaitLine(Path log, String text, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (Files.exists(log) && Files.readString(log).contains(text)) return;
            Thread.sleep(100);
        }
        throw new AssertionError("no '" + text + "' within " + timeout + " in " + log + ":\n" + (Files.exists(log) ? Files.readString(log) : ""));
    }

    /** Waits until the heartbeats topic shows these agents alive, as the coordinator will see them. */
    private static void awaitAgents(String bootstrap, Set<String> names) throws Exception {
        Topics topics = Topics.defaults();
        AvroSerde<Heartbeat> serde = AvroSerde.heartbeats();
        try (var c = new KafkaConsumer<>(ClientSettings.consumer(bootstrap, "it-beats").properties(), new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topics.heartbeats(), 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            Set<String> seen = new HashSet<>();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!seen.containsAll(names) && System.nanoTime() < end) {
                for (var r : c.poll(Duration.ofMillis(200))) {
                    if (r.value() == null) continue;
                    Heartbeat h = serde.deserialize(r.topic(), r.value());
                    if (h.getRole() == Role.AGENT) seen.add(h.getMember());
                }
            }
            assertTrue(seen.containsAll(names), "agents seen: " + seen);
        }
        // The coordinator reads the same topic; give it one heartbeat interval to catch up.
        Thread.sleep(1500);
    }

    @Override
    public void close() {
        for (int i = daemons.size() - 1; i >= 0; i--) {
            Process p = daemons.get(i);
            p.destroy();
            try {
                if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        daemons.clear();
    }
}
