package dev.fleettrace.coordinator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.coordinator.job.FleetJobTest.Agent;
import dev.fleettrace.plan.CanonicalKey;
import dev.fleettrace.schemas.EventBatch;
import dev.fleettrace.schemas.EventKind;
import dev.fleettrace.schemas.JobStop;
import dev.fleettrace.schemas.JobSubmit;
import dev.fleettrace.schemas.ProbeEvent;
import dev.fleettrace.schemas.Report;
import dev.fleettrace.schemas.ReportKind;
import dev.fleettrace.schemas.StopReason;
import dev.fleettrace.transport.SchemaTrust;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * print/clear/zero/delete from kernel probes act on the fleet's merged map, at the point of the acting
 * host's stream where they happened (its agent shipped its deltas just before); the other output of
 * probes (values, join, system, lost events) goes out per host.
 */
class ProbeActionsTest {

    static final String SOURCE = "tracepoint:syscalls:sys_enter_getppid { @n = count(); } "
            + "tracepoint:syscalls:sys_enter_lseek { print(@n); clear(@n); zero(@n); delete(@n); }";

    @BeforeAll
    static void trust() {
        SchemaTrust.install();
    }

    private final List<FleetJob.Effect> effects = new ArrayList<>();

    private FleetJob job(int expected) {
        return new FleetJob("j", JobSubmit.newBuilder().setSource(SOURCE).setSourceName("stdin").build(), expected, () -> 0L);
    }

    private void feed(List<FleetJob.Effect> fx) {
        effects.addAll(fx);
    }

    private List<Report> reports(ReportKind kind) {
        List<Report> r = new ArrayList<>();
        for (FleetJob.Effect e : effects) if (e instanceof FleetJob.Effect.Publish(Report rep) && rep.getKind() == kind) r.add(rep);
        return r;
    }

    private static AgentRecordBuilder on(Agent a) {
        return new AgentRecordBuilder(a);
    }

    record AgentRecordBuilder(Agent a) {
        dev.fleettrace.schemas.AgentRecord events(ProbeEvent... evs) {
            return a.record(EventBatch.newBuilder().setEvents(List.of(evs)).build());
        }
    }

    private static ProbeEvent ev(EventKind kind) {
        return ProbeEvent.newBuilder().setKind(kind).setMap("@n").build();
    }

    private static JobStop stop() {
        return JobStop.newBuilder().setReason(StopReason.COMMAND_EXITED).setDetail("").build();
    }

    private FleetJob running(Agent... agents) {
        FleetJob job = job(agents.length);
        for (Agent x : agents) feed(job.onRecord(x.attached()));
        assertEquals(FleetJob.Phase.RUNNING, job.phase());
        return job;
    }

    @Test
    void printAndClearFromAProbeActOnTheMergedMapWhereTheyHappenedInTheHostsStream() {
        Agent a = new Agent("host-1"), b = new Agent("host-2"), c = new Agent("host-3");
        FleetJob job = running(a, b, c);
        feed(job.onRecord(a.delta(0, 5, false)));
        feed(job.onRecord(b.delta(0, 7, false)));
        // host-1's print: every host's deltas that arrived before it (host-3's have not).
        feed(job.onRecord(on(a).events(ev(EventKind.PRINT), ev(EventKind.CLEAR))));
        // host-3 ships what it counted before its own print, then prints: the merged map since host-1's clear.
        feed(job.onRecord(c.delta(0, 4, false)));
        feed(job.onRecord(on(c).events(ev(EventKind.PRINT))));
        feed(job.onRecord(on(b).events(ProbeEvent.newBuilder().setKind(EventKind.PRINT).setMap("@n").setDiv(2).build())));
        List<Report> out = reports(ReportKind.OUTPUT);
        assertEquals(List.of("@n: 12\n", "@n: 4\n", "@n: 2\n"), out.stream().map(FleetJobTest::text).toList());
        assertEquals(List.of(List.of("host-1"), List.of("host-3"), List.of("host-2")), out.stream().map(Report::getHosts).toList());
        assertEquals("{\"type\": \"map\", \"data\": {\"@n\": 12}}\n", out.getFirst().getJson());
        // The kernels were never cleared: the agents' later deltas add to what is left after the clear.
        feed(job.onStop(stop(), 0));
        feed(job.onRecord(a.delta(0, 1, true)));
        feed(job.onRecord(b.delta(0, 2, true)));
        feed(job.onRecord(c.delta(0, 0, true)));
        Report end = reports(ReportKind.END).getFirst();
        assertEquals("\n\n@n: 7\n", FleetJobTest.text(end));
    }

