package dev.fleettrace.coordinator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static dev.fleettrace.coordinator.job.FleetJobTest.text;

import dev.fleettrace.coordinator.job.FleetJobTest.Agent;
import dev.fleettrace.coordinator.node.Coordinator;
import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.ControlMessage;
import dev.fleettrace.schemas.Heartbeat;
import dev.fleettrace.schemas.JobStart;
import dev.fleettrace.schemas.JobStop;
import dev.fleettrace.schemas.JobSubmit;
import dev.fleettrace.schemas.Report;
import dev.fleettrace.schemas.ReportKind;
import dev.fleettrace.schemas.Role;
import dev.fleettrace.schemas.StopReason;
import dev.fleettrace.transport.SchemaTrust;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The coordinator's guardian and its job actors with real timers, one test per outcome of a job whose
 * agents come and go: all agents reported; one late; one dead (its heartbeats stop); a duplicate delta
 * delivered; the coordinator restarted mid-job.
 */
class CoordinatorOutcomesTest {

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

    static final String SOURCE = "tracepoint:syscalls:sys_enter_getppid { @n = count(); } interval:ms:100 { print(@n); clear(@n); } END { printf(\"end\\n\"); }";
    static final Duration WAIT = Duration.ofSeconds(10);

    static Heartbeat beat(Agent a) {
        return Heartbeat.newBuilder().setMember(a.name).setRole(Role.AGENT).setIncarnation(1).setTimestampMs(System.currentTimeMillis())
                .setIntervalMs(100).build();
    }

    static ControlMessage submit() {
        return ControlMessage.newBuilder().setJob("j").setTimestampMs(System.currentTimeMillis())
                .setBody(JobSubmit.newBuilder().setSource(SOURCE).setSourceName("stdin").setExpectedAgents(2).build()).build();
    }

    static ControlMessage stopMessage() {
        return ControlMessage.newBuilder().setJob("j").setTimestampMs(System.currentTimeMillis())
                .setBody(JobStop.newBuilder().setReason(StopReason.COMMAND_EXITED).setDetail("").build()).build();
    }

    static ActorRef<Coordinator.Command> coordinator(JobCoordinatorTest.Collecting out, Duration stopTimeout) {
        return coordinator(out, stopTimeout, Duration.ofMillis(300));
    }

    static ActorRef<Coordinator.Command> coordinator(JobCoordinatorTest.Collecting out, Duration stopTimeout, Duration grace) {
        var timeouts = new JobCoordinator.Timeouts(Duration.ofSeconds(30), stopTimeout, grace);
        return kit.spawn(Coordinator.create("coordinator-test", out, new Coordinator.Settings(Duration.ofMillis(100), timeouts)));
    }

    static void tell(ActorRef<Coordinator.Command> c, AgentRecord r) {
        c.tell(new Coordinator.Agent(r));
    }

    @Test
    void allAgentsReported_oneTickPerWindowThenEnd() throws Exception {
        JobCoordinatorTest.Collecting out = new JobCoordinatorTest.Collecting();
        var c = coordinator(out, Duration.ofSeconds(10));
        Agent a = new Agent("host-1"), b = new Agent("host-2");
        c.tell(new Coordinator.Control(submit()));
        tell(c, a.attached());
        tell(c, b.attached());
        assertEquals("Attaching 3 probes...\n", text(out.next(ReportKind.ATTACHED)));
        JobStart start = out.start();
        assertEquals(100, start.getWindowMs());
        tell(c, a.delta(1, 2, false));
        tell(c, b.delta(1, 3, false));
        Report t1 = out.next(ReportKind.INTERVAL);
        assertEquals("@n: 5\n", text(t1));
        assertEquals(List.of(), t1.getMissingHosts());
        tell(c, a.delta(2, 4, false));
        tell(c, b.delta(2, 5, false));
        assertEquals("@n: 9\n", text(out.next(ReportKind.INTERVAL)));
        c.tell(new Coordinator.Control(stopMessage()));
        tell(c, a.delta(3, 1, true));
        tell(c, b.delta(3, 1, true));
        Report end = out.next(ReportKind.END);
        assertEquals("end\n\n\n@n: 2\n", text(end));
        assertEquals(List.of(), end.getMissingHosts());
    }

