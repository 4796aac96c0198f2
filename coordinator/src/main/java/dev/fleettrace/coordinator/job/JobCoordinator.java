package dev.fleettrace.coordinator.job;

import dev.fleettrace.coordinator.node.CoordinatorOutbox;
import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.ControlMessage;
import dev.fleettrace.schemas.JobStart;
import dev.fleettrace.schemas.JobStop;
import dev.fleettrace.schemas.JobSubmit;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The actor of one job: it routes inputs into {@link FleetJob} and carries out the effects (publish,
 * broadcast a start or a stop, arm a timer). All of the job's logic is in FleetJob.
 */
public final class JobCoordinator extends AbstractBehavior<JobCoordinator.Command> {

    public sealed interface Command {}

    /** A record from the deltas topic for this job. */
    public record Record(AgentRecord record) implements Command {}

    /** A stop for this job seen on the control topic, written at {@code atMs}. */
    public record Stop(JobStop stop, long atMs) implements Command {}

    /** The job's windows seen on the control topic. */
    public record Start(JobStart start) implements Command {}

    /** An agent of the job stopped heartbeating. */
    public record AgentLost(String agent) implements Command {}

    private record AttachTimeout() implements Command {}

    private record StopTimeout() implements Command {}

    private record WindowDeadline(long window, long atMs) implements Command {}

    /**
     * How long the job waits for the attach barrier, for last deltas after a stop, and for a window's
     * late hosts after the window ended.
     */
    public record Timeouts(Duration attach, Duration stop, Duration grace) {
        public Timeouts(Duration attach, Duration stop) {
            this(attach, stop, Duration.ofMillis(FleetJob.Settings.defaults().graceMs()));
        }

        public static Timeouts defaults() {
            return new Timeouts(Duration.ofSeconds(60), Duration.ofSeconds(10));
        }

        public Timeouts withGrace(Duration g) {
            return new Timeouts(attach, stop, g);
        }
    }

    private static final Object DEADLINE = "window-deadline";

    private final String job;
    private final FleetJob logic;
    private final CoordinatorOutbox outbox;
    private final Timeouts timeouts;
    private final TimerScheduler<Command> timers;
    private final LongSupplier clock;
    /** Decides when a window's deadline and the stop timeout have passed: see {@link ReadClock}. */
    private final ReadClock read;
    /** When the stop timeout passes, by {@link #read}. */
    private long stopDeadline = Long.MAX_VALUE;

    /** A new job: waits for the attach barrier. Its deadlines go by the wall clock. */
    public static Behavior<Command> create(String job, JobSubmit submit, int expected, CoordinatorOutbox outbox, Timeouts timeouts) {
        return create(job, submit, expected, outbox, timeouts, ReadClock.wall());
    }

