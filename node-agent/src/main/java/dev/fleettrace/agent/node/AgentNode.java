package dev.fleettrace.agent.node;

import dev.fleettrace.schemas.ControlMessage;
import dev.fleettrace.schemas.Heartbeat;
import dev.fleettrace.schemas.JobStart;
import dev.fleettrace.schemas.JobStop;
import dev.fleettrace.schemas.JobSubmit;
import dev.fleettrace.schemas.Role;
import dev.fleettrace.schemas.StopReason;
import dev.fleettrace.transport.SchemaTrust;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One host identity: receives control messages, runs one {@link JobRunner} per job, and writes a
 * {@code Heartbeat} every {@link AgentSettings#heartbeatInterval()}. {@link Shutdown} stops every runner
 * cleanly (as a JobStop would: final delta, DETACHED) before the node stops; stopping the node any other
 * way stops the runners abruptly, and they still release their kernel objects.
 */
public final class AgentNode {

    public sealed interface Command {}

    /** A message from the control topic. */
    public record Control(ControlMessage message) implements Command {}

    /** Stop every job cleanly, then stop; replies once every runner ended (or the stop timeout passed). */
    public record Shutdown(ActorRef<Done> replyTo) implements Command {}

    private record Beat() implements Command {}

    private record RunnerEnded(String job) implements Command {}

    private record ShutdownTimeout() implements Command {}

    /** Job ids remembered after they end, so a repeated submit does not start a job again under the same numbering. */
    private static final int REMEMBERED_JOBS = 1024;
    private static final Object BEAT_TIMER = "beat";
    private static final Object SHUTDOWN_TIMER = "shutdown";

    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final String host;
    private final long incarnation;
    private final AgentOutbox outbox;
    private final AgentSettings settings;
    private final Map<String, ActorRef<JobRunner.Command>> runners = new TreeMap<>();
    private final LinkedHashSet<String> ended = new LinkedHashSet<>();
    private final List<ActorRef<Done>> shutdownReplies = new ArrayList<>();

    private AgentNode(ActorContext<Command> ctx, TimerScheduler<Command> timers, String host, long incarnation,
                      AgentOutbox outbox, AgentSettings settings) {
        this.ctx = ctx;
        this.timers = timers;
        this.host = host;
        this.incarnation = incarnation;
        this.outbox = outbox;
        this.settings = settings;
    }

    /** An agent named {@code host} (its identity in every record; '/' is not allowed in it). */
    public static Behavior<Command> create(String host, long incarnation, AgentOutbox outbox, AgentSettings settings) {
        if (host.isEmpty() || host.indexOf('/') >= 0) throw new IllegalArgumentException("an agent name must be non-empty and without '/': " + host);
        SchemaTrust.install();
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new AgentNode(ctx, timers, host, incarnation, outbox, settings).start()));
    }

    private Behavior<Command> start() {
        beat();
        timers.startTimerAtFixedRate(BEAT_TIMER, new Beat(), settings.heartbeatInterval());
        return serving();
    }

    // ---- serving

    private Behavior<Command> serving() {
        return Behaviors.receive(Command.class)
                .onMessage(Control.class, this::onControl)
                .onMessage(Beat.class, this::onBeat)
                .onMessage(RunnerEnded.class, this::onRunnerEnded)
                .onMessage(Shutdown.class, this::onShutdown)
                .onMessage(ShutdownTimeout.class, this::ignore)
                .build();
    }

    private Behavior<Command> onControl(Control m) {
        ControlMessage msg = m.message();
        switch (msg.getBody()) {
            case JobSubmit submit -> submit(msg.getJob(), submit);
            case JobStop stop -> stop(msg.getJob(), stop.getReason());
            case JobStart start -> tell(msg.getJob(), new JobRunner.Start(start.getOriginMs(), start.getWindowMs()));
            default -> ctx.getLog().warn("agent {}: ignoring a control message of unknown kind for job {}", host, msg.getJob());
        }
        return Behaviors.same();
    }

    private void submit(String job, JobSubmit submit) {
        if (runners.containsKey(job) || ended.contains(job)) {
            ctx.getLog().debug("agent {}: job {} already {}; ignoring the repeated submit", host, job, runners.containsKey(job) ? "running" : "ended");
            return;
        }
        var id = new JobRunner.Identity(job, host, incarnation);
        // Kernel calls block: keep them off the default dispatcher.
        ActorRef<JobRunner.Command> runner = ctx.spawn(JobRunner.create(id, submit, outbox, settings),
                "job-" + URLEncoder.encode(job, StandardCharsets.UTF_8), DispatcherSelector.blocking());
        ctx.watchWith(runner, new RunnerEnded(job));
        runners.put(job, runner);
    }

    private void stop(String job, StopReason reason) {
        tell(job, new JobRunner.Stop(reason));
    }

    private void tell(String job, JobRunner.Command command) {
        ActorRef<JobRunner.Command> runner = runners.get(job);
        if (runner != null) runner.tell(command);
    }

    private Behavior<Command> ignore(Command m) {
        return Behaviors.same();
    }

    private Behavior<Command> onBeat(Beat m) {
        beat();
        return Behaviors.same();
    }

    private void beat() {
        long now = System.currentTimeMillis();
        outbox.heartbeat(Heartbeat.newBuilder().setMember(host).setRole(Role.AGENT).setIncarnation(incarnation).setTimestampMs(now)
                .setIntervalMs(settings.heartbeatInterval().toMillis()).setJobs(List.copyOf(runners.keySet()))
                .setVersion(settings.version()).setKernel(settings.kernelRelease()).build());
    }

    private Behavior<Command> onRunnerEnded(RunnerEnded m) {
        runners.remove(m.job());
        ended.add(m.job());
        if (ended.size() > REMEMBERED_JOBS) {
            Iterator<String> oldest = ended.iterator();
            oldest.next();
            oldest.remove();
        }
        return Behaviors.same();
    }

    private Behavior<Command> onShutdown(Shutdown m) {
        shutdownReplies.add(m.replyTo());
        if (runners.isEmpty()) return stopped();
        runners.values().forEach(r -> r.tell(new JobRunner.Stop(StopReason.INTERRUPTED)));
        timers.startSingleTimer(SHUTDOWN_TIMER, new ShutdownTimeout(), settings.stopTimeout());
        return shuttingDown();
    }

    // ---- shutting down: no new jobs, waiting for the runners' last records

    private Behavior<Command> shuttingDown() {
        return Behaviors.receive(Command.class)
                .onMessage(Control.class, this::onControlWhileShuttingDown)
                .onMessage(Beat.class, this::onBeat)
                .onMessage(RunnerEnded.class, this::onRunnerEndedWhileShuttingDown)
                .onMessage(Shutdown.class, this::onShutdownAgain)
                .onMessage(ShutdownTimeout.class, this::onShutdownTimeout)
                .build();
    }

    private Behavior<Command> onControlWhileShuttingDown(Control m) {
        ctx.getLog().debug("agent {} is shutting down: ignoring a control message for job {}", host, m.message().getJob());
        return Behaviors.same();
    }

    private Behavior<Command> onRunnerEndedWhileShuttingDown(RunnerEnded m) {
        onRunnerEnded(m);
        return runners.isEmpty() ? stopped() : Behaviors.same();
    }

    private Behavior<Command> onShutdownAgain(Shutdown m) {
        shutdownReplies.add(m.replyTo());
        return Behaviors.same();
    }

    private Behavior<Command> onShutdownTimeout(ShutdownTimeout m) {
        // Stopping the node stops the runners; each releases its kernel objects in PostStop.
        ctx.getLog().warn("agent {}: jobs {} did not stop within {}; stopping them abruptly", host, runners.keySet(), settings.stopTimeout());
        return stopped();
    }

    /** Replies once stopped: PostStop comes after every child (runner) has stopped and released its kernel objects. */
    private Behavior<Command> stopped() {
        return Behaviors.stopped(() -> shutdownReplies.forEach(r -> r.tell(Done.getInstance())));
    }
}
