package dev.fleettrace.agent.node;

import dev.fleettrace.agent.delta.DeltaReader;
import dev.fleettrace.agent.events.EventDecoder;
import dev.fleettrace.agent.kernel.HostKernelFacts;
import dev.fleettrace.agent.kernel.KernelException;
import dev.fleettrace.agent.kernel.LoadedProgram;
import dev.fleettrace.compiler.CompileOptions;
import dev.fleettrace.compiler.Compiler;
import dev.fleettrace.compiler.diag.CompileException;
import dev.fleettrace.compiler.diag.Source;
import dev.fleettrace.plan.ProgramPlan;
import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.DeltaBatch;
import dev.fleettrace.schemas.EventBatch;
import dev.fleettrace.schemas.JobState;
import dev.fleettrace.schemas.JobStatus;
import dev.fleettrace.schemas.JobSubmit;
import dev.fleettrace.schemas.MapDelta;
import dev.fleettrace.schemas.ProbeEvent;
import dev.fleettrace.schemas.StopReason;
import dev.fleettrace.transport.SchemaCodec;
import dev.fleettrace.transport.SchemaTrust;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Runs one job on one agent and owns its kernel objects. At start: compile against this host's kernel,
 * load, attach, {@code JobStatus{ATTACHED}}, BEGIN, then a {@code DeltaBatch} every flush interval and
 * {@code EventBatch}es as the ring buffer fills. On {@link Stop}: detach, drain the ring buffer, a last
 * {@code DeltaBatch}, {@code JobStatus{DETACHED}}, release, stop. Any failure: {@code JobStatus{FAILED}},
 * release, stop. However the actor ends (a failure, its parent stopping it, the actor system going down),
 * {@code PostStop} releases the kernel objects, so nothing stays attached.
 *
 * <p>Every record is numbered in {@link #emit}, on the actor's thread, so sequence numbers and sending
 * order agree. Kernel calls block: spawn it on a blocking dispatcher ({@code DispatcherSelector.blocking()}).
 */
public final class JobRunner {

    public sealed interface Command {}

    /** End the job cleanly (a JobStop, or the agent shutting down). */
    public record Stop(StopReason reason) implements Command {}

    /** The job's windows (a JobStart): from now on one delta per window, right after it ends. */
    public record Start(long originMs, long windowMs) implements Command {}

    /** Ship the maps' changes: before the job's windows are known (window 0), or at the end of a window. */
    private record Flush(long window) implements Command {}

    /** Ring buffer records, as the kernel wrote them. */
    private record Events(List<byte[]> records) implements Command {}

    private record ReaderDone(Optional<Throwable> failure) implements Command {}

    private record ReaderTimeout() implements Command {}

    private record SendFailed(long seq, Throwable cause) implements Command {}

    /** Who runs the job: the job id, this agent's host identity and incarnation. */
    public record Identity(String job, String agent, long incarnation) {}

    private static final Object FLUSH_TIMER = "flush";
    private static final Object READER_TIMER = "reader";

    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final Identity id;
    private final AgentOutbox outbox;
    private final AgentSettings settings;
    private LoadedProgram program;
    private DeltaReader deltas;
    private RingReader reader;
    private EventDecoder decoder;
    private dev.fleettrace.agent.kernel.maps.BpfMap lostMap;
    private long lostReported;
    private long undecodable;
    private long seq;
    /** The last window shipped; 0 before the job's windows are known. */
    private long window;
    private Start windows;
    private java.util.concurrent.ScheduledFuture<?> nextFlush;
    private int probes;

    private JobRunner(ActorContext<Command> ctx, TimerScheduler<Command> timers, Identity id, AgentOutbox outbox, AgentSettings settings) {
        this.ctx = ctx;
        this.timers = timers;
        this.id = id;
        this.outbox = outbox;
        this.settings = settings;
    }

    public static Behavior<Command> create(Identity id, JobSubmit submit, AgentOutbox outbox, AgentSettings settings) {
        SchemaTrust.install();
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new JobRunner(ctx, timers, id, outbox, settings).start(submit)));
    }

    // ---- start

    private Behavior<Command> start(JobSubmit submit) {
        try {
            HostKernelFacts facts = HostKernelFacts.detect();
            String name = submit.getSourceName() == null || submit.getSourceName().isEmpty() ? "stdin" : submit.getSourceName();
            CompileOptions options = new CompileOptions(submit.getParams(), submit.getUnsafe(), id.agent(),
                    settings.mapMaxEntries(), settings.ringbufBytes(), System.nanoTime());
            ProgramPlan plan = Compiler.compile(new Source(name, submit.getSource()), facts, options).plan();
            program = LoadedProgram.load(plan);
            settings.observer().loaded(id.job(), id.agent(), program.programIds(), program.mapIds());
            probes = program.attach(facts.tracefs(), submit.getPid() > 0 ? submit.getPid() : -1);
            emit(JobStatus.newBuilder().setState(JobState.ATTACHED).setProbes(probes)
                    .setMaps(plan.schemas().stream().map(SchemaCodec::toRecord).toList()).build());
            deltas = new DeltaReader(program);
            if (plan.lostMap() >= 0) lostMap = program.map(plan.lostMap());
            // BEGIN's printf lands in the ring buffer before the reader starts; it is read first.
            program.runBegin();
            startReader(plan);
            long flushMs = submit.getFlushIntervalMs() > 0 ? submit.getFlushIntervalMs() : settings.defaultFlushMs();
            timers.startTimerAtFixedRate(FLUSH_TIMER, new Flush(0), Duration.ofMillis(flushMs));
            ctx.getLog().debug("job {} attached {} probes on {}", id.job(), probes, id.agent());
            return running();
        } catch (CompileException e) {
            return failed(e.render());
        } catch (KernelException e) {
            return failed(e.getMessage());
        } catch (Exception | LinkageError e) {
            return failed(oneLine(e));
        }
    }

    private void startReader(ProgramPlan plan) {
        Optional<dev.fleettrace.agent.sys.RingBuffer> ring = program.ringBuffer();
        if (ring.isEmpty()) return;
        ActorRef<Command> self = ctx.getSelf();
        decoder = new EventDecoder(plan.events(), new dev.fleettrace.agent.symbols.Symbolizer(program::map));
        reader = new RingReader("fleettrace-ring-" + id.agent() + "-" + id.job(), ring.get(), settings,
                batch -> self.tell(new Events(batch)), failure -> self.tell(new ReaderDone(failure)));
        reader.start();
    }

    // ---- running

    private Behavior<Command> running() {
        return Behaviors.receive(Command.class)
                .onMessage(Flush.class, this::onFlush)
                .onMessage(Start.class, this::onStart)
                .onMessage(Events.class, this::onEvents)
                .onMessage(Stop.class, this::onStop)
                .onMessage(ReaderDone.class, this::onReaderDiedWhileRunning)
                .onMessage(ReaderTimeout.class, this::ignore)
                .onMessage(SendFailed.class, this::onSendFailed)
                .onSignal(PostStop.class, this::onPostStop)
                .build();
    }

    private Behavior<Command> onFlush(Flush m) {
        long label = 0;
        if (windows != null) {
            if (m.window() == 0) return Behaviors.same(); // a pre-start tick that was already queued
            // Late (a pause longer than a window): one delta for every window that ended since.
            label = Math.max(m.window(), Math.floorDiv(System.currentTimeMillis() - windows.originMs(), windows.windowMs()));
        }
        try {
            emitDeltas(label, false);
        } catch (RuntimeException e) {
            return failed("reading the maps failed: " + oneLine(e));
        }
        if (windows != null) scheduleFlush(label + 1);
        return Behaviors.same();
    }

    /** Aligns the flushes to the job's windows: the next one right after the current window ends. */
    private Behavior<Command> onStart(Start m) {
        if (windows != null || m.windowMs() <= 0) return Behaviors.same();
        windows = m;
        timers.cancel(FLUSH_TIMER);
        long now = System.currentTimeMillis();
        scheduleFlush(Math.max(1, Math.floorDiv(now - m.originMs(), m.windowMs()) + 1));
        ctx.getLog().debug("job {} on {}: windows of {} ms from {}", id.job(), id.agent(), m.windowMs(), m.originMs());
        return Behaviors.same();
    }

    /** Pekko's timers tick coarsely (50 ms here): window ends are kept by {@link WindowClock} instead. */
    private void scheduleFlush(long window) {
        long at = windows.originMs() + window * windows.windowMs();
        ActorRef<Command> self = ctx.getSelf();
        nextFlush = WindowClock.schedule(at - System.currentTimeMillis(), () -> self.tell(new Flush(window)));
    }

    private void cancelFlush() {
        timers.cancel(FLUSH_TIMER);
        if (nextFlush != null) {
            nextFlush.cancel(false);
            nextFlush = null;
        }
    }

    private Behavior<Command> onEvents(Events m) {
        List<ProbeEvent> events = new ArrayList<>(m.records().size());
        for (byte[] record : m.records()) {
            ProbeEvent ev;
            try {
                ev = decoder.decode(ByteBuffer.wrap(record));
            } catch (RuntimeException e) {
                // A record the plan does not describe is a compiler bug; it must not stop the others.
                if (undecodable++ == 0) ctx.getLog().warn("job {}: cannot decode a ring buffer record: {}", id.job(), oneLine(e));
                continue;
            }
            switch (ev.getKind()) {
                case PRINT, CLEAR, ZERO, DELETE -> {
                    // The coordinator acts on the merged map: first every change this host's maps hold so far,
                    // in this agent's record order, so the action sees all of this host's events up to here.
                    if (!events.isEmpty()) emit(EventBatch.newBuilder().setEvents(events).build());
                    events = new ArrayList<>();
                    try {
                        emitDeltas(window, false);
                    } catch (RuntimeException e) {
                        return failed("reading the maps failed: " + oneLine(e));
                    }
                }
                case SYSTEM -> ev.setText(SystemCommand.run(ev.getText()));
                // exit() here: stop this host's probes now, as bpftrace does, rather than when the
                // coordinator's stop comes back (a round trip through Kafka, during which they would count on).
                case EXIT -> program.detach();
                default -> {}
            }
            events.add(ev);
        }
        if (!events.isEmpty()) emit(EventBatch.newBuilder().setEvents(events).build());
        return Behaviors.same();
    }

    /** A LOST event when the probes counted records the ring buffer could not take since the last look. */
    private void reportLost() {
        if (lostMap == null) return;
        long total = 0;
        try {
            for (byte[] v : lostMap.lookupPerCpu(new byte[4]).orElse(List.of())) total += ByteBuffer.wrap(v).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0);
        } catch (RuntimeException e) {
            return;
        }
        if (total > lostReported) {
            emit(EventBatch.newBuilder().setEvents(List.of(ProbeEvent.newBuilder().setKind(dev.fleettrace.schemas.EventKind.LOST)
                    .setValue(total - lostReported).build())).build());
            lostReported = total;
        }
    }

    private Behavior<Command> onStop(Stop m) {
        ctx.getLog().debug("job {} stopping on {} ({})", id.job(), id.agent(), m.reason());
        cancelFlush();
        // Detach first: nothing new enters the ring buffer or the maps while the rest is collected.
        program.detach();
        if (reader == null) return finish();
        reader.finish();
        // The reader re-checks its flag every readerAwait; this only guards against a wedged thread.
        timers.startSingleTimer(READER_TIMER, new ReaderTimeout(), settings.stopTimeout());
        return stopping();
    }

    private Behavior<Command> onReaderDiedWhileRunning(ReaderDone m) {
        String why = m.failure().map(JobRunner::oneLine).orElse("it ended unexpectedly");
        return failed("reading the ring buffer failed: " + why);
    }

    // ---- stopping: waiting for the reader's last events

    private Behavior<Command> stopping() {
        return Behaviors.receive(Command.class)
                .onMessage(Events.class, this::onEvents)
                .onMessage(ReaderDone.class, this::onReaderDone)
                .onMessage(ReaderTimeout.class, this::onReaderTimeout)
                .onMessage(Stop.class, this::ignore)
                .onMessage(Start.class, this::ignore)
                .onMessage(Flush.class, this::ignore)
                .onMessage(SendFailed.class, this::onSendFailed)
                .onSignal(PostStop.class, this::onPostStop)
                .build();
    }

    private Behavior<Command> ignore(Command m) {
        return Behaviors.same();
    }

    private Behavior<Command> onReaderDone(ReaderDone m) {
        m.failure().ifPresent(t -> ctx.getLog().warn("job {}: the ring buffer reader failed while draining: {}", id.job(), oneLine(t)));
        timers.cancel(READER_TIMER);
        return finish();
    }

    private Behavior<Command> onReaderTimeout(ReaderTimeout m) {
        ctx.getLog().warn("job {}: the ring buffer reader did not finish within {}; events after this point are lost", id.job(), settings.stopTimeout());
        return finish();
    }

    /** The last delta (the probes are detached, so it is final), DETACHED, release. */
    private Behavior<Command> finish() {
        try {
            // What happened in the window the stop cut short: labelled with that window.
            emitDeltas(windows == null ? 0 : window + 1, true);
        } catch (RuntimeException e) {
            return failed("reading the maps failed: " + oneLine(e));
        }
        emit(JobStatus.newBuilder().setState(JobState.DETACHED).setProbes(probes).build());
        release();
        ctx.getLog().debug("job {} detached on {}", id.job(), id.agent());
        return Behaviors.stopped();
    }

    // ---- failures and release

    private Behavior<Command> onSendFailed(SendFailed m) {
        // The coordinator applies records in sequence: after a lost one nothing more of this job from this
        // agent can be applied, so keeping the probes attached would only cost the host.
        ctx.getLog().error("job {}: record {} from {} could not be sent ({}); releasing the job on this host",
                id.job(), m.seq(), id.agent(), oneLine(m.cause()));
        release();
        return Behaviors.stopped();
    }

    private Behavior<Command> failed(String error) {
        ctx.getLog().debug("job {} failed on {}: {}", id.job(), id.agent(), error);
        release();
        emit(JobStatus.newBuilder().setState(JobState.FAILED).setError(error).build());
        return Behaviors.stopped();
    }

    private Behavior<Command> onPostStop(PostStop signal) {
        release();
        return Behaviors.same();
    }

    /** Stops the reader thread, then closes every kernel object. Idempotent. */
    private void release() {
        timers.cancelAll();
        cancelFlush();
        if (undecodable > 1) ctx.getLog().warn("job {}: skipped {} ring buffer records no event spec describes", id.job(), undecodable);
        undecodable = 0;
        if (reader != null) {
            reader.close();
            reader = null;
        }
        if (program != null) {
            program.close();
            program = null;
        }
        deltas = null;
        lostMap = null;
    }

    // ---- records

    private void emitDeltas(long label, boolean last) {
        reportLost();
        List<MapDelta> maps = deltas.read();
        window = label;
        emit(DeltaBatch.newBuilder().setWindow(label).setLast(last).setMaps(maps).build());
    }

    /** The one place records are numbered and sent. */
    private void emit(Object body) {
        long s = ++seq;
        AgentRecord record = AgentRecord.newBuilder().setJob(id.job()).setAgent(id.agent()).setIncarnation(id.incarnation())
                .setSeq(s).setTimestampMs(System.currentTimeMillis()).setBody(body).build();
        ActorRef<Command> self = ctx.getSelf();
        CompletionStages.onFailure(outbox.send(record), t -> self.tell(new SendFailed(s, t)));
    }

    /** A message on one line, for failures that are not the user's diagnostics. */
    static String oneLine(Throwable t) {
        String m = t.getMessage();
        String text = m == null || m.isBlank() ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + m;
        return text.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
