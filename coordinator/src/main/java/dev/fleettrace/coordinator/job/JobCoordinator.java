package dev.fleettrace.coordinator.job;

import dev.fleettrace.coordinator.node.CoordinatorOutbox;
import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.ControlMessage;
import dev.fleettrace.schemas.JobStop;
import dev.fleettrace.schemas.JobSubmit;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The actor of one job: it routes inputs into {@link FleetJob} and carries out the effects (publish,
 * broadcast a stop, arm a timer). All of the job's logic is in FleetJob.
 */
public final class JobCoordinator extends AbstractBehavior<JobCoordinator.Command> {

    public sealed interface Command {}

    /** A record from the deltas topic for this job. */
    public record Record(AgentRecord record) implements Command {}

    /** A stop for this job seen on the control topic. */
    public record Stop(JobStop stop) implements Command {}

    private record AttachTimeout() implements Command {}

    private record StopTimeout() implements Command {}

    /** How long the job waits for the attach barrier, and for last deltas after a stop. */
    public record Timeouts(Duration attach, Duration stop) {
        public static Timeouts defaults() {
            return new Timeouts(Duration.ofSeconds(60), Duration.ofSeconds(10));
        }
    }

    private final String job;
    private final FleetJob logic;
    private final CoordinatorOutbox outbox;
    private final Timeouts timeouts;
    private final TimerScheduler<Command> timers;

    public static Behavior<Command> create(String job, JobSubmit submit, int expected, CoordinatorOutbox outbox, Timeouts timeouts) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            timers.startSingleTimer(new AttachTimeout(), timeouts.attach());
            return new JobCoordinator(ctx, timers, job, submit, expected, outbox, timeouts);
        }));
    }

    private JobCoordinator(ActorContext<Command> ctx, TimerScheduler<Command> timers, String job, JobSubmit submit, int expected,
                           CoordinatorOutbox outbox, Timeouts timeouts) {
        super(ctx);
        this.timers = timers;
        this.job = job;
        this.outbox = outbox;
        this.timeouts = timeouts;
        this.logic = new FleetJob(job, submit, expected, System::currentTimeMillis);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Record.class, this::onRecord)
                .onMessage(Stop.class, this::onStop)
                .onMessage(AttachTimeout.class, t -> carryOut(logic.onAttachTimeout()))
                .onMessage(StopTimeout.class, t -> carryOut(logic.onStopTimeout()))
                .build();
    }

    private Behavior<Command> onRecord(Record r) {
        return carryOut(logic.onRecord(r.record()));
    }

    private Behavior<Command> onStop(Stop s) {
        return carryOut(logic.onStop(s.stop()));
    }

    private Behavior<Command> carryOut(List<FleetJob.Effect> effects) {
        boolean finished = false;
        for (FleetJob.Effect e : effects) {
            switch (e) {
                case FleetJob.Effect.Publish(var report) -> outbox.report(report);
                case FleetJob.Effect.BroadcastStop(var reason, var detail) -> outbox.control(ControlMessage.newBuilder()
                        .setJob(job)
                        .setTimestampMs(System.currentTimeMillis())
                        .setBody(JobStop.newBuilder().setReason(reason).setDetail(detail).build())
                        .build());
                case FleetJob.Effect.ArmStopTimeout() -> timers.startSingleTimer(new StopTimeout(), timeouts.stop());
                case FleetJob.Effect.Finished() -> finished = true;
            }
        }
        if (logic.phase() != FleetJob.Phase.ATTACHING) timers.cancel(new AttachTimeout());
        return finished ? Behaviors.stopped() : this;
    }
}