    @Test
    void agentsReadBeforeTheSubmit_attachAndCountAllTheSame() throws Exception {
        // Control and agent records are on different topics: an agent quick to attach can be read first.
        JobCoordinatorTest.Collecting out = new JobCoordinatorTest.Collecting();
        var c = coordinator(out, Duration.ofSeconds(10));
        Agent a = new Agent("host-1"), b = new Agent("host-2");
        tell(c, a.attached());
        tell(c, b.attached());
        c.tell(new Coordinator.Control(submit()));
        assertEquals("Attaching 3 probes...\n", text(out.next(ReportKind.ATTACHED)));
        out.start();
        tell(c, a.delta(1, 2, false));
        tell(c, b.delta(1, 3, false));
        assertEquals("@n: 5\n", text(out.next(ReportKind.INTERVAL)));
    }

    @Test
    void oneLate_theWindowClosesAfterTheGraceNamingItAndItsDeltaCountsNext() throws Exception {
        JobCoordinatorTest.Collecting out = new JobCoordinatorTest.Collecting();
        var c = coordinator(out, Duration.ofSeconds(10));
        Agent a = new Agent("host-1"), b = new Agent("host-2");
        c.tell(new Coordinator.Control(submit()));
        tell(c, a.attached());
        tell(c, b.attached());
        out.next(ReportKind.ATTACHED);
        JobStart start = out.start();
        tell(c, a.delta(1, 2, false));
        Report t1 = out.next(ReportKind.INTERVAL);
        assertEquals("@n: 2\n", text(t1));
        assertEquals(List.of("host-2"), t1.getMissingHosts());
        assertTrue(t1.getStderr().contains("window 1 closed without host-2"), t1.getStderr());
        assertTrue(t1.getTimestampMs() >= start.getOriginMs() + 100 + 300, "not before the grace period ran out");
        tell(c, b.delta(1, 3, false));
        tell(c, a.delta(2, 4, false));
        tell(c, b.delta(2, 5, false));
        Report t2 = out.next(ReportKind.INTERVAL);
        assertEquals("@n: 12\n", text(t2), "host-2's late window 1 is in window 2, not dropped");
        assertEquals(List.of(), t2.getMissingHosts());
    }

