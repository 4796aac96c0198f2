package dev.fleettrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.schemas.Heartbeat;
import dev.fleettrace.schemas.Role;
import dev.fleettrace.testkit.KernelAssumptions;
import dev.fleettrace.testkit.Workload;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Cluster mode as it is deployed, on one machine: a broker, a coordinator and two agents, each its own
 * process, and a client that only has --bootstrap. The job runs on both agents and comes back merged;
 * when the daemons stop (SIGTERM) nothing of theirs stays in the kernel.
 */
@Tag("kernel")
class ClusterModeIT {

    private final List<Process> daemons = new ArrayList<>();

    @AfterEach
    void stopDaemons() throws Exception {
        // Agents and coordinator first, the broker last, as a real shutdown would.
        for (int i = daemons.size() - 1; i >= 0; i--) {
            Process p = daemons.get(i);
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
        }
    }

    private Process daemon(Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Cli.launcher().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        daemons.add(p);
        return p;
    }

    private static void awaitLine(Path log, String text, Duration timeout) throws Exception {
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

    @Test
    void twoAgentDaemonsACoordinatorAndAClient() throws Exception {
        KernelAssumptions.assumeBpf();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String bootstrap = "127.0.0.1:" + port;
        Path dir = Files.createTempDirectory("ft-cluster");
        daemon(dir.resolve("broker.log"), "broker", "--port", Integer.toString(port));
        awaitLine(dir.resolve("broker.log"), "listening", Duration.ofSeconds(90));
        daemon(dir.resolve("coordinator.log"), "coordinator", "--bootstrap", bootstrap);
        daemon(dir.resolve("agent-a.log"), "agent", "--bootstrap", bootstrap, "--name", "node-a");
        daemon(dir.resolve("agent-b.log"), "agent", "--bootstrap", bootstrap, "--name", "node-b");
        for (String log : List.of("coordinator.log", "agent-a.log", "agent-b.log")) awaitLine(dir.resolve(log), "running against", Duration.ofSeconds(90));
        awaitAgents(bootstrap, Set.of("node-a", "node-b"));

        String comm = "clu" + ProcessHandle.current().pid() % 10000;
        var r = Cli.run(Duration.ofMinutes(2), "--bootstrap", bootstrap,
                "-e", "tracepoint:syscalls:sys_enter_getppid /comm == \"" + comm + "\"/ { @ = count(); @h[host] = count(); }",
                "-c", Workload.binary() + " " + comm + " getppid 1000");
        assertEquals(0, r.exit(), r.stderr());
        // Two hosts each saw every call: the fleet's count is twice the workload's; @h breaks it down by host.
        assertEquals("Attaching 1 probe...\n\n\n@: 2000\n@h[node-a]: 1000\n@h[node-b]: 1000\n", r.stdout().replace("@h[node-b]: 1000\n@h[node-a]: 1000", "@h[node-a]: 1000\n@h[node-b]: 1000"));

        stopDaemons();
        daemons.clear();
        assertEquals(List.of(), Cli.leftInKernel());
    }

    private String startCluster(Path dir, String... agents) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String bootstrap = "127.0.0.1:" + port;
        daemon(dir.resolve("broker.log"), "broker", "--port", Integer.toString(port));
        awaitLine(dir.resolve("broker.log"), "listening", Duration.ofSeconds(90));
        daemon(dir.resolve("coordinator.log"), "coordinator", "--bootstrap", bootstrap, "--id", "coord");
        for (String a : agents) daemon(dir.resolve("agent-" + a + ".log"), "agent", "--bootstrap", bootstrap, "--name", a);
        awaitLine(dir.resolve("coordinator.log"), "running against", Duration.ofSeconds(90));
        for (String a : agents) awaitLine(dir.resolve("agent-" + a + ".log"), "running against", Duration.ofSeconds(90));
        awaitAgents(bootstrap, Set.of(agents));
        return bootstrap;
    }

    /**
     * The coordinator is killed (SIGKILL) in the middle of a job with interval ticks and a new one
     * starts: it rebuilds the job from the topics, the ticks go on numbered where they stopped, and the
     * END is what the fleet counted, exactly. The README's consumer, {@code fleettrace reports}, reads
     * the job's reports back: every field of each, in Avro's JSON encoding.
     */
    @Test
    void aCoordinatorKilledMidJobIsReplacedAndTheAnswerIsTheSame() throws Exception {
        KernelAssumptions.assumeBpf();
        Path dir = Files.createTempDirectory("ft-restart");
        String bootstrap = startCluster(dir, "node-a", "node-b");
        Process coordinator = daemons.get(1);
        String comm = "rst" + ProcessHandle.current().pid() % 10000;
        String wl = Workload.binary().toString();
        Path out = dir.resolve("client.out"), err = dir.resolve("client.err");
        Process client = new ProcessBuilder(Cli.launcher().toString(), "--bootstrap", bootstrap, "--job-id", "restart-" + comm,
                "-e", "tracepoint:syscalls:sys_enter_getppid /comm == \"" + comm + "\"/ { @c = count(); @h[host] = count(); } interval:ms:500 { printf(\"tick\\n\"); }",
                "-c", "sh -c '" + wl + " " + comm + " getppid 1000; sleep 5; " + wl + " " + comm + " getppid 500'")
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            awaitLine(out, "tick", Duration.ofSeconds(60));
            coordinator.destroyForcibly().waitFor();
            daemon(dir.resolve("coordinator-2.log"), "coordinator", "--bootstrap", bootstrap, "--id", "coord");
            assertTrue(client.waitFor(2, TimeUnit.MINUTES), "the job ended");
        } finally {
            client.destroyForcibly();
        }
        String stdout = Files.readString(out);
        assertEquals(0, client.exitValue(), Files.readString(err));
        assertTrue(stdout.endsWith("\n\n@c: 3000\n@h[node-a]: 1500\n@h[node-b]: 1500\n") || stdout.endsWith("\n\n@c: 3000\n@h[node-b]: 1500\n@h[node-a]: 1500\n"),
                "the same answer as without the restart:\n" + stdout + Files.readString(err));

        var reports = Cli.run(Duration.ofMinutes(1), "reports", "--bootstrap", bootstrap, "--job", "restart-" + comm, "--from-beginning", "-f", "avro");
        assertEquals(0, reports.exit(), reports.stderr());
        List<String> lines = reports.stdout().lines().toList();
        assertTrue(lines.getFirst().startsWith("{\"job\":\"restart-" + comm + "\",\"seq\":1,"), lines.getFirst());
        assertTrue(lines.getFirst().contains("\"kind\":\"ATTACHED\""), lines.getFirst());
        assertTrue(lines.getLast().contains("\"kind\":\"END\"") && lines.getLast().contains("\"text\":\"\\n\\n@c: 3000\\n"), lines.getLast());
        for (int i = 0; i < lines.size(); i++) {
            assertTrue(lines.get(i).contains("\"seq\":" + (i + 1) + ","), "reports numbered without a gap or a repeat across the restart: " + lines.get(i));
        }
        long ticks = lines.stream().filter(l -> l.contains("\"kind\":\"INTERVAL\"")).count();
        assertEquals(ticks, stdout.lines().filter(l -> l.equals("tick")).count(), "every tick printed once");
    }
}
