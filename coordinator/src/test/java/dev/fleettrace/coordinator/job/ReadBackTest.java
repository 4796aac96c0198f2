package dev.fleettrace.coordinator.job;

import static dev.fleettrace.coordinator.job.CoordinatorOutcomesTest.beat;
import static dev.fleettrace.coordinator.job.CoordinatorOutcomesTest.stopMessage;
import static dev.fleettrace.coordinator.job.CoordinatorOutcomesTest.submit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.coordinator.job.FleetJobTest.Agent;
import dev.fleettrace.coordinator.node.Coordinator;
import dev.fleettrace.coordinator.node.CoordinatorOutbox;
import dev.fleettrace.schemas.ControlMessage;
import dev.fleettrace.schemas.Heartbeat;
import dev.fleettrace.schemas.Report;
import dev.fleettrace.schemas.ReportKind;
import dev.fleettrace.transport.SchemaTrust;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A coordinator that reads its topics behind (CPU starved, a GC pause, a backlog of large deltas) judges
 * what is missing by how far it has read, as its own heartbeats read back show ({@link ReadClock}), not
 * by the wall clock: found by the load tests, where a coordinator reading 2 s behind declared every
 * agent lost while their beats sat unread in Kafka, and the job stopped with a wrong END. Here its own
 * beats come back only when the test hands them back: while they do not, its reading has stalled.
 */
class ReadBackTest {

    static ActorTestKit kit;

    @BeforeAll
    static void start() {
        SchemaTrust.install();
        kit = ActorTestKit.create();
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    /** Collects reports and control messages, and keeps the coordinator's own beats for the test to hand back. */
    static final class Outbox implements CoordinatorOutbox {
        final JobCoordinatorTest.Collecting collected = new JobCoordinatorTest.Collecting();
        final BlockingQueue<Heartbeat> beats = new LinkedBlockingQueue<>();

        @Override
        public void report(Report r) {
            collected.report(r);
        }

        @Override
        public void control(ControlMessage m) {
            collected.control(m);
        }

        @Override
        public void heartbeat(Heartbeat b) {
            beats.add(b);
        }

        /** The coordinator's latest beat so far, as its reader would deliver it once caught up. */
        Heartbeat latest() throws InterruptedException {
            Heartbeat h = beats.poll(5, TimeUnit.SECONDS);
            if (h == null) throw new AssertionError("the coordinator wrote no heartbeat");
            for (Heartbeat more; (more = beats.poll()) != null; ) h = more;
            return h;
        }
    }

    private static ActorRef<Coordinator.Command> coordinator(Outbox out, String id, Duration stopTimeout) {
        var timeouts = new JobCoordinator.Timeouts(Duration.ofSeconds(30), stopTimeout, Duration.ofMillis(200));
        return kit.spawn(Coordinator.create(id, out, new Coordinator.Settings(Duration.ofMillis(100), timeouts).withReadBack()));
    }

    private static void tell(ActorRef<Coordinator.Command> c, Object r) {
        c.tell(r instanceof Heartbeat h ? new Coordinator.Beat(h) : new Coordinator.Agent((dev.fleettrace.schemas.AgentRecord) r));
    }

    @Test
    void readingBehind_noWindowClosesWithoutAHostAndNoAgentIsLostUntilTheReadingPassesTheirDeadlines() throws Exception {
        Outbox out = new Outbox();
        var c = coordinator(out, "coordinator-rb1", Duration.ofSeconds(60));
        Agent a = new Agent("host-1"), b = new Agent("host-2");
        tell(c, out.latest());
        tell(c, beat(a));
        tell(c, beat(b));
        c.tell(new Coordinator.Control(submit()));
        tell(c, a.attached());
        tell(c, b.attached());
        out.collected.next(ReportKind.ATTACHED);
        out.collected.start();
        tell(c, a.delta(1, 2, false));

        // Its reading stalls: for 1 s (10 heartbeat intervals, 5 graces, 3 times an agent's liveness) the
        // wall clock passes every deadline, but nothing written after them has been read.
        assertNull(out.collected.reports.poll(1, TimeUnit.SECONDS), "a report while the coordinator had read nothing past any deadline");

        // It catches up: host-1's beats are there, host-2's are not.
        tell(c, beat(a));
        tell(c, out.latest());
        // Both deadlines passed in what was read (window 1's and host-2's liveness); in whichever order
        // they are acted on, window 1 names host-2 and host-2 is announced lost.
        Report t1 = null, lost = null;
        while (t1 == null || lost == null) {
            Report r = out.collected.next();
            if (r.getKind() == ReportKind.INTERVAL && t1 == null) t1 = r;
            if (r.getKind() == ReportKind.WARNING && r.getWindow() == 0) lost = r;
        }
        assertEquals(1, t1.getWindow());
        assertEquals(java.util.List.of("host-2"), t1.getMissingHosts(), "host-2 shipped nothing: it is missing, once that has been read");
        assertEquals(java.util.List.of("host-2"), lost.getMissingHosts());
    }

    @Test
    void readingBehind_theStopTimeoutWaitsForTheReading() throws Exception {
        Outbox out = new Outbox();
        var c = coordinator(out, "coordinator-rb2", Duration.ofMillis(300));
        Agent a = new Agent("host-1"), b = new Agent("host-2");
        tell(c, out.latest());
        // Beats far apart (10 s intervals): nobody is lost in this test, whatever the clock.
        for (Agent x : new Agent[] {a, b}) {
            tell(c, Heartbeat.newBuilder(beat(x)).setIntervalMs(10_000).build());
        }
        c.tell(new Coordinator.Control(submit()));
        tell(c, a.attached());
        tell(c, b.attached());
        out.collected.next(ReportKind.ATTACHED);
        out.collected.start();
        tell(c, out.latest());
        c.tell(new Coordinator.Control(stopMessage()));
        AtomicLong stoppedAt = new AtomicLong(System.nanoTime());
        tell(c, a.delta(1, 2, true));

        // host-2's last batch may be written but not read: 1 s, three stop timeouts, and no END while reading stalls.
        Report r;
        while ((r = out.collected.reports.poll(100, TimeUnit.MILLISECONDS)) != null || System.nanoTime() - stoppedAt.get() < TimeUnit.SECONDS.toNanos(1)) {
            assertTrue(r == null || r.getKind() != ReportKind.END, "END while the coordinator had not read past the stop timeout");
        }
        tell(c, out.latest());
        Thread.sleep(350); // the reading goes on past the timeout
        tell(c, out.latest());
        Report end = out.collected.next(ReportKind.END);
        assertEquals(java.util.List.of("host-2"), end.getMissingHosts());
    }
}
