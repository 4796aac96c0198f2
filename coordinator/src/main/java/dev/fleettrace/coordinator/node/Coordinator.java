package dev.fleettrace.coordinator.node;

import dev.fleettrace.coordinator.job.FleetJob;
import dev.fleettrace.coordinator.job.JobCoordinator;
import dev.fleettrace.coordinator.job.ReadClock;
import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.ControlMessage;
import dev.fleettrace.schemas.Heartbeat;
import dev.fleettrace.schemas.JobStart;
import dev.fleettrace.schemas.JobStop;
import dev.fleettrace.schemas.JobSubmit;
import dev.fleettrace.schemas.Role;
import java.time.Duration;
import java.util.ArrayList;
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
 * The coordinator's guardian: one {@link JobCoordinator} per job, records routed to them by job id, and
 * the table of live agents. It decides a job's attach barrier when the submitter leaves it open, and
 * tells every job when an agent stops heartbeating (its beat is more than three intervals overdue, or
 * it left) so no job waits for it.
 */
public final class Coordinator extends AbstractBehavior<Coordinator.Command> {

    public sealed interface Command {}

    public record Control(ControlMessage message) implements Command {}

    public record Agent(AgentRecord record) implements Command {}

    public record Beat(Heartbeat beat) implements Command {}

    /** A member's heartbeat tombstone: it left. */
    public record Left(String member) implements Command {}

    /** A job this coordinator ran before it restarted, rebuilt from the topics. */
    public record Recover(String job, JobSubmit submit, FleetJob.History history) implements Command {}

    private record Tick() implements Command {}

    private record JobDone(String job) implements Command {}

    /**
     * @param heartbeat how often this coordinator beats and checks its agents' beats (the protocol says 1 s)
     * @param timeouts  every job's timeouts
     * @param readBack  its own beats come back to it in its input ({@link Beat}), so it judges what is missing
     *                  by how far it has read ({@link ReadClock}); false: by the wall clock (actors driven directly)
     */
    public record Settings(Duration heartbeat, JobCoordinator.Timeouts timeouts, boolean readBack) {
        public Settings(Duration heartbeat, JobCoordinator.Timeouts timeouts) {
            this(heartbeat, timeouts, false);
        }

        public static Settings of(JobCoordinator.Timeouts timeouts) {
            return new Settings(Duration.ofSeconds(1), timeouts);
        }

        public Settings withReadBack() {
            return new Settings(heartbeat, timeouts, true);
        }
    }

    private final String id;
    private final long incarnation = System.currentTimeMillis();
    private final CoordinatorOutbox outbox;
    private final Settings settings;
    private final Map<String, ActorRef<JobCoordinator.Command>> jobs = new HashMap<>();
    /** Agents by name: when their last heartbeat said the next one is overdue. */
    private final Map<String, Long> agentDue = new HashMap<>();
    /** Agents already reported lost to the jobs. */
    private final TreeSet<String> lost = new TreeSet<>();
    /** How far its input is read: agents' beats are overdue, and jobs' deadlines pass, by this clock. */
    private final ReadClock read;
    /**
     * Agent records read before their job's submit. Control and agent records travel on different topics,
     * so nothing orders them: an agent that attaches at once (a small program, a fast host, a simulated
     * one) can be read first. They are handed to the job when it starts; kept at most {@link #EARLY_KEEP}
     * (records of a job that never starts here) and {@link #EARLY_MAX} in all.
     */
    private final Map<String, Early> early = new HashMap<>();
    private int earlyCount;
    private static final Duration EARLY_KEEP = Duration.ofMinutes(2);
    private static final int EARLY_MAX = 100_000;

    private record Early(long firstMs, List<AgentRecord> records) {}

    public static Behavior<Command> create(String id, CoordinatorOutbox outbox, JobCoordinator.Timeouts timeouts) {
        return create(id, outbox, Settings.of(timeouts));
    }

