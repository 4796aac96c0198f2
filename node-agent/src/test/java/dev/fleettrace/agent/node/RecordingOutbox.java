package dev.fleettrace.agent.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.DeltaBatch;
import dev.fleettrace.schemas.DeltaEntry;
import dev.fleettrace.schemas.EventBatch;
import dev.fleettrace.schemas.Heartbeat;
import dev.fleettrace.schemas.JobState;
import dev.fleettrace.schemas.JobStatus;
import dev.fleettrace.schemas.MapDelta;
import dev.fleettrace.schemas.ProbeEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** An outbox that keeps what it is given, for tests; can be told to fail sends from some seq on. */
final class RecordingOutbox implements AgentOutbox {
    final LinkedBlockingQueue<AgentRecord> records = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<Heartbeat> beats = new LinkedBlockingQueue<>();
    private volatile long failFrom = Long.MAX_VALUE;

    void failFrom(long seq) {
        failFrom = seq;
    }

    @Override
    public CompletionStage<?> send(AgentRecord record) {
        if (record.getSeq() >= failFrom) return CompletableFuture.failedFuture(new IllegalStateException("broker gone (test)"));
        records.add(record);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void heartbeat(Heartbeat beat) {
        beats.add(beat);
    }

    AgentRecord next(Duration timeout) throws InterruptedException {
        AgentRecord r = records.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (r == null) fail("no record within " + timeout);
        return r;
    }

    /** Records up to and including the first that matches {@code end}. */
    List<AgentRecord> until(Predicate<AgentRecord> end, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<AgentRecord> got = new ArrayList<>();
        while (true) {
            long left = deadline - System.nanoTime();
            AgentRecord r = left > 0 ? records.poll(left, TimeUnit.NANOSECONDS) : null;
            if (r == null) fail("no matching record within " + timeout + "; got " + got.stream().map(RecordingOutbox::describe).toList());
            got.add(r);
            if (end.test(r)) return got;
        }
    }

    Heartbeat nextBeat(Duration timeout) throws InterruptedException {
        Heartbeat b = beats.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (b == null) fail("no heartbeat within " + timeout);
        return b;
    }

    // ---- record helpers shared by the tests

    static Predicate<AgentRecord> status(JobState state) {
        return r -> r.getBody() instanceof JobStatus s && s.getState() == state;
    }

    static Predicate<AgentRecord> status(String job, JobState state) {
        return r -> r.getJob().equals(job) && status(state).test(r);
    }

    static JobStatus asStatus(AgentRecord r) {
        if (r.getBody() instanceof JobStatus s) return s;
        throw new AssertionError("expected a JobStatus, got " + describe(r));
    }

    /** seq is 1, 2, 3, ... with no gap, in the order given. */
    static void assertGapless(List<AgentRecord> records) {
        for (int i = 0; i < records.size(); i++) assertEquals(i + 1, records.get(i).getSeq(), "seq of record " + i);
    }

    /**
     * DeltaBatch windows are 0 until the job's windows are known, then go up (by one, or more when the
     * agent fell behind and one batch covers several windows); the last (and only the last) batch is
     * flagged last.
     */
    static List<DeltaBatch> assertWindows(List<AgentRecord> records, boolean finished) {
        List<DeltaBatch> batches = records.stream().filter(r -> r.getBody() instanceof DeltaBatch).map(r -> (DeltaBatch) r.getBody()).toList();
        long previous = 0;
        for (int i = 0; i < batches.size(); i++) {
            long w = batches.get(i).getWindow();
            if (previous > 0) assertTrue(w > previous, "window of batch " + i + ": " + w + " after " + previous);
            else assertTrue(w >= 0, "window of batch " + i);
            previous = w;
            assertEquals(finished && i == batches.size() - 1, batches.get(i).getLast(), "last flag of batch " + i);
        }
        return batches;
    }

    /** Sum of value[0] over every entry of {@code map} in the batches: a counter's total. */
    static long sum(List<DeltaBatch> batches, String map) {
        long total = 0;
        for (DeltaBatch b : batches)
            for (MapDelta m : b.getMaps())
                if (m.getMap().equals(map)) for (DeltaEntry e : m.getEntries()) total += e.getValues().getFirst();
        return total;
    }

    static List<ProbeEvent> events(List<AgentRecord> records) {
        return records.stream().filter(r -> r.getBody() instanceof EventBatch).flatMap(r -> ((EventBatch) r.getBody()).getEvents().stream()).toList();
    }

    static String describe(AgentRecord r) {
        String body = switch (r.getBody()) {
            case JobStatus s -> s.getState() + (s.getError().isEmpty() ? "" : "(" + s.getError() + ")");
            case DeltaBatch d -> "window " + d.getWindow() + (d.getLast() ? " last" : "") + " " + d.getMaps().size() + " maps";
            case EventBatch e -> e.getEvents().size() + " events";
            default -> String.valueOf(r.getBody());
        };
        return r.getAgent() + "#" + r.getSeq() + " " + body;
    }
}
