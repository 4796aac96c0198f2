package dev.fleettrace.cli;

import dev.fleettrace.agent.node.AgentSettings;
import dev.fleettrace.agent.node.Agents;
import dev.fleettrace.coordinator.job.JobCoordinator;
import dev.fleettrace.coordinator.node.CoordinatorService;
import dev.fleettrace.transport.ClientSettings;
import dev.fleettrace.transport.EmbeddedKafka;
import dev.fleettrace.transport.Topics;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * What runs in this process: optionally the embedded broker, and a coordinator with N agents on this
 * kernel, each with its own host identity. Closing it detaches every probe (agents close their kernel
 * objects when their actors stop) and stops the broker last.
 */
final class LocalFleet implements AutoCloseable {
    private EmbeddedKafka broker;
    private ActorSystem<Void> system;
    private CoordinatorService coordinator;
    private Agents agents;
    private String bootstrap;

    /** The embedded broker, started in the background so that compiling can go on meanwhile. */
    static CompletableFuture<EmbeddedKafka> startBroker() {
        return new EmbeddedKafka().startAsync();
    }

    LocalFleet(String bootstrap, EmbeddedKafka broker) {
        this.bootstrap = bootstrap;
        this.broker = broker;
    }

    String bootstrap() {
        return bootstrap;
    }

    static void ensureTopics(String bootstrap, Topics topics) {
        try (Admin admin = Admin.create(ClientSettings.admin(bootstrap, ClientSettings.clientId("cli", host(), "admin")).properties())) {
            Topics.ensureTopics(admin, topics, Duration.ofSeconds(20));
        }
    }

    /** The actor system, started in the background: it does not need the broker, so both start at once. */
    static CompletableFuture<ActorSystem<Void>> startActorSystem() {
        return CompletableFuture.supplyAsync(() -> ActorSystem.create(Behaviors.empty(), "fleettrace"));
    }

    /**
     * Starts a coordinator and {@code n} agents named after this host, side by side, and waits until
     * both read their topics.
     */
    void startServices(CompletableFuture<ActorSystem<Void>> actorSystem, Topics topics, int n, JobCoordinator.Timeouts timeouts) {
        system = actorSystem.join();
        // A broker of our own is new: nothing to take over from an earlier coordinator.
        boolean recover = broker == null;
        var coord = CompletableFuture.supplyAsync(() -> CoordinatorService.start(system, bootstrap, topics, "coordinator@" + host(),
                dev.fleettrace.coordinator.node.Coordinator.Settings.of(timeouts), recover));
        agents = Agents.start(system, bootstrap, topics, agentNames(n), AgentSettings.defaults());
        try {
            coordinator = coord.get(30, TimeUnit.SECONDS);
            agents.ready().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new UserError("fleettrace: the local services did not start: " + JobSession.rootMessage(e));
        }
    }

    /** One agent is this host; several are this host's name with a number, so their data stays apart. */
    static List<String> agentNames(int n) {
        String h = host();
        if (n == 1) return List.of(h);
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= n; i++) names.add(h + "-" + i);
        return names;
    }

    static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "localhost";
        }
    }

    @Override
    public void close() {
        // Agents first: they detach and close their kernel objects when their actors stop.
        // Agents and the coordinator stop side by side: by the time the END report is out every job has
        // already detached and released its kernel objects; what is left is closing Kafka clients.
        var a = CompletableFuture.runAsync(() -> {
            if (agents != null) agents.close();
        });
        if (coordinator != null) coordinator.close();
        a.join();
        if (system != null) {
            system.terminate();
            try {
                system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // Kernel objects are owned by file descriptors: process exit releases whatever is left.
            }
        }
        if (broker != null) broker.close();
    }
}