    @Test
    void oneDead_itsHeartbeatsStopAndTheJobGoesOnWithoutItAndSaysSo() throws Exception {
        JobCoordinatorTest.Collecting out = new JobCoordinatorTest.Collecting();
        // A long stop timeout: the END below must come because nobody waits for the dead host, not by timeout.
        var c = coordinator(out, Duration.ofSeconds(60));
        Agent a = new Agent("host-1"), b = new Agent("host-2");
        c.tell(new Coordinator.Beat(beat(a)));
        c.tell(new Coordinator.Beat(beat(b)));
        c.tell(new Coordinator.Control(submit()));
        tell(c, a.attached());
        tell(c, b.attached());
        out.next(ReportKind.ATTACHED);
        out.start();
        // host-1 keeps beating, host-2 goes silent.
        Report warning = null;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (warning == null && System.nanoTime() < deadline) {
            c.tell(new Coordinator.Beat(beat(a)));
            Report r = out.reports.poll(50, TimeUnit.MILLISECONDS);
            if (r != null && r.getKind() == ReportKind.WARNING && r.getWindow() == 0) warning = r;
        }
        assertTrue(warning != null, "no warning that host-2 died");
        assertEquals(List.of("host-2"), warning.getMissingHosts());
        assertTrue(warning.getStderr().contains("host-2 stopped sending heartbeats; the job goes on without it"), warning.getStderr());
        out.reports.clear();
        long w = 1 + (System.currentTimeMillis() - out.allControl.stream().map(ControlMessage::getBody).filter(JobStart.class::isInstance)
                .map(JobStart.class::cast).findFirst().orElseThrow().getOriginMs()) / 100;
        tell(c, a.delta(w, 7, false));
        // The windows up to w close on host-1 alone: each names host-2 (it lacks its data), none repeats the warning.
        Report tick;
        do {
            tick = out.next(ReportKind.INTERVAL);
            assertEquals(List.of("host-2"), tick.getMissingHosts());
            assertEquals("", tick.getStderr());
        } while (tick.getWindow() < w);
        assertEquals("@n: 7\n", text(tick));
        c.tell(new Coordinator.Beat(beat(a)));
        c.tell(new Coordinator.Control(stopMessage()));
        long t0 = System.nanoTime();
        tell(c, a.delta(w + 1, 1, true));
        Report end = out.next(ReportKind.END);
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "END did not wait for the dead host");
        assertEquals(List.of("host-2"), end.getMissingHosts());
        assertTrue(end.getStderr().contains("no final delta from host-2 (stopped sending heartbeats)"), end.getStderr());
    }

    @Test
    void aDuplicateDeltaDelivered_countsOnce() throws Exception {
        JobCoordinatorTest.Collecting out = new JobCoordinatorTest.Collecting();
        var c = coordinator(out, Duration.ofSeconds(10));
        Agent a = new Agent("host-1"), b = new Agent("host-2");
        c.tell(new Coordinator.Control(submit()));
        tell(c, a.attached());
        tell(c, b.attached());
        out.next(ReportKind.ATTACHED);
        out.start();
        AgentRecord d = a.delta(1, 2, false);
        tell(c, d);
        tell(c, d);
        tell(c, b.delta(1, 3, false));
        tell(c, d);
        assertEquals("@n: 5\n", text(out.next(ReportKind.INTERVAL)));
        c.tell(new Coordinator.Control(stopMessage()));
        tell(c, d);
        tell(c, a.delta(2, 1, true));
        tell(c, b.delta(2, 1, true));
        assertEquals("end\n\n\n@n: 2\n", text(out.next(ReportKind.END)));
    }

    /**
     * The first coordinator stops mid-job; a new one is given what the topics hold (the control
     * messages, the reports published, the agents' records) and the rest arrives to it. Its reports carry
     * on where the first one's stopped, and END is what an uninterrupted coordinator prints.
     */
    @Test
    void coordinatorRestartedMidJob_rebuildsFromTheTopicsAndPrintsTheSameAnswer() throws Exception {
        List<String> uninterrupted = restartedAfter(-1);
        for (int cut : new int[] {3, 6, 9}) assertEquals(uninterrupted, restartedAfter(cut), "restarted after record " + cut);
    }

    /** Runs the same job, restarting the coordinator after {@code cut} agent records (never if negative); returns each report's kind and text. */
    private List<String> restartedAfter(int cut) throws Exception {
        JobCoordinatorTest.Collecting out = new JobCoordinatorTest.Collecting();
        // Windows close on the agents' deltas only (no deadline in this test): both runs see the same ticks.
        Duration grace = Duration.ofSeconds(60);
        ActorRef<Coordinator.Command> c = coordinator(out, Duration.ofSeconds(10), grace);
        Agent a = new Agent("host-1"), b = new Agent("host-2");
        ControlMessage submit = submit();
        List<ControlMessage> control = new ArrayList<>(List.of(submit));
        c.tell(new Coordinator.Control(submit));
        List<AgentRecord> script = new ArrayList<>(List.of(a.attached(), b.attached()));
        List<AgentRecord> topic = new ArrayList<>();
        for (long w = 1; w <= 4; w++) {
            script.add(a.delta(w, w, false));
            script.add(b.delta(w, 10 * w, false));
        }
        script.add(a.delta(5, 100, true));
        script.add(b.delta(5, 1000, true));
        int stopAfter = script.size() - 2;
        int expectedReports = 0;
        for (int i = 0; i < script.size(); i++) {
            if (i == cut) {
                // Wait for what the first coordinator publishes for what it got, then it goes away.
                waitQuiet(out);
                kit.stop(c, WAIT);
                List<ControlMessage> onTopic = new ArrayList<>(control);
                onTopic.addAll(out.allControl);
                JobStart start = onTopic.stream().map(ControlMessage::getBody).filter(JobStart.class::isInstance).map(JobStart.class::cast)
                        .findFirst().orElse(null);
                List<ControlMessage> stops = onTopic.stream().filter(m -> m.getBody() instanceof JobStop).toList();
                List<Report> published = List.copyOf(out.allReports);
                JobCoordinatorTest.Collecting second = new JobCoordinatorTest.Collecting();
                second.allReports.addAll(published);
                out = second;
                c = coordinator(out, Duration.ofSeconds(10), grace);
                c.tell(new Coordinator.Recover("j", (JobSubmit) submit.getBody(),
                        new FleetJob.History(Optional.ofNullable(start), stops, published, List.copyOf(topic))));
            }
            if (i == stopAfter) {
                ControlMessage stop = stopMessage();
                control.add(stop);
                c.tell(new Coordinator.Control(stop));
            }
            topic.add(script.get(i));
            tell(c, script.get(i));
        }
        out.next(ReportKind.END);
        List<String> seen = new ArrayList<>();
        long seq = 0;
        for (Report r : out.allReports) {
            assertEquals(++seq, r.getSeq(), "reports numbered without a gap or a repeat across the restart");
            seen.add(r.getKind() + " " + r.getWindow() + " " + text(r));
        }
        kit.stop(c, WAIT);
        return seen;
    }

    /** Until nothing new is published for 300 ms. */
    private static void waitQuiet(JobCoordinatorTest.Collecting out) throws InterruptedException {
        int n;
        do {
            n = out.allReports.size();
            Thread.sleep(300);
        } while (out.allReports.size() != n);
    }
}
