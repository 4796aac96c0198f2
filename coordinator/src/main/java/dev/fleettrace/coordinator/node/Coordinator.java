package dev.fleettrace.coordinator.node;

import dev.fleettrace.coordinator.job.JobCoordinator;
import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.ControlMessage;
import dev.fleettrace.schemas.Heartbeat;
import dev.fleettrace.schemas.JobStop;
import dev.fleettrace.schemas.JobSubmit;
import dev.fleettrace.schemas.Role;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The coordinator's guardian: one {@link JobCoordinator} per job, records routed to them by job id,
 * and the table of live agents that decides a job's attach barrier when the submitter leaves it open.
 */
public final class Coordinator extends AbstractBehavior<Coordinator.Command> {

    public sealed interface Command {}

    public record Control(ControlMessage message) implements Command {}

    public record Agent(AgentRecord record) implements Command {}

    public record Beat(Heartbeat beat) implements Command {}

    private record Tick() implements Command {}

    private record JobDone(String job) implements Command {}

    static final Duration HEARTBEAT = Duration.ofSeconds(1);

    private final String id;
    private final long incarnation = System.currentTimeMillis();
    private final CoordinatorOutbox outbox;
    private final JobCoordinator.Timeouts timeouts;
    private final Map<String, ActorRef<JobCoordinator.Command>> jobs = new HashMap<>();
    /** Agents by name: when their last heartbeat said the next one is due. */
    private final Map<String, Long> agentDue = new HashMap<>();

    public static Behavior<Command> create(String id, CoordinatorOutbox outbox, JobCoordinator.Timeouts timeouts) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            timers.startTimerAtFixedRate(new Tick(), Duration.ZERO, HEARTBEAT);
            return new Coordinator(ctx, id, outbox, timeouts);
        }));
    }

    private Coordinator(ActorContext<Command> ctx, String id, CoordinatorOutbox outbox, JobCoordinator.Timeouts timeouts) {
        super(ctx);
        this.id = id;
        this.outbox = outbox;
        this.timeouts = timeouts;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Control.class, this::onControl)
                .onMessage(Agent.class, this::onAgent)
                .onMessage(Beat.class, this::onBeat)
                .onMessage(Tick.class, this::onTick)
                .onMessage(JobDone.class, this::onJobDone)
                .build();
    }

    private Behavior<Command> onControl(Control c) {
        String job = c.message().getJob();
        switch (c.message().getBody()) {
            case JobSubmit s -> {
                if (jobs.containsKey(job)) return this;
                int expected = s.getExpectedAgents() > 0 ? s.getExpectedAgents() : Math.max(1, liveAgents().size());
                ActorRef<JobCoordinator.Command> ref = getContext().spawn(JobCoordinator.create(job, s, expected, outbox, timeouts), "job-" + safe(job));
                getContext().watchWith(ref, new JobDone(job));
                jobs.put(job, ref);
            }
            case JobStop s -> {
                ActorRef<JobCoordinator.Command> ref = jobs.get(job);
                if (ref != null) ref.tell(new JobCoordinator.Stop(s));
            }
            default -> {}
        }
        return this;
    }

    private Behavior<Command> onAgent(Agent a) {
        ActorRef<JobCoordinator.Command> ref = jobs.get(a.record().getJob());
        if (ref != null) ref.tell(new JobCoordinator.Record(a.record()));
        return this;
    }

    private Behavior<Command> onBeat(Beat b) {
        Heartbeat h = b.beat();
        if (h.getRole() == Role.AGENT) agentDue.put(h.getMember(), h.getTimestampMs() + 3 * h.getIntervalMs());
        return this;
    }

    private Behavior<Command> onTick(Tick t) {
        outbox.heartbeat(Heartbeat.newBuilder()
                .setMember(id)
                .setRole(Role.COORDINATOR)
                .setIncarnation(incarnation)
                .setTimestampMs(System.currentTimeMillis())
                .setIntervalMs(HEARTBEAT.toMillis())
                .setJobs(List.copyOf(new TreeSet<>(jobs.keySet())))
                .build());
        return this;
    }

    private Behavior<Command> onJobDone(JobDone d) {
        jobs.remove(d.job());
        return this;
    }

    /** Agents whose next heartbeat is not overdue by more than two intervals. */
    private List<String> liveAgents() {
        long now = System.currentTimeMillis();
        return agentDue.entrySet().stream().filter(e -> e.getValue() >= now).map(Map.Entry::getKey).sorted().toList();
    }

    private static String safe(String job) {
        return job.replaceAll("[^A-Za-z0-9_-]", "_");
    }
}
