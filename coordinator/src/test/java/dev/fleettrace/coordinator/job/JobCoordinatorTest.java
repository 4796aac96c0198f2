package dev.fleettrace.coordinator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.coordinator.job.FleetJobTest.Agent;
import dev.fleettrace.coordinator.node.CoordinatorOutbox;
import dev.fleettrace.schemas.ControlMessage;
import dev.fleettrace.schemas.Heartbeat;
import dev.fleettrace.schemas.JobStart;
import dev.fleettrace.schemas.JobStop;
import dev.fleettrace.schemas.JobSubmit;
import dev.fleettrace.schemas.Report;
import dev.fleettrace.schemas.ReportKind;
import dev.fleettrace.schemas.StopReason;
import dev.fleettrace.transport.SchemaTrust;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The job's actor with real timers: it routes, arms timeouts, and stops once its last report is out. */
class JobCoordinatorTest {

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

    /** Collects what the actor publishes. */
    static final class Collecting implements CoordinatorOutbox {
        final BlockingQueue<Report> reports = new LinkedBlockingQueue<>();
        final BlockingQueue<ControlMessage> control = new LinkedBlockingQueue<>();
        /** Everything written, in order (what the topics would hold). */
        final List<Report> allReports = new CopyOnWriteArrayList<>();
        final List<ControlMessage> allControl = new CopyOnWriteArrayList<>();

        @Override
        public void report(Report r) {
            allReports.add(r);
            reports.add(r);
        }

        @Override
        public void control(ControlMessage m) {
            allControl.add(m);
            control.add(m);
        }

        @Override
        public void heartbeat(Heartbeat b) {}

        Report next() throws InterruptedException {
            Report r = reports.poll(10, TimeUnit.SECONDS);
            if (r == null) throw new AssertionError("no report within 10 s");
            return r;
        }

        /** The next report of {@code kind}, skipping others. */
        Report next(ReportKind kind) throws InterruptedException {
            while (true) {
                Report r = next();
                if (r.getKind() == kind) return r;
            }
        }

        /** The job's windows, once broadcast. */
        JobStart start() throws InterruptedException {
            while (true) {
                ControlMessage m = control.poll(10, TimeUnit.SECONDS);
                if (m == null) throw new AssertionError("no JobStart within 10 s");
                if (m.getBody() instanceof JobStart s) return s;
            }
        }
    }

    private static JobSubmit submit() {
        return JobSubmit.newBuilder().setSource(FleetJobTest.SOURCE).setSourceName("stdin").build();
    }

    private static JobStop stopMsg() {
        return JobStop.newBuilder().setReason(StopReason.COMMAND_EXITED).setDetail("").build();
    }

    @Test
    void allReplied_endIsPublishedAndTheActorStops() throws Exception {
        Collecting out = new Collecting();
        ActorRef<JobCoordinator.Command> job = kit.spawn(JobCoordinator.create("j", submit(), 2, out, JobCoordinator.Timeouts.defaults()));
        TestProbe<Object> watcher = kit.createTestProbe();
        Agent a = new Agent("host-1"), b = new Agent("host-2");
        job.tell(new JobCoordinator.Record(a.attached()));
        job.tell(new JobCoordinator.Record(b.attached()));
        assertEquals(ReportKind.ATTACHED, out.next().getKind());
        job.tell(new JobCoordinator.Record(a.count(2, false)));
        job.tell(new JobCoordinator.Stop(stopMsg(), System.currentTimeMillis()));
        job.tell(new JobCoordinator.Record(a.count(1, true)));
        job.tell(new JobCoordinator.Record(b.count(3, true)));
        Report end = out.next();
        assertEquals(ReportKind.END, end.getKind());
        assertTrue(end.getJson().contains("{\"@n\": 6}"), end.getJson());
        watcher.expectTerminated(job, Duration.ofSeconds(5));
    }

    @Test
    void oneHostMissing_stopTimeoutEndsTheJobNamingIt() throws Exception {
        Collecting out = new Collecting();
        var timeouts = new JobCoordinator.Timeouts(Duration.ofSeconds(30), Duration.ofMillis(300));
        ActorRef<JobCoordinator.Command> job = kit.spawn(JobCoordinator.create("j", submit(), 2, out, timeouts));
        Agent a = new Agent("host-1"), b = new Agent("host-2");
        job.tell(new JobCoordinator.Record(a.attached()));
        job.tell(new JobCoordinator.Record(b.attached()));
        assertEquals(ReportKind.ATTACHED, out.next().getKind());
        job.tell(new JobCoordinator.Stop(stopMsg(), System.currentTimeMillis()));
        job.tell(new JobCoordinator.Record(a.count(1, true)));
        Report end = out.next();
        assertEquals(ReportKind.END, end.getKind());
        assertEquals(java.util.List.of("host-2"), end.getMissingHosts());
    }

    @Test
    void attachTimeout_errorAndAStopForEveryAgent() throws Exception {
        Collecting out = new Collecting();
        var timeouts = new JobCoordinator.Timeouts(Duration.ofMillis(300), Duration.ofSeconds(10));
        kit.spawn(JobCoordinator.create("j", submit(), 2, out, timeouts)).tell(new JobCoordinator.Record(new Agent("host-1").attached()));
        Report r = out.next();
        assertEquals(ReportKind.ERROR, r.getKind());
        ControlMessage stop = out.control.poll(5, TimeUnit.SECONDS);
        assertTrue(stop != null && stop.getBody() instanceof JobStop s && s.getReason() == StopReason.FAILED);
    }
}
