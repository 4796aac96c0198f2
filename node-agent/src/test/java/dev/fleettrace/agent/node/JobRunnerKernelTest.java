package dev.fleettrace.agent.node;

import static dev.fleettrace.agent.node.RecordingOutbox.assertGapless;
import static dev.fleettrace.agent.node.RecordingOutbox.assertWindows;
import static dev.fleettrace.agent.node.RecordingOutbox.asStatus;
import static dev.fleettrace.agent.node.RecordingOutbox.events;
import static dev.fleettrace.agent.node.RecordingOutbox.status;
import static dev.fleettrace.agent.node.RecordingOutbox.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.agent.Fixtures;
import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.DeltaBatch;
import dev.fleettrace.schemas.EventKind;
import dev.fleettrace.schemas.JobState;
import dev.fleettrace.schemas.JobStatus;
import dev.fleettrace.schemas.JobSubmit;
import dev.fleettrace.schemas.ProbeEvent;
import dev.fleettrace.schemas.StopReason;
import dev.fleettrace.testkit.KernelAssumptions;
import dev.fleettrace.testkit.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** One JobRunner against the real kernel, its records collected by a {@link RecordingOutbox}. */
@Tag("kernel")
class JobRunnerKernelTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static ActorTestKit kit;

    private String comm;
    private RecordingOutbox out;
    private KernelObjects kernel;

    @BeforeAll
    static void startKit() {
        kit = ActorTestKit.create("runner", Agents.quietConfig());
    }

    @AfterAll
    static void stopKit() {
        if (kit != null) kit.shutdownTestKit();
    }

    @BeforeEach
    void setUp() {
        KernelAssumptions.assumeBpf();
        comm = Fixtures.uniquePrefix();
        out = new RecordingOutbox();
        kernel = new KernelObjects();
    }

    private ActorRef<JobRunner.Command> run(String script, long flushMs) {
        return run(script, flushMs, AgentSettings.defaults().withObserver(kernel));
    }

    private ActorRef<JobRunner.Command> run(String script, long flushMs, AgentSettings settings) {
        JobSubmit submit = JobSubmit.newBuilder().setSource(script.replace("COMM", comm)).setSourceName("stdin").setFlushIntervalMs(flushMs).build();
        return kit.spawn(JobRunner.create(new JobRunner.Identity("job-" + comm, "host-t", 42), submit, out, settings),
                DispatcherSelector.blocking());
    }

    private static final String COUNT = "tracepoint:syscalls:sys_enter_getppid /comm == \"COMM\"/ { @ = count(); }";

    @Test
    void attachReportsTheProbesAndEveryMapThenAWindowPerFlush() throws Exception {
        var runner = run(COUNT + " tracepoint:syscalls:sys_enter_lseek /comm == \"COMM\"/ { @bytes[args->whence] = sum(args->offset); }", 50);
        AgentRecord first = out.next(WAIT);
        assertEquals(1, first.getSeq());
        assertEquals("job-" + comm, first.getJob());
        assertEquals("host-t", first.getAgent());
        assertEquals(42, first.getIncarnation());
        JobStatus attached = asStatus(first);
        assertEquals(JobState.ATTACHED, attached.getState());
        assertEquals(2, attached.getProbes());
        // Every map, though neither probe has fired yet.
        assertEquals(List.of("@", "@bytes"), attached.getMaps().stream().map(m -> m.getName()).toList());
        assertEquals(dev.fleettrace.schemas.AggKind.COUNT, attached.getMaps().get(0).getKind());
        assertEquals(dev.fleettrace.schemas.AggKind.SUM, attached.getMaps().get(1).getKind());

        List<AgentRecord> all = new ArrayList<>(List.of(first));
        for (long w = 1; w <= 3; w++) {
            AgentRecord r = out.next(WAIT);
            all.add(r);
            DeltaBatch b = assertInstanceOf(DeltaBatch.class, r.getBody());
            assertEquals(0, b.getWindow(), "no JobStart yet: window 0");
            assertFalse(b.getLast());
            assertTrue(b.getMaps().isEmpty(), "empty batches go out too: nothing ran");
        }
        runner.tell(new JobRunner.Stop(StopReason.INTERRUPTED));
        all.addAll(out.until(status(JobState.DETACHED), WAIT));
        assertGapless(all);
        assertWindows(all, true);
        kit.createTestProbe().expectTerminated(runner, WAIT);
        kernel.assertAllGone();
    }

    @Test
    void stopAfterTheWorkloadShipsEveryCountExactlyOnce() throws Exception {
        var runner = run(COUNT, 20);
        List<AgentRecord> all = new ArrayList<>(out.until(status(JobState.ATTACHED), WAIT));
        kernel.assertLoaded();
        int n = 200_000;
        // Flushes every 20 ms while the workload runs: counts straddle many windows.
        Workload.run(comm, "getppid", n);
        runner.tell(new JobRunner.Stop(StopReason.COMMAND_EXITED));
        all.addAll(out.until(status(JobState.DETACHED), WAIT));

        assertGapless(all);
        List<DeltaBatch> batches = assertWindows(all, true);
        assertEquals(n, sum(batches, "@"));
        assertTrue(batches.size() > 2, "several windows: " + batches.size());
        AgentRecord lastBatch = all.get(all.size() - 2);
        assertTrue(((DeltaBatch) lastBatch.getBody()).getLast(), "the last batch comes right before DETACHED");
        kit.createTestProbe().expectTerminated(runner, WAIT);
        assertNull(out.records.poll(200, TimeUnit.MILLISECONDS), "nothing after DETACHED");
        kernel.assertAllGone();
    }

    @Test
    void aSyntaxErrorFailsWithTheDiagnosticAndLoadsNothing() throws Exception {
        var runner = run("tracepoint:syscalls:sys_enter_getppid { @ = count( }", 100);
        AgentRecord r = out.next(WAIT);
        assertEquals(1, r.getSeq());
        JobStatus s = asStatus(r);
        assertEquals(JobState.FAILED, s.getState());
        assertTrue(s.getError().startsWith("stdin:1:"), s.getError());
        assertTrue(s.getError().lines().anyMatch(l -> l.matches("\\s*~+")), "a ~ line under the span:\n" + s.getError());
        kit.createTestProbe().expectTerminated(runner, WAIT);
        assertTrue(kernel.programs.isEmpty() && kernel.maps.isEmpty(), "nothing loaded");
        assertNull(out.records.poll(200, TimeUnit.MILLISECONDS), "FAILED and nothing more");
    }

    @Test
    void anUnknownTracepointFailsNamingIt() throws Exception {
        var runner = run("tracepoint:syscalls:sys_enter_no_such_call { @ = count(); }", 100);
        JobStatus s = asStatus(out.next(WAIT));
        assertEquals(JobState.FAILED, s.getState());
        assertTrue(s.getError().contains("syscalls:sys_enter_no_such_call"), s.getError());
        kit.createTestProbe().expectTerminated(runner, WAIT);
        assertTrue(kernel.programs.isEmpty(), "nothing loaded");
    }

    @Test
    void printfFromBeginAndProbesArriveInOrderBatchedAndDrainedOnStop() throws Exception {
        var runner = run("BEGIN { printf(\"hello from BEGIN\\n\"); } "
                + "tracepoint:syscalls:sys_enter_getppid /comm == \"COMM\"/ { printf(\"%s %lu\\n\", comm, nsecs); }", 100);
        List<AgentRecord> all = new ArrayList<>(out.until(status(JobState.ATTACHED), WAIT));
        int n = 3000;
        Workload.run(comm, "getppid", n);
        // Stopped at once: what the reader has not handed over yet is drained before the last batch.
        runner.tell(new JobRunner.Stop(StopReason.COMMAND_EXITED));
        all.addAll(out.until(status(JobState.DETACHED), WAIT));
        assertGapless(all);
        assertWindows(all, true);

        List<ProbeEvent> events = events(all);
        assertEquals(n + 1, events.size());
        assertTrue(all.indexOf(all.stream().filter(r -> r.getBody() instanceof DeltaBatch d && d.getLast()).findFirst().orElseThrow())
                > all.indexOf(all.stream().filter(r -> r.getBody() instanceof dev.fleettrace.schemas.EventBatch).reduce((a, b) -> b).orElseThrow()),
                "every event goes out before the last batch");
        assertEquals(EventKind.PRINTF, events.getFirst().getKind());
        assertTrue(events.getFirst().getBegin());
        assertEquals("hello from BEGIN\n", events.getFirst().getText());
        long previous = 0;
        for (ProbeEvent e : events.subList(1, events.size())) {
            assertFalse(e.getBegin());
            String[] parts = e.getText().strip().split(" ");
            assertEquals(comm, parts[0]);
            long ts = Long.parseLong(parts[1]);
            assertTrue(ts > previous, "in the order the host produced them: " + ts + " after " + previous + " in " + events.stream().map(ProbeEvent::getText).limit(20).toList());
            previous = ts;
        }
        long batches = all.stream().filter(r -> r.getBody() instanceof dev.fleettrace.schemas.EventBatch).count();
        assertTrue(batches <= n / 10, n + " events travelled in " + batches + " batches");
        kit.createTestProbe().expectTerminated(runner, WAIT);
        kernel.assertAllGone();
    }

    @Test
    void aBurstOfPrintfsArrivesCompleteInFewRecords() throws Exception {
        // A ring that holds the whole burst: whether the reader keeps up with the kernel depends on the CPU
        // left to it (a benchmark's question); this test is about every event arriving, batched.
        AgentSettings settings = AgentSettings.defaults().withObserver(kernel);
        settings = settings.withLimits(settings.mapMaxEntries(), 8 << 20);
        var runner = run("tracepoint:syscalls:sys_enter_getppid /comm == \"COMM\"/ { printf(\"%lu\\n\", nsecs); }", 100, settings);
        List<AgentRecord> all = new ArrayList<>(out.until(status(JobState.ATTACHED), WAIT));
        int n = Integer.getInteger("burst", 100_000);
        long t0 = System.nanoTime();
        Workload.run(comm, "getppid", n);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        runner.tell(new JobRunner.Stop(StopReason.COMMAND_EXITED));
        all.addAll(out.until(status(JobState.DETACHED), WAIT));
        long batches = all.stream().filter(r -> r.getBody() instanceof dev.fleettrace.schemas.EventBatch).count();
        System.err.println(n + " printfs in " + ms + " ms travelled in " + batches + " EventBatches");
        assertEquals(n, events(all).size(), "none lost from the ring buffer");
        assertTrue(batches <= n / 100, batches + " batches");
        assertGapless(all);
    }

    @Test
    void aBurstIntoASmallRingIsDeliveredOrCountedLost() throws Exception {
        // A ring of 16 KiB holds about 680 records: the reader cannot keep up with a burst, and the
        // probes count what the ring could not take.
        AgentSettings settings = AgentSettings.defaults().withObserver(kernel);
        settings = settings.withLimits(settings.mapMaxEntries(), 16 << 10);
        var runner = run("tracepoint:syscalls:sys_enter_getppid /comm == \"COMM\"/ { printf(\"%lu\\n\", nsecs); }", 100, settings);
        List<AgentRecord> all = new ArrayList<>(out.until(status(JobState.ATTACHED), WAIT));
        int n = 50_000;
        Workload.run(comm, "getppid", n);
        runner.tell(new JobRunner.Stop(StopReason.COMMAND_EXITED));
        all.addAll(out.until(status(JobState.DETACHED), WAIT));
        List<ProbeEvent> events = events(all);
        long delivered = events.stream().filter(e -> e.getKind() == EventKind.PRINTF).count();
        long lost = events.stream().filter(e -> e.getKind() == EventKind.LOST).mapToLong(ProbeEvent::getValue).sum();
        System.err.println(n + " printfs into a 16 KiB ring: " + delivered + " delivered, " + lost + " lost");
        assertEquals(n, delivered + lost, "delivered + lost == sent");
        assertGapless(all);
    }

    @Test
    void printInAProbeFollowsTheDeltasOfEveryEventBeforeIt() throws Exception {
        var runner = run("tracepoint:syscalls:sys_enter_getppid /comm == \"COMM\"/ { @c = count(); } "
                + "tracepoint:syscalls:sys_enter_lseek /comm == \"COMM\"/ { print(@c); clear(@c); }", 60_000);
        List<AgentRecord> all = new ArrayList<>(out.until(status(JobState.ATTACHED), WAIT));
        Workload.run(comm, "getppid", 25);
        Workload.run(comm, "lseek", 1);
        all.addAll(out.until(r -> r.getBody() instanceof dev.fleettrace.schemas.EventBatch e
                && e.getEvents().stream().anyMatch(x -> x.getKind() == EventKind.CLEAR), WAIT));
        // The flush interval is a minute: the only delta before the print is the one the print made.
        int print = -1;
        for (int i = 0; i < all.size(); i++)
            if (all.get(i).getBody() instanceof dev.fleettrace.schemas.EventBatch e && e.getEvents().getFirst().getKind() == EventKind.PRINT) print = i;
        assertTrue(print > 0, "a PRINT event");
        List<DeltaBatch> before = all.subList(0, print).stream().filter(r -> r.getBody() instanceof DeltaBatch).map(r -> (DeltaBatch) r.getBody()).toList();
        assertEquals(25, sum(before, "@c"), "the deltas before the print hold every getppid");
        ProbeEvent p = ((dev.fleettrace.schemas.EventBatch) all.get(print).getBody()).getEvents().getFirst();
        assertEquals("@c", p.getMap());
        runner.tell(new JobRunner.Stop(StopReason.COMMAND_EXITED));
        all.addAll(out.until(status(JobState.DETACHED), WAIT));
        List<DeltaBatch> deltas = all.stream().filter(r -> r.getBody() instanceof DeltaBatch).map(r -> (DeltaBatch) r.getBody()).toList();
        assertEquals(25, sum(deltas, "@c"), "the kernel map was not cleared: nothing counted twice");
        assertGapless(all);
    }

    @Test
    void exitInAProbeIsAnExitEvent() throws Exception {
        var runner = run("tracepoint:syscalls:sys_enter_getppid /comm == \"COMM\"/ { exit(); }", 100);
        List<AgentRecord> all = new ArrayList<>(out.until(status(JobState.ATTACHED), WAIT));
        Workload.run(comm, "getppid", 1);
        // Events go out as they come, not only at the stop.
        all.addAll(out.until(r -> r.getBody() instanceof dev.fleettrace.schemas.EventBatch, WAIT));
        List<ProbeEvent> events = events(all);
        assertEquals(EventKind.EXIT, events.getFirst().getKind());
        assertFalse(events.getFirst().getBegin());
        // The coordinator answers an exit with JobStop; the agent keeps running until then.
        runner.tell(new JobRunner.Stop(StopReason.EXIT_CALLED));
        all.addAll(out.until(status(JobState.DETACHED), WAIT));
        assertGapless(all);
        kernel.assertAllGone();
    }

    @Test
    void aRunnerStoppedByItsParentReleasesTheKernel() throws Exception {
        var runner = run(COUNT + " BEGIN { printf(\"x\\n\"); }", 50);
        out.until(status(JobState.ATTACHED), WAIT);
        kernel.assertLoaded();
        kit.stop(runner, WAIT);
        kernel.assertAllGone();
        // Abrupt: no final batch, no DETACHED (the coordinator sees the agent's heartbeat stop or the node's own stop).
        List<AgentRecord> rest = new ArrayList<>();
        out.records.drainTo(rest);
        assertTrue(rest.stream().noneMatch(status(JobState.DETACHED)), "no DETACHED after an abrupt stop");
    }

    @Test
    void aRecordThatCannotBeSentEndsTheJobOnThisHost() throws Exception {
        out.failFrom(3);
        var runner = run(COUNT, 20);
        out.until(status(JobState.ATTACHED), WAIT);
        TestProbe<Object> probe = kit.createTestProbe();
        probe.expectTerminated(runner, WAIT);
        kernel.assertAllGone();
    }

    @Test
    void afterAJobStartEachWindowShipsRightAfterItEnds() throws Exception {
        var runner = run(COUNT, 1000);
        List<AgentRecord> all = new ArrayList<>(out.until(status(JobState.ATTACHED), WAIT));
        long window = 40;
        long origin = System.currentTimeMillis();
        runner.tell(new JobRunner.Start(origin, window));
        List<AgentRecord> batches = new ArrayList<>();
        while (batches.size() < 5) {
            AgentRecord r = out.next(WAIT);
            all.add(r);
            if (r.getBody() instanceof DeltaBatch) batches.add(r);
        }
        for (int i = 0; i < batches.size(); i++) {
            long k = ((DeltaBatch) batches.get(i).getBody()).getWindow();
            assertEquals(i + 1, k, "labelled with the window that ended");
            long late = batches.get(i).getTimestampMs() - (origin + k * window);
            assertTrue(late >= 0 && late < window, "window " + k + " shipped " + late + " ms after its end");
        }
        runner.tell(new JobRunner.Stop(StopReason.INTERRUPTED));
        all.addAll(out.until(status(JobState.DETACHED), WAIT));
        assertGapless(all);
        List<DeltaBatch> shipped = assertWindows(all, true);
        DeltaBatch last = shipped.getLast();
        assertEquals(shipped.get(shipped.size() - 2).getWindow() + 1, last.getWindow(), "the last batch holds the window the stop cut short");
        kit.createTestProbe().expectTerminated(runner, WAIT);
        kernel.assertAllGone();
    }

    /**
     * min and max restart with every window, exactly: every event's nsecs also goes out as a printf, and
     * the one-threaded workload makes them increase, so the windows' [min, max] must tile the sorted
     * events: each window's min is the event right after the previous window's max. An extreme lost at
     * a flush, or one left over from an earlier window, breaks the tiling. (Counts are read a few
     * microseconds after the epoch moves, so a window's count may differ from its tile by the events of
     * that instant; their sum is exact.)
     */
    @Test
    void minAndMaxPerWindowTileTheEventsExactly() throws Exception {
        var runner = run("tracepoint:syscalls:sys_enter_getppid /comm == \"COMM\"/ { $t = nsecs; @n = count(); @mn = min($t); @mx = max($t); "
                + "printf(\"%lu\\n\", $t); }", 1000);
        List<AgentRecord> all = new ArrayList<>(out.until(status(JobState.ATTACHED), WAIT));
        runner.tell(new JobRunner.Start(System.currentTimeMillis(), 10));
        int runs = 30, per = 400;
        for (int i = 0; i < runs; i++) {
            Workload.run(comm, "getppid", per);
            Thread.sleep(12); // the next run in another window
        }
        runner.tell(new JobRunner.Stop(StopReason.COMMAND_EXITED));
        all.addAll(out.until(status(JobState.DETACHED), WAIT));
        assertGapless(all);
        List<DeltaBatch> batches = assertWindows(all, true);
        List<Long> times = events(all).stream().map(e -> Long.parseUnsignedLong(e.getText().strip())).sorted().toList();
        assertEquals(runs * per, times.size());
        assertEquals(runs * per, sum(batches, "@n"));
        int next = 0;
        int tiles = 0;
        for (DeltaBatch b : batches) {
            long mn = single(b, "@mn"), mx = single(b, "@mx");
            assertEquals(mn < 0, mx < 0, "min and max of one event land in one window: " + b.getWindow());
            if (mn < 0) continue;
            tiles++;
            assertEquals(times.get(next), mn, "window " + b.getWindow() + " starts right after the previous one ended");
            int end = java.util.Collections.binarySearch(times, mx);
            assertTrue(end >= next, "window " + b.getWindow() + "'s max is one of its events");
            next = end + 1;
        }
        assertEquals(times.size(), next, "the last window ends with the last event");
        assertTrue(tiles >= 10, "the events spread over many windows: " + tiles);
        kit.createTestProbe().expectTerminated(runner, WAIT);
        kernel.assertAllGone();
    }

    /** The one value of a key-less map in a batch, or -1 when the batch does not carry it. */
    private static long single(DeltaBatch b, String map) {
        for (var m : b.getMaps()) if (m.getMap().equals(map)) return m.getEntries().getFirst().getValues().getFirst();
        return -1;
    }
}
