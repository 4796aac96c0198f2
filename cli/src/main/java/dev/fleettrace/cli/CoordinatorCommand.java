package dev.fleettrace.cli;

import dev.fleettrace.coordinator.job.JobCoordinator;
import dev.fleettrace.coordinator.node.CoordinatorService;
import dev.fleettrace.transport.Topics;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The coordinator as a service (a Kubernetes Deployment): merges every job's deltas and publishes reports. */
@Command(name = "coordinator", description = "run the coordinator service against a Kafka cluster")
final class CoordinatorCommand implements Callable<Integer> {

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--id", description = "this coordinator's name (default: coordinator@HOST)")
    String id;

    @Option(names = "--window-grace", paramLabel = "MS", defaultValue = "500",
            description = "how long after an interval's window ended to wait for late hosts before the tick runs without them (ms)")
    long windowGraceMs;

    @Override
    public Integer call() throws Exception {
        Topics topics = cluster.join();
        String bootstrap = cluster.bootstrap;
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onInterrupt(stop::countDown);
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "fleettrace-coordinator");
        try (CoordinatorService service = CoordinatorService.start(system, bootstrap, topics, id != null ? id : "coordinator@" + LocalFleet.host(),
                JobCoordinator.Timeouts.defaults().withGrace(java.time.Duration.ofMillis(windowGraceMs)))) {
            System.err.println("fleettrace: coordinator running against " + bootstrap);
            stop.await();
        } finally {
            system.terminate();
        }
        return 0;
    }
}
