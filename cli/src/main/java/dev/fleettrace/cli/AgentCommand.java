package dev.fleettrace.cli;

import dev.fleettrace.agent.node.AgentSettings;
import dev.fleettrace.agent.node.Agents;
import dev.fleettrace.transport.Topics;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The node agent as a daemon (a Kubernetes DaemonSet pod): runs every job submitted to the cluster on this host. */
@Command(name = "agent", description = "run the node agent of this host against a Kafka cluster")
final class AgentCommand implements Callable<Integer> {

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--name", description = "this host's name in the fleet (default: the host name)")
    String name;

    @Override
    public Integer call() throws Exception {
        Main.Privileges.require();
        TracefsMount.ensure();
        Topics topics = cluster.join();
        String bootstrap = cluster.bootstrap;
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onInterrupt(stop::countDown);
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "fleettrace-agent");
        try (Agents agents = Agents.start(system, bootstrap, topics, List.of(name != null ? name : LocalFleet.host()), AgentSettings.defaults())) {
            agents.ready().toCompletableFuture().join();
            System.err.println("fleettrace: agent " + (name != null ? name : LocalFleet.host()) + " running against " + bootstrap);
            stop.await();
        } finally {
            system.terminate();
        }
        return 0;
    }
}
