package dev.fleettrace.agent.node;

import static dev.fleettrace.agent.node.RecordingOutbox.assertGapless;
import static dev.fleettrace.agent.node.RecordingOutbox.assertWindows;
import static dev.fleettrace.agent.node.RecordingOutbox.status;
import static dev.fleettrace.agent.node.RecordingOutbox.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.agent.Fixtures;
import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.ControlMessage;
import dev.fleettrace.schemas.Heartbeat;
import dev.fleettrace.schemas.JobState;
import dev.fleettrace.schemas.JobStop;
import dev.fleettrace.schemas.JobSubmit;
import dev.fleettrace.schemas.Role;
import dev.fleettrace.schemas.StopReason;
import dev.fleettrace.testkit.KernelAssumptions;
import dev.fleettrace.testkit.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** AgentNode: routing of control messages to runners, heartbeats, and a clean shutdown. */
class AgentNodeTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static ActorTestKit kit;

    private RecordingOutbox out;
    private KernelObjects kernel;
    private String comm;

    @BeforeAll
    static void startKit() {
        kit = ActorTestKit.create("node", Agents.quietConfig());
    }

    @AfterAll
    static void stopKit() {
        if (kit != null) kit.shutdownTestKit();
    }

    @BeforeEach
    void setUp() {
        out = new RecordingOutbox();
        kernel = new KernelObjects();
        comm = Fixtures.uniquePrefix();
    }

    private ActorRef<AgentNode.Command> node(String host) {
        AgentSettings settings = AgentSettings.defaults().withHeartbeatInterval(Duration.ofMillis(100)).withObserver(kernel).withVersion("test");
        return kit.spawn(AgentNode.create(host, 7, out, settings));
    }

    private static AgentNode.Control submit(String job, String script) {
        return new AgentNode.Control(ControlMessage.newBuilder().setJob(job).setTimestampMs(System.currentTimeMillis())
                .setBody(JobSubmit.newBuilder().setSource(script).setSourceName("stdin").setFlushIntervalMs(50).build()).build());
    }

    private static AgentNode.Control stop(String job) {
        return new AgentNode.Control(ControlMessage.newBuilder().setJob(job).setTimestampMs(System.currentTimeMillis())
                .setBody(JobStop.newBuilder().setReason(StopReason.COMMAND_EXITED).build()).build());
    }

    private String count() {
        return "tracepoint:syscalls:sys_enter_getppid /comm == \"" + comm + "\"/ { @ = count(); }";
    }

    private void shutdown(ActorRef<AgentNode.Command> node) {
        TestProbe<Done> reply = kit.createTestProbe();
        node.tell(new AgentNode.Shutdown(reply.ref()));
        reply.expectMessage(WAIT, Done.getInstance());
        kit.createTestProbe().expectTerminated(node, WAIT);
    }

    @Test
    void heartbeatsAnnounceTheAgentEverySecondOrAsConfigured() throws Exception {
        var node = node("host-hb");
        Heartbeat first = out.nextBeat(WAIT);
        assertEquals("host-hb", first.getMember());
        assertEquals(Role.AGENT, first.getRole());
        assertEquals(7, first.getIncarnation());
        assertEquals(100, first.getIntervalMs());
        assertEquals(List.of(), first.getJobs());
        assertEquals("test", first.getVersion());
        assertEquals(AgentSettings.kernelReleaseOfThisHost(), first.getKernel());
        assertFalse(first.getKernel().isEmpty(), "uname -r");
        Heartbeat second = out.nextBeat(WAIT);
        assertTrue(second.getTimestampMs() >= first.getTimestampMs() + 50, "beats are spaced by the interval");
        shutdown(node);
    }

    @Test
    void aStopForAJobItDoesNotRunIsIgnored() throws Exception {
        var node = node("host-idle");
        node.tell(stop("nobody-runs-this"));
        out.nextBeat(WAIT);
        out.nextBeat(WAIT);
        assertNull(out.records.poll(100, TimeUnit.MILLISECONDS));
        shutdown(node);
    }

    @Test
    void agentNamesCannotHoldASlash() {
        assertThrows(IllegalArgumentException.class, () -> AgentNode.create("a/b", 1, out, AgentSettings.defaults()));
    }

    @Test
    @Tag("kernel")
    void aSubmitRunsTheJobOnceAndAStopEndsIt() throws Exception {
        KernelAssumptions.assumeBpf();
        var node = node("host-a");
        String job = "job-" + comm;
        node.tell(submit(job, count()));
        node.tell(submit(job, count())); // a duplicate while it runs: ignored
        List<AgentRecord> all = new ArrayList<>(out.until(status(JobState.ATTACHED), WAIT));
        awaitBeat(b -> b.getJobs().equals(List.of(job)));
        Workload.run(comm, "getppid", 1000);
        node.tell(stop(job));
        all.addAll(out.until(status(JobState.DETACHED), WAIT));
        assertGapless(all);
        assertEquals(1000, sum(assertWindows(all, true), "@"));
        awaitBeat(b -> b.getJobs().isEmpty());
        kernel.assertAllGone();
        assertEquals(1, kernel.jobs.size(), "loaded once: " + kernel.jobs);

        node.tell(submit(job, count())); // the same job again after it ended: not started twice
        out.nextBeat(WAIT);
        out.nextBeat(WAIT);
        assertNull(out.records.poll(100, TimeUnit.MILLISECONDS));
        assertEquals(1, kernel.jobs.size());
        shutdown(node);
    }

    @Test
    @Tag("kernel")
    void aFailedJobEndsItsRunnerAndTheAgentCarriesOn() throws Exception {
        KernelAssumptions.assumeBpf();
        var node = node("host-f");
        node.tell(submit("bad-" + comm, "tracepoint:syscalls:sys_enter_getppid { @ = "));
        out.until(status(JobState.FAILED), WAIT);
        node.tell(submit("good-" + comm, count()));
        out.until(status("good-" + comm, JobState.ATTACHED), WAIT);
        awaitBeat(b -> b.getJobs().equals(List.of("good-" + comm)));
        shutdown(node);
        kernel.assertAllGone();
    }

    @Test
    @Tag("kernel")
    void shutdownEndsEveryJobCleanlyFirst() throws Exception {
        KernelAssumptions.assumeBpf();
        var node = node("host-s");
        List<String> jobs = List.of("one-" + comm, "two-" + comm);
        for (String j : jobs) node.tell(submit(j, count()));
        List<AgentRecord> all = new ArrayList<>();
        // The two jobs attach in either order.
        while (!jobs.stream().allMatch(j -> all.stream().anyMatch(status(j, JobState.ATTACHED)))) all.add(out.next(WAIT));
        Workload.run(comm, "getppid", 500);
        shutdown(node);
        out.records.drainTo(all);
        Map<String, List<AgentRecord>> byJob = all.stream().collect(Collectors.groupingBy(AgentRecord::getJob));
        for (String j : jobs) {
            List<AgentRecord> records = byJob.get(j).stream().sorted(java.util.Comparator.comparingLong(AgentRecord::getSeq)).toList();
            assertGapless(records);
            assertTrue(status(JobState.DETACHED).test(records.getLast()), j + " ends DETACHED");
            assertEquals(500, sum(assertWindows(records, true), "@"), j);
        }
        kernel.assertAllGone();
    }

    private Heartbeat awaitBeat(java.util.function.Predicate<Heartbeat> p) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Heartbeat b = out.nextBeat(WAIT);
            if (p.test(b)) return b;
        }
        throw new AssertionError("no such heartbeat");
    }
}
