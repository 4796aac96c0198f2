package dev.fleettrace.agent.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.fleettrace.transport.SchemaTrust;
import dev.fleettrace.transport.Topics;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agents of one process, wired to Kafka: one {@link AgentNode} per host name, one shared producer
 * ({@link KafkaOutbox}) and one control consumer ({@link ControlFeed}) fanning every control message out to
 * every node. Embedded mode runs {@code host-1 .. host-N} in the CLI's actor system; a daemon runs one
 * named after the machine.
 *
 * <pre>{@code
 * Agents agents = Agents.start(system, bootstrap, topics, List.of("host-1"), AgentSettings.defaults());
 * agents.ready().toCompletableFuture().get();   // now a JobSubmit written to the control topic is seen
 * ...
 * agents.close();                               // running jobs end cleanly: final deltas, DETACHED
 * }</pre>
 *
 * <p>{@link #stop()} (also run by the actor system's coordinated shutdown, so SIGTERM and
 * {@code system.terminate()} take this path too) stops reading the control topic, stops every running job
 * as a JobStop would, flushes the producer, writes a heartbeat tombstone per agent and closes the producer.
 */
public final class Agents implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Agents.class);

    private final ActorSystem<?> system;
    private final boolean ownSystem;
    private final AgentSettings settings;
    private final long incarnation;
    private final Map<String, ActorRef<AgentNode.Command>> nodes;
    private final KafkaOutbox outbox;
    private final ControlFeed feed;
    private CompletableFuture<Void> stopping;

    private Agents(ActorSystem<?> system, boolean ownSystem, AgentSettings settings, long incarnation,
                   Map<String, ActorRef<AgentNode.Command>> nodes, KafkaOutbox outbox, ControlFeed feed) {
        this.system = system;
        this.ownSystem = ownSystem;
        this.settings = settings;
        this.incarnation = incarnation;
        this.nodes = nodes;
        this.outbox = outbox;
        this.feed = feed;
    }

    /** Starts agents named {@code hostNames} in {@code system}, which the caller owns. */
    public static Agents start(ActorSystem<?> system, String bootstrap, Topics topics, List<String> hostNames, AgentSettings settings) {
        return start(system, false, bootstrap, topics, hostNames, settings);
    }

    /** Starts agents in an actor system of their own (a daemon); {@link #close()} terminates it. */
    public static Agents start(String bootstrap, Topics topics, List<String> hostNames, AgentSettings settings) {
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "fleettrace-agent", quietConfig());
        try {
            return start(system, true, bootstrap, topics, hostNames, settings);
        } catch (RuntimeException e) {
            system.terminate();
            throw e;
        }
    }

    private static Agents start(ActorSystem<?> system, boolean own, String bootstrap, Topics topics, List<String> hostNames,
                                AgentSettings settings) {
        if (hostNames.isEmpty()) throw new IllegalArgumentException("no agent names");
        if (hostNames.stream().distinct().count() != hostNames.size()) throw new IllegalArgumentException("agent names repeat: " + hostNames);
        SchemaTrust.install();
        long incarnation = Incarnation.next();
        String member = hostNames.size() == 1 ? hostNames.getFirst() : hostNames.getFirst() + "+" + (hostNames.size() - 1);
        KafkaOutbox outbox = new KafkaOutbox(bootstrap, topics, member);
        Map<String, ActorRef<AgentNode.Command>> nodes = new LinkedHashMap<>();
        for (String host : hostNames) {
            String name = "fleettrace-agent-" + URLEncoder.encode(host, StandardCharsets.UTF_8) + "-" + incarnation;
            nodes.put(host, system.systemActorOf(AgentNode.create(host, incarnation, outbox, settings), name, Props.empty()));
        }
        List<ActorRef<AgentNode.Command>> targets = List.copyOf(nodes.values());
        ControlFeed feed = ControlFeed.start(system, bootstrap, topics, member, settings.kafkaTimeout(),
                m -> targets.forEach(n -> n.tell(new AgentNode.Control(m))));
        Agents agents = new Agents(system, own, settings, incarnation, Map.copyOf(nodes), outbox, feed);
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "fleettrace-agents-" + incarnation,
                () -> agents.stop().thenApply(v -> Done.getInstance()));
        return agents;
    }

    /** Completes once the agents read the control topic from its current end; fails if the broker is unreachable. */
    public CompletionStage<Void> ready() {
        return feed.ready();
    }

    public List<String> hostNames() {
        return List.copyOf(nodes.keySet());
    }

    /** The incarnation every agent of this start announces. */
    public long incarnation() {
        return incarnation;
    }

    /**
     * Stops cleanly: no more control messages, every running job ends as on a JobStop (bounded by
     * {@link AgentSettings#stopTimeout()}: after it, jobs are stopped abruptly and still release the
     * kernel), the producer is flushed, each agent leaves the heartbeats topic, the producer is closed.
     * Idempotent; does not terminate the actor system.
     */
    public synchronized CompletionStage<Void> stop() {
        if (stopping != null) return stopping;
        Executor blocking = r -> Thread.ofPlatform().daemon().name("fleettrace-agents-stop").start(r);
        List<CompletableFuture<Done>> shutdowns = new ArrayList<>();
        Duration askTimeout = settings.stopTimeout().plusSeconds(5);
        stopping = feed.stop().toCompletableFuture()
                .exceptionally(e -> Done.getInstance())
                .thenCompose(d -> {
                    nodes.values().forEach(n -> shutdowns.add(AskPattern.<AgentNode.Command, Done>ask(n, AgentNode.Shutdown::new,
                            askTimeout, system.scheduler()).toCompletableFuture()));
                    return CompletableFuture.allOf(shutdowns.toArray(CompletableFuture[]::new));
                })
                .exceptionally(e -> {
                    log.warn("agents did not stop cleanly: {}", JobRunner.oneLine(e));
                    return null;
                })
                .thenRunAsync(this::closeOutbox, blocking);
        return stopping;
    }

    private void closeOutbox() {
        try {
            // The jobs' last records are stored before the agents announce they left.
            if (!outbox.awaitSent(Duration.ofSeconds(10))) {
                log.warn("agents {}: some records were not confirmed by the broker within 10 s", nodes.keySet());
            } else if (feed.ready().toCompletableFuture().isDone() && !feed.ready().toCompletableFuture().isCompletedExceptionally()) {
                List<CompletableFuture<?>> leaves = new ArrayList<>();
                for (String host : nodes.keySet()) leaves.add(outbox.leave(host).toCompletableFuture());
                CompletableFuture.allOf(leaves.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            log.warn("cannot announce that agents {} left: {}", nodes.keySet(), JobRunner.oneLine(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            outbox.close(Duration.ofSeconds(5));
        }
    }

    /** {@link #stop()}, waiting for it, then terminates the actor system when this started it. */
    @Override
    public void close() {
        try {
            stop().toCompletableFuture().get(settings.stopTimeout().plusSeconds(30).toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.warn("agents did not stop cleanly: {}", JobRunner.oneLine(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownSystem) {
            system.terminate();
            try {
                system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                log.warn("the agents' actor system did not terminate: {}", JobRunner.oneLine(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Logging through slf4j only: stdout is reserved for bpftrace's output. */
    static Config quietConfig() {
        return ConfigFactory.parseString("""
                pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
                pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
                pekko.loglevel = WARNING
                pekko.stdout-loglevel = OFF
                pekko.log-dead-letters = off
                """).withFallback(ConfigFactory.load());
    }
}