    @Test
    void zeroKeepsTheKeyDeleteRemovesIt() {
        Agent a = new Agent("host-1"), b = new Agent("host-2");
        FleetJob job = running(a, b);
        feed(job.onRecord(a.delta(0, 5, false)));
        feed(job.onRecord(on(b).events(ev(EventKind.ZERO), ev(EventKind.PRINT))));
        feed(job.onRecord(a.delta(0, 3, false)));
        feed(job.onRecord(on(a).events(ev(EventKind.PRINT),
                ProbeEvent.newBuilder().setKind(EventKind.DELETE).setMap("@n").setKey(ByteBuffer.wrap(CanonicalKey.EMPTY)).build(), ev(EventKind.PRINT))));
        assertEquals(List.of("@n: 0\n", "@n: 3\n@n: 0\n"), reports(ReportKind.OUTPUT).stream().map(FleetJobTest::text).toList());
    }

    @Test
    void valuesJoinSystemAndLostEventsGoOutPerHost() {
        Agent a = new Agent("host-1"), b = new Agent("host-2");
        FleetJob job = running(a, b);
        feed(job.onRecord(on(a).events(ProbeEvent.newBuilder().setKind(EventKind.VALUE).setValue(-3L).build(),
                ProbeEvent.newBuilder().setKind(EventKind.VALUE).setText("str").build(),
                ProbeEvent.newBuilder().setKind(EventKind.JOIN).setText("a,b").build(),
                ProbeEvent.newBuilder().setKind(EventKind.SYSTEM).setText("hi\n").build(),
                ProbeEvent.newBuilder().setKind(EventKind.TIME).setText("12:00:00\n").build())));
        feed(job.onRecord(on(b).events(ProbeEvent.newBuilder().setKind(EventKind.LOST).setValue(17L).build())));
        Report out = reports(ReportKind.OUTPUT).getFirst();
        assertEquals("-3\nstr\na,b\nhi\n12:00:00\n", FleetJobTest.text(out));
        assertEquals("""
                {"type": "value", "data": -3}
                {"type": "value", "data": "str"}
                {"type": "join", "data": "a,b"}
                {"type": "syscall", "data": "hi\\n"}
                {"type": "time", "data": "12:00:00\\n"}
                """, out.getJson());
        Report lost = reports(ReportKind.WARNING).getFirst();
        assertEquals("Lost 17 events on host-2\n", lost.getStderr());
        assertEquals(List.of("host-2"), lost.getHosts());
    }

    @Test
    void nothingOfAHostAfterItsExitCounts() {
        Agent a = new Agent("host-1");
        FleetJob job = running(a);
        feed(job.onRecord(a.delta(0, 2, false)));
        feed(job.onRecord(on(a).events(ev(EventKind.PRINT), ProbeEvent.newBuilder().setKind(EventKind.EXIT).build(), ev(EventKind.PRINT), ev(EventKind.CLEAR))));
        feed(job.onRecord(on(a).events(ev(EventKind.PRINT))));
        assertEquals(List.of("@n: 2\n"), reports(ReportKind.OUTPUT).stream().map(FleetJobTest::text).toList());
        assertTrue(effects.stream().anyMatch(e -> e instanceof FleetJob.Effect.BroadcastStop));
    }

    @Test
    void beginsValuesPrintOnceForTheFleet() {
        Agent a = new Agent("host-1"), b = new Agent("host-2");
        FleetJob job = job(2);
        for (Agent x : List.of(b, a)) {
            feed(job.onRecord(x.attached()));
            feed(job.onRecord(on(x).events(ProbeEvent.newBuilder().setKind(EventKind.VALUE).setBegin(true).setValue(7L).build(),
                    ProbeEvent.newBuilder().setKind(EventKind.TIME).setBegin(true).setText(x.name + "\n").build())));
        }
        // host-1 attached last: its BEGIN output follows the "Attaching" report; host-2's is not printed.
        String printed = FleetJobTest.text(reports(ReportKind.ATTACHED).getFirst()) + String.join("", reports(ReportKind.OUTPUT).stream().map(FleetJobTest::text).toList());
        assertEquals("Attaching 1 probe...\n7\nhost-1\n", printed, "BEGIN's output once, from the first host in name order");
    }
}
