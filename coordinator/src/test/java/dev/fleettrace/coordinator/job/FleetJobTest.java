package dev.fleettrace.coordinator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.CanonicalKey;
import dev.fleettrace.plan.FieldKind;
import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.DeltaBatch;
import dev.fleettrace.schemas.DeltaEntry;
import dev.fleettrace.schemas.EventBatch;
import dev.fleettrace.schemas.EventKind;
import dev.fleettrace.schemas.JobState;
import dev.fleettrace.schemas.JobStatus;
import dev.fleettrace.schemas.JobStop;
import dev.fleettrace.schemas.JobSubmit;
import dev.fleettrace.schemas.MapDelta;
import dev.fleettrace.schemas.ProbeEvent;
import dev.fleettrace.schemas.Report;
import dev.fleettrace.schemas.ReportKind;
import dev.fleettrace.schemas.StopReason;
import dev.fleettrace.transport.SchemaCodec;
import dev.fleettrace.transport.SchemaTrust;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The coordinator's job logic, one outcome per test, driven by the records agents would send. */
class FleetJobTest {

    static final String SOURCE = "BEGIN { printf(\"start\\n\"); } tracepoint:syscalls:sys_enter_getppid { @n = count(); } "
            + "END { printf(\"done %d\\n\", 42); }";
    static final MapSchema N = MapSchema.of("@n", AggKind.COUNT, List.of(), FieldKind.UINT);

    @BeforeAll
    static void trust() {
        SchemaTrust.install();
    }

    /** An agent's records, numbered as the agent numbers them. */
    static final class Agent {
        final String name;
        long seq;

        Agent(String name) {
            this.name = name;
        }

        AgentRecord record(Object body) {
            return AgentRecord.newBuilder().setJob("j").setAgent(name).setIncarnation(1).setSeq(++seq).setTimestampMs(0).setBody(body).build();
        }

        AgentRecord attached() {
            return record(JobStatus.newBuilder().setState(JobState.ATTACHED).setProbes(1).setMaps(List.of(SchemaCodec.toRecord(N))).setError("").build());
        }

        AgentRecord failed(String error) {
            return record(JobStatus.newBuilder().setState(JobState.FAILED).setProbes(0).setMaps(List.of()).setError(error).build());
        }

        AgentRecord count(long inc, boolean last) {
            DeltaEntry e = DeltaEntry.newBuilder().setKey(ByteBuffer.wrap(CanonicalKey.EMPTY)).setValues(List.of(inc)).build();
            return record(DeltaBatch.newBuilder().setWindow(seq).setLast(last)
                    .setMaps(List.of(MapDelta.newBuilder().setMap("@n").setEntries(List.of(e)).build())).build());
        }

        /** A delta of window {@code window}: {@code inc} more events counted in {@code @n}. */
        AgentRecord delta(long window, long inc, boolean last) {
            DeltaEntry e = DeltaEntry.newBuilder().setKey(ByteBuffer.wrap(CanonicalKey.EMPTY)).setValues(List.of(inc)).build();
            return record(DeltaBatch.newBuilder().setWindow(window).setLast(last)
                    .setMaps(inc == 0 ? List.of() : List.of(MapDelta.newBuilder().setMap("@n").setEntries(List.of(e)).build())).build());
        }

        AgentRecord printf(String text, boolean begin) {
            return record(EventBatch.newBuilder().setEvents(List.of(ProbeEvent.newBuilder().setKind(EventKind.PRINTF).setBegin(begin).setText(text).build())).build());
        }

        AgentRecord exit() {
            return record(EventBatch.newBuilder().setEvents(List.of(ProbeEvent.newBuilder().setKind(EventKind.EXIT).build())).build());
        }
    }

    private final List<FleetJob.Effect> effects = new ArrayList<>();

    private FleetJob job(int expected) {
        JobSubmit s = JobSubmit.newBuilder().setSource(SOURCE).setSourceName("stdin").build();
        return new FleetJob("j", s, expected, () -> 0L);
    }

    private void feed(List<FleetJob.Effect> fx) {
        effects.addAll(fx);
    }

    private List<Report> reports() {
        List<Report> r = new ArrayList<>();
        for (FleetJob.Effect e : effects) if (e instanceof FleetJob.Effect.Publish(Report rep)) r.add(rep);
        return r;
    }

    static String text(Report r) {
        ByteBuffer b = r.getText().duplicate();
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return new String(a, StandardCharsets.ISO_8859_1);
    }

    private static JobStop stop(StopReason reason) {
        return JobStop.newBuilder().setReason(reason).setDetail("").build();
    }

    @Test
    void allAgentsReplied_beginOnceCountsAddUpEndRuns() {
        FleetJob job = job(3);
        Agent a = new Agent("host-1"), b = new Agent("host-2"), c = new Agent("host-3");
        for (Agent x : List.of(c, a, b)) {
            feed(job.onRecord(x.attached()));
            feed(job.onRecord(x.printf("start\n", true)));
        }
        assertEquals(FleetJob.Phase.RUNNING, job.phase());
        for (Agent x : List.of(a, b, c)) feed(job.onRecord(x.count(4, false)));
        feed(job.onStop(stop(StopReason.COMMAND_EXITED), 0));
        for (Agent x : List.of(a, b, c)) feed(job.onRecord(x.count(6, true)));
        assertEquals(FleetJob.Phase.DONE, job.phase());
        List<Report> rs = reports();
        assertEquals(List.of(ReportKind.ATTACHED, ReportKind.END), rs.stream().map(Report::getKind).toList());
        // BEGIN printed once for the fleet, with the barrier; 3 probes: BEGIN, the tracepoint, END.
        assertEquals("Attaching 3 probes...\nstart\n", text(rs.get(0)));
        assertEquals("done 42\n\n\n@n: 30\n", text(rs.get(1)));
        assertEquals("{\"type\": \"printf\", \"data\": \"done 42\\n\"}\n\n\n{\"type\": \"map\", \"data\": {\"@n\": 30}}\n", rs.get(1).getJson());
        assertEquals(0, rs.get(1).getExitCode());
        assertEquals(List.of("host-1", "host-2", "host-3"), rs.get(1).getHosts());
    }

