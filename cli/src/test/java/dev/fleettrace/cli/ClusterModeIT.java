package dev.fleettrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.testkit.KernelAssumptions;
import dev.fleettrace.testkit.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

    private LocalCluster cluster;

    @AfterEach
    void stopDaemons() throws Exception {
        if (cluster != null) cluster.close();
    }

    @Test
    void twoAgentDaemonsACoordinatorAndAClient() throws Exception {
        KernelAssumptions.assumeBpf();
        cluster = new LocalCluster(Files.createTempDirectory("ft-cluster"));
        String bootstrap = cluster.broker();
        cluster.coordinatorAndAgents(bootstrap, "node-a", "node-b");

        String comm = "clu" + ProcessHandle.current().pid() % 10000;
        var r = Cli.run(Duration.ofMinutes(2), "--bootstrap", bootstrap,
                "-e", "tracepoint:syscalls:sys_enter_getppid /comm == \"" + comm + "\"/ { @ = count(); @h[host] = count(); }",
                "-c", Workload.binary() + " " + comm + " getppid 1000");
        assertEquals(0, r.exit(), r.stderr());
        // Two hosts each saw every call: the fleet's count is twice the workload's; @h breaks it down by host.
        assertEquals("Attaching 1 probe...\n\n\n@: 2000\n@h[node-a]: 1000\n@h[node-b]: 1000\n", r.stdout().replace("@h[node-b]: 1000\n@h[node-a]: 1000", "@h[node-a]: 1000\n@h[node-b]: 1000"));

        cluster.close();
        assertEquals(List.of(), Cli.leftInKernel());
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
        cluster = new LocalCluster(dir);
        String bootstrap = cluster.broker();
        cluster.coordinatorAndAgents(bootstrap, "node-a", "node-b");
        Process coordinator = cluster.process(1);
        String comm = "rst" + ProcessHandle.current().pid() % 10000;
        String wl = Workload.binary().toString();
        Path out = dir.resolve("client.out"), err = dir.resolve("client.err");
        Process client = new ProcessBuilder(Cli.launcher().toString(), "--bootstrap", bootstrap, "--job-id", "restart-" + comm,
                "-e", "tracepoint:syscalls:sys_enter_getppid /comm == \"" + comm + "\"/ { @c = count(); @h[host] = count(); } interval:ms:500 { printf(\"tick\\n\"); }",
                "-c", "sh -c '" + wl + " " + comm + " getppid 1000; sleep 5; " + wl + " " + comm + " getppid 500'")
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            LocalCluster.awaitLine(out, "tick", Duration.ofSeconds(60));
            coordinator.destroyForcibly().waitFor();
            cluster.daemon("coordinator-2.log", "coordinator", "--bootstrap", bootstrap, "--id", "coord");
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
