package dev.fleettrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fleettrace.testkit.KernelAssumptions;
import dev.fleettrace.testkit.Workload;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The cluster against Apache Kafka's own broker image rather than our embedded one: what a user's
 * Kafka cluster is. Needs a Docker engine; where there is none (this development VM has only the
 * client) Testcontainers skips the class and says so.
 */
@Tag("kernel")
@Testcontainers(disabledWithoutDocker = true)
class KafkaContainerIT {

    @Container
    static final KafkaContainer kafka = new KafkaContainer("apache/kafka:4.1.1");

    private LocalCluster cluster;

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) cluster.close();
    }

    @Test
    void aJobThroughApacheKafkasBrokerIsMergedExactly() throws Exception {
        KernelAssumptions.assumeBpf();
        String bootstrap = kafka.getBootstrapServers();
        cluster = new LocalCluster(Files.createTempDirectory("ft-container"));
        cluster.coordinatorAndAgents(bootstrap, "node-a", "node-b");

        String comm = "ctr" + ProcessHandle.current().pid() % 10000;
        var r = Cli.run(Duration.ofMinutes(2), "--bootstrap", bootstrap,
                "-e", "tracepoint:syscalls:sys_enter_getppid /comm == \"" + comm + "\"/ { @ = count(); @h[host] = hist(1000); }",
                "-c", Workload.binary() + " " + comm + " getppid 700");
        assertEquals(0, r.exit(), r.stderr());
        String bar = "|@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|";
        String h = "[512, 1K)            700 " + bar + "\n";
        assertEquals("Attaching 1 probe...\n\n\n@: 1400\n\n@h[node-a]: \n" + h + "\n@h[node-b]: \n" + h + "\n", r.stdout());

        cluster.close();
        assertEquals(List.of(), Cli.leftInKernel());
    }
}