    @Test
    void oneHostMissingAtTheEnd_endRunsAfterTheTimeoutAndNamesIt() {
        FleetJob job = job(2);
        Agent a = new Agent("host-1"), b = new Agent("host-2");
        feed(job.onRecord(a.attached()));
        feed(job.onRecord(b.attached()));
        feed(job.onRecord(a.count(5, false)));
        feed(job.onRecord(b.count(7, false)));
        feed(job.onStop(stop(StopReason.INTERRUPTED), 0));
        feed(job.onRecord(a.count(1, true)));
        assertEquals(FleetJob.Phase.STOPPING, job.phase(), "host-2's last delta is still due");
        assertTrue(effects.stream().anyMatch(e -> e instanceof FleetJob.Effect.ArmStopTimeout));
        feed(job.onStopTimeout());
        Report end = reports().getLast();
        assertEquals(ReportKind.END, end.getKind());
        assertEquals(List.of("host-2"), end.getMissingHosts());
        assertTrue(end.getStderr().contains("host-2"), end.getStderr());
        assertTrue(text(end).endsWith("@n: 13\n"), "what host-2 sent before counts: " + text(end));
    }

    @Test
    void attachBarrierNotMet_errorNamesWhoAttachedAndStopsTheOthers() {
        FleetJob job = job(3);
        feed(job.onRecord(new Agent("host-1").attached()));
        feed(job.onAttachTimeout());
        Report r = reports().getLast();
        assertEquals(ReportKind.ERROR, r.getKind());
        assertEquals(1, r.getExitCode());
        assertTrue(r.getStderr().contains("only 1 of 3 agents attached") && r.getStderr().contains("host-1"), r.getStderr());
        assertTrue(effects.stream().anyMatch(e -> e instanceof FleetJob.Effect.BroadcastStop(StopReason reason, String d) && reason == StopReason.FAILED));
    }

    @Test
    void duplicateDeltaIsCountedOnce() {
        FleetJob job = job(1);
        Agent a = new Agent("host-1");
        feed(job.onRecord(a.attached()));
        AgentRecord d = a.count(9, false);
        feed(job.onRecord(d));
        feed(job.onRecord(d));
        feed(job.onStop(stop(StopReason.COMMAND_EXITED), 0));
        feed(job.onRecord(a.count(0, true)));
        assertTrue(text(reports().getLast()).endsWith("@n: 9\n"), text(reports().getLast()));
    }

    @Test
    void aSingleAgentFailing_printsItsErrorAsBpftraceWould() {
        FleetJob job = job(1);
        String diag = "stdin:1:1-34: ERROR: tracepoint not found: syscalls:sys_enter_foo\n";
        feed(job.onRecord(new Agent("host-1").failed(diag)));
        Report r = reports().getLast();
        assertEquals(ReportKind.ERROR, r.getKind());
        assertEquals(diag, r.getStderr());
        assertEquals(FleetJob.Phase.DONE, job.phase());
    }

    @Test
    void inAFleet_theFirstFailureEndsTheJobAndNamesItsHost() {
        FleetJob job = job(3);
        feed(job.onRecord(new Agent("host-1").attached()));
        feed(job.onRecord(new Agent("host-2").failed("no BTF")));
        Report r = reports().getLast();
        assertEquals("fleettrace: the job failed on host-2:\nno BTF\n", r.getStderr());
        assertEquals(FleetJob.Phase.DONE, job.phase(), "nobody waits for the others");
        assertTrue(effects.stream().anyMatch(e -> e instanceof FleetJob.Effect.BroadcastStop(StopReason reason, String d) && reason == StopReason.FAILED),
                "host-1 must detach");
    }

    @Test
    void exitOnAnyHostStopsTheFleet() {
        FleetJob job = job(2);
        Agent a = new Agent("host-1"), b = new Agent("host-2");
        feed(job.onRecord(a.attached()));
        feed(job.onRecord(b.attached()));
        feed(job.onRecord(b.exit()));
        assertTrue(effects.stream().anyMatch(e -> e instanceof FleetJob.Effect.BroadcastStop(StopReason reason, String d) && reason == StopReason.EXIT_CALLED));
        assertEquals(FleetJob.Phase.STOPPING, job.phase());
    }

    @Test
    void probeOutputStreamsFromEveryHost() {
        FleetJob job = job(2);
        Agent a = new Agent("host-1"), b = new Agent("host-2");
        feed(job.onRecord(a.attached()));
        feed(job.onRecord(b.attached()));
        feed(job.onRecord(a.printf("from a\n", false)));
        feed(job.onRecord(b.printf("from b\n", false)));
        Map<ReportKind, List<String>> texts = new HashMap<>();
        for (Report r : reports()) texts.computeIfAbsent(r.getKind(), k -> new ArrayList<>()).add(text(r));
        assertEquals(List.of("from a\n", "from b\n"), texts.get(ReportKind.OUTPUT));
    }
}