    /** A new job whose window deadlines and stop timeout go by {@code read}: what the coordinator has read. */
    public static Behavior<Command> create(String job, JobSubmit submit, int expected, CoordinatorOutbox outbox, Timeouts timeouts, ReadClock read) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            timers.startSingleTimer(new AttachTimeout(), timeouts.attach());
            FleetJob logic = new FleetJob(job, submit, expected, settings(timeouts));
            return new JobCoordinator(ctx, timers, job, logic, outbox, timeouts, read);
        }));
    }

    /** A job rebuilt after a coordinator restart from what the topics hold (see {@link FleetJob#recover}). */
    public static Behavior<Command> recover(String job, JobSubmit submit, int expected, FleetJob.History history, CoordinatorOutbox outbox,
                                            Timeouts timeouts) {
        return recover(job, submit, expected, history, outbox, timeouts, ReadClock.wall());
    }

    public static Behavior<Command> recover(String job, JobSubmit submit, int expected, FleetJob.History history, CoordinatorOutbox outbox,
                                            Timeouts timeouts, ReadClock read) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            FleetJob.Recovered r = FleetJob.recover(job, submit, expected, settings(timeouts), history);
            if (r.job().phase() == FleetJob.Phase.ATTACHING) timers.startSingleTimer(new AttachTimeout(), timeouts.attach());
            JobCoordinator actor = new JobCoordinator(ctx, timers, job, r.job(), outbox, timeouts, read);
            return actor.carryOut(r.effects());
        }));
    }

    private static FleetJob.Settings settings(Timeouts t) {
        return new FleetJob.Settings(System::currentTimeMillis, t.grace().toMillis());
    }

    private JobCoordinator(ActorContext<Command> ctx, TimerScheduler<Command> timers, String job, FleetJob logic, CoordinatorOutbox outbox,
                           Timeouts timeouts, ReadClock read) {
        super(ctx);
        this.timers = timers;
        this.job = job;
        this.outbox = outbox;
        this.timeouts = timeouts;
        this.logic = logic;
        this.clock = System::currentTimeMillis;
        this.read = read;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Record.class, this::onRecord)
                .onMessage(Stop.class, this::onStop)
                .onMessage(Start.class, this::onStart)
                .onMessage(AgentLost.class, this::onAgentLost)
                .onMessage(AttachTimeout.class, this::onAttachTimeout)
                .onMessage(StopTimeout.class, this::onStopTimeout)
                .onMessage(WindowDeadline.class, this::onWindowDeadline)
                .build();
    }

    private Behavior<Command> onRecord(Record r) {
        return carryOut(logic.onRecord(r.record()));
    }

    private Behavior<Command> onStop(Stop s) {
        return carryOut(logic.onStop(s.stop(), s.atMs()));
    }

    private Behavior<Command> onStart(Start s) {
        return carryOut(logic.onStart(s.start()));
    }

    private Behavior<Command> onAgentLost(AgentLost a) {
        return carryOut(logic.onAgentLost(a.agent()));
    }

    private Behavior<Command> onAttachTimeout(AttachTimeout t) {
        return carryOut(logic.onAttachTimeout());
    }

    private Behavior<Command> onStopTimeout(StopTimeout t) {
        // Last batches written before the timeout may still wait unread: the timeout passes when the reading does.
        if (read.now() < stopDeadline) {
            timers.startSingleTimer(new StopTimeout(), Duration.ofMillis(read.delayUntil(stopDeadline)));
            return this;
        }
        return carryOut(logic.onStopTimeout());
    }

    private Behavior<Command> onWindowDeadline(WindowDeadline d) {
        // The wall clock passed the deadline; a delta shipped before it may still wait unread.
        if (read.now() < d.atMs()) {
            timers.startSingleTimer(DEADLINE, d, Duration.ofMillis(read.delayUntil(d.atMs())));
            return this;
        }
        return carryOut(logic.onWindowDeadline(d.window()));
    }

    private Behavior<Command> carryOut(List<FleetJob.Effect> effects) {
        boolean finished = false;
        for (FleetJob.Effect e : effects) {
            switch (e) {
                case FleetJob.Effect.Publish(var report) -> outbox.report(report);
                case FleetJob.Effect.BroadcastStop(var reason, var detail) ->
                        control(JobStop.newBuilder().setReason(reason).setDetail(detail).build());
                case FleetJob.Effect.BroadcastStart(var origin, var window) -> control(new JobStart(origin, window));
                case FleetJob.Effect.ArmStopTimeout() -> {
                    // From what has been read so far (the stop itself, just read), by the same clock as it is checked.
                    long from = read.now();
                    stopDeadline = from == Long.MIN_VALUE ? clock.getAsLong() + timeouts.stop().toMillis() : from + timeouts.stop().toMillis();
                    timers.startSingleTimer(new StopTimeout(), timeouts.stop());
                }
                case FleetJob.Effect.ArmWindowDeadline(var window, var atMs) ->
                        timers.startSingleTimer(DEADLINE, new WindowDeadline(window, atMs), Duration.ofMillis(Math.max(0, atMs - clock.getAsLong())));
                case FleetJob.Effect.Finished() -> finished = true;
            }
        }
        if (logic.phase() != FleetJob.Phase.ATTACHING) timers.cancel(new AttachTimeout());
        return finished ? Behaviors.stopped() : this;
    }

    private void control(Object body) {
        outbox.control(ControlMessage.newBuilder().setJob(job).setTimestampMs(clock.getAsLong()).setBody(body).build());
    }
}