    public static Behavior<Command> create(String id, CoordinatorOutbox outbox, Settings settings) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            timers.startTimerAtFixedRate(new Tick(), Duration.ZERO, settings.heartbeat());
            return new Coordinator(ctx, id, outbox, settings);
        }));
    }

    private Coordinator(ActorContext<Command> ctx, String id, CoordinatorOutbox outbox, Settings settings) {
        super(ctx);
        this.id = id;
        this.outbox = outbox;
        this.settings = settings;
        this.read = settings.readBack() ? ReadClock.readBack(settings.heartbeat().toMillis()) : ReadClock.wall();
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Control.class, this::onControl)
                .onMessage(Agent.class, this::onAgent)
                .onMessage(Beat.class, this::onBeat)
                .onMessage(Left.class, this::onLeft)
                .onMessage(Recover.class, this::onRecover)
                .onMessage(Tick.class, this::onTick)
                .onMessage(JobDone.class, this::onJobDone)
                .build();
    }

    private Behavior<Command> onControl(Control c) {
        String job = c.message().getJob();
        switch (c.message().getBody()) {
            case JobSubmit s -> {
                if (jobs.containsKey(job)) return this;
                spawn(job, JobCoordinator.create(job, s, expected(s), outbox, settings.timeouts(), read));
            }
            case JobStop s -> tell(job, new JobCoordinator.Stop(s, c.message().getTimestampMs()));
            case JobStart s -> tell(job, new JobCoordinator.Start(s));
            default -> {}
        }
        return this;
    }

    private int expected(JobSubmit s) {
        return s.getExpectedAgents() > 0 ? s.getExpectedAgents() : Math.max(1, liveAgents().size());
    }

    private void spawn(String job, Behavior<JobCoordinator.Command> behavior) {
        ActorRef<JobCoordinator.Command> ref = getContext().spawn(behavior, "job-" + safe(job));
        getContext().watchWith(ref, new JobDone(job));
        jobs.put(job, ref);
        Early e = early.remove(job);
        if (e != null) {
            earlyCount -= e.records().size();
            e.records().forEach(r -> ref.tell(new JobCoordinator.Record(r)));
        }
    }

    private void tell(String job, JobCoordinator.Command command) {
        ActorRef<JobCoordinator.Command> ref = jobs.get(job);
        if (ref != null) ref.tell(command);
    }

    private Behavior<Command> onAgent(Agent a) {
        String job = a.record().getJob();
        if (jobs.containsKey(job)) tell(job, new JobCoordinator.Record(a.record()));
        else if (earlyCount < EARLY_MAX) {
            early.computeIfAbsent(job, j -> new Early(System.currentTimeMillis(), new ArrayList<>())).records().add(a.record());
            earlyCount++;
        }
        return this;
    }

    private Behavior<Command> onRecover(Recover r) {
        if (!jobs.containsKey(r.job())) {
            spawn(r.job(), JobCoordinator.recover(r.job(), r.submit(), expected(r.submit()), r.history(), outbox, settings.timeouts(), read));
        }
        return this;
    }

    private Behavior<Command> onBeat(Beat b) {
        Heartbeat h = b.beat();
        if (h.getRole() == Role.COORDINATOR && h.getMember().equals(id) && h.getIncarnation() == incarnation) read.ownBeatRead(h.getTimestampMs());
        if (h.getRole() != Role.AGENT) return this;
        agentDue.put(h.getMember(), h.getTimestampMs() + 3 * h.getIntervalMs());
        lost.remove(h.getMember());
        return this;
    }

    private Behavior<Command> onLeft(Left l) {
        if (agentDue.remove(l.member()) != null) lose(l.member());
        return this;
    }

    private Behavior<Command> onTick(Tick t) {
        outbox.heartbeat(Heartbeat.newBuilder()
                .setMember(id)
                .setRole(Role.COORDINATOR)
                .setIncarnation(incarnation)
                .setTimestampMs(System.currentTimeMillis())
                .setIntervalMs(settings.heartbeat().toMillis())
                .setJobs(List.copyOf(new TreeSet<>(jobs.keySet())))
                .build());
        long wall = System.currentTimeMillis();
        early.values().removeIf(e -> {
            boolean old = wall - e.firstMs() > EARLY_KEEP.toMillis();
            if (old) earlyCount -= e.records().size();
            return old;
        });
        // Overdue by what has been read: a beat stored but not read yet is not a missing one.
        long now = read.now();
        agentDue.forEach((agent, due) -> {
            if (due < now && !lost.contains(agent)) lose(agent);
        });
        return this;
    }

    /** Every job hears of it; a job that does not run on the agent ignores it. */
    private void lose(String agent) {
        lost.add(agent);
        jobs.values().forEach(j -> j.tell(new JobCoordinator.AgentLost(agent)));
    }

    private Behavior<Command> onJobDone(JobDone d) {
        jobs.remove(d.job());
        return this;
    }

    /** Agents whose next heartbeat is not overdue by more than two intervals. */
    private List<String> liveAgents() {
        long now = read.now();
        return agentDue.entrySet().stream().filter(e -> e.getValue() >= now).map(Map.Entry::getKey).sorted().toList();
    }

    private static String safe(String job) {
        return job.replaceAll("[^A-Za-z0-9_-]", "_");
    }
}
