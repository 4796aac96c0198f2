package dev.fleettrace.coordinator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static dev.fleettrace.coordinator.job.FleetJobTest.text;

import dev.fleettrace.coordinator.job.FleetJobTest.Agent;
import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.ControlMessage;
import dev.fleettrace.schemas.JobStart;
import dev.fleettrace.schemas.JobStop;
import dev.fleettrace.schemas.JobSubmit;
import dev.fleettrace.schemas.Report;
import dev.fleettrace.schemas.ReportKind;
import dev.fleettrace.schemas.StopReason;
import dev.fleettrace.transport.SchemaTrust;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The job's windows and interval ticks as plain code: one tick per window for the fleet, a window
 * closing when every live agent shipped it or at its deadline (naming who was missing), deltas of a
 * window still ahead waiting for it, late deltas counting in the next window, dead agents, exit(), and
 * a rebuild from the topics that gives the same answer.
 */
class FleetWindowsTest {

    static final String SOURCE = "tracepoint:syscalls:sys_enter_getppid { @n = count(); } interval:ms:100 { print(@n); clear(@n); }";
    static final long ORIGIN = 1_000_000;

    @BeforeAll
    static void trust() {
        SchemaTrust.install();
    }

    private final AtomicLong now = new AtomicLong(ORIGIN);
    private final List<FleetJob.Effect> effects = new ArrayList<>();

    private FleetJob job(String source, int expected) {
        JobSubmit s = JobSubmit.newBuilder().setSource(source).setSourceName("stdin").build();
        return new FleetJob("j", s, expected, new FleetJob.Settings(now::get, 500));
    }

    private void feed(List<FleetJob.Effect> fx) {
        effects.addAll(fx);
    }

    private List<Report> reports(ReportKind kind) {
        List<Report> r = new ArrayList<>();
        for (FleetJob.Effect e : effects) if (e instanceof FleetJob.Effect.Publish(Report rep) && rep.getKind() == kind) r.add(rep);
        return r;
    }

    /** Counts printed by the interval ticks, in order. */
    private List<Long> ticks() {
        return reports(ReportKind.INTERVAL).stream().map(r -> Long.parseLong(text(r).strip().substring("@n: ".length()))).toList();
    }

    private static JobStop stop() {
        return JobStop.newBuilder().setReason(StopReason.COMMAND_EXITED).setDetail("").build();
    }

    private FleetJob attached(FleetJob job, Agent... agents) {
        for (Agent a : agents) feed(job.onRecord(a.attached()));
        return job;
    }

    @Test
    void theBarrierFixesTheWindowsAndEachTickRunsOnceTheFleetShippedIt() {
        Agent a = new Agent("host-1"), b = new Agent("host-2");
        FleetJob job = attached(job(SOURCE, 2), a, b);
        assertTrue(effects.contains(new FleetJob.Effect.BroadcastStart(ORIGIN, 100)), "windows of 100 ms from the barrier: " + effects);
        assertTrue(effects.contains(new FleetJob.Effect.ArmWindowDeadline(1, ORIGIN + 100 + 500)));
        feed(job.onRecord(a.delta(1, 3, false)));
        assertEquals(List.of(), ticks(), "host-2 has not shipped window 1");
        feed(job.onRecord(b.delta(1, 4, false)));
        assertEquals(List.of(7L), ticks());
        Report tick = reports(ReportKind.INTERVAL).getFirst();
        assertEquals(1, tick.getWindow());
        assertEquals(ORIGIN + 100, tick.getWindowEndMs());
        assertEquals(List.of(), tick.getMissingHosts());
        assertTrue(effects.contains(new FleetJob.Effect.ArmWindowDeadline(2, ORIGIN + 200 + 500)), "the next window's deadline");
        // Cursors: the tick reflects both agents' records up to their window-1 deltas.
        assertEquals(List.of("host-1:2", "host-2:2"), tick.getApplied().stream().map(c -> c.getAgent() + ":" + c.getSeq()).toList());
    }

    @Test
    void aDeltaForAWindowAheadWaitsForItsWindow() {
        Agent a = new Agent("host-1"), b = new Agent("host-2");
        FleetJob job = attached(job(SOURCE, 2), a, b);
        feed(job.onRecord(a.delta(1, 1, false)));
        feed(job.onRecord(a.delta(2, 10, false)));
        feed(job.onRecord(a.delta(3, 100, false)));
        feed(job.onRecord(b.delta(1, 2, false)));
        feed(job.onRecord(b.delta(2, 20, false)));
        feed(job.onRecord(b.delta(3, 200, false)));
        assertEquals(List.of(3L, 30L, 300L), ticks(), "each tick holds its own window only");
    }

    @Test
    void aLateHostIsNamedAndItsLateDeltaCountsInTheNextWindowNeverDropped() {
        Agent a = new Agent("host-1"), b = new Agent("host-2");
        FleetJob job = attached(job(SOURCE, 2), a, b);
        feed(job.onRecord(a.delta(1, 5, false)));
        now.set(ORIGIN + 100 + 500);
        feed(job.onWindowDeadline(1));
        Report w1 = reports(ReportKind.INTERVAL).getFirst();
        assertEquals(List.of("host-2"), w1.getMissingHosts());
        assertTrue(w1.getStderr().contains("window 1 closed without host-2") && w1.getStderr().contains("count in the next window"), w1.getStderr());
        assertEquals("@n: 5\n", text(w1));
        feed(job.onRecord(b.delta(1, 7, false)));
        feed(job.onRecord(a.delta(2, 1, false)));
        feed(job.onRecord(b.delta(2, 2, false)));
        assertEquals(List.of(5L, 10L), ticks(), "host-2's window 1 went into window 2");
        assertEquals(List.of(), reports(ReportKind.INTERVAL).get(1).getMissingHosts());
        feed(job.onWindowDeadline(1));
        assertEquals(2, reports(ReportKind.INTERVAL).size(), "a stale deadline changes nothing");
    }

    @Test
    void aDeadHostIsNamedOnceAndNobodyWaitsForIt() {
        Agent a = new Agent("host-1"), b = new Agent("host-2");
        FleetJob job = attached(job(SOURCE, 2), a, b);
        feed(job.onRecord(b.delta(1, 2, false)));
        feed(job.onRecord(a.delta(1, 1, false)));
        feed(job.onAgentLost("host-2"));
        Report w = reports(ReportKind.WARNING).getFirst();
        assertEquals(List.of("host-2"), w.getMissingHosts());
        assertTrue(w.getStderr().contains("host-2 stopped sending heartbeats; the job goes on without it"), w.getStderr());
        feed(job.onAgentLost("host-2"));
        assertEquals(1, reports(ReportKind.WARNING).size(), "said once");
        feed(job.onRecord(a.delta(2, 4, false)));
        feed(job.onRecord(a.delta(3, 8, false)));
        assertEquals(List.of(3L, 4L, 8L), ticks(), "windows close on host-1 alone");
        feed(job.onStop(stop(), ORIGIN + 350));
        feed(job.onRecord(a.delta(4, 16, true)));
        Report end = reports(ReportKind.END).getFirst();
        assertEquals(List.of("host-2"), end.getMissingHosts());
        assertTrue(end.getStderr().contains("no final delta from host-2 (stopped sending heartbeats)"), end.getStderr());
        assertTrue(text(end).endsWith("@n: 16\n"), text(end));
    }

    @Test
    void aDuplicateDeltaCountsOnce() {
        Agent a = new Agent("host-1");
        FleetJob job = attached(job(SOURCE, 1), a);
        AgentRecord d = a.delta(1, 9, false);
        feed(job.onRecord(d));
        feed(job.onRecord(d));
        AgentRecord e = a.delta(2, 1, false);
        feed(job.onRecord(e));
        feed(job.onRecord(d));
        feed(job.onRecord(e));
        assertEquals(List.of(9L, 1L), ticks());
    }

    @Test
    void severalIntervalsTickOnTheGreatestCommonWindow() {
        Agent a = new Agent("host-1");
        FleetJob job = attached(job("tracepoint:syscalls:sys_enter_getppid { @n = count(); } interval:ms:200 { printf(\"fast %d\\n\", 1); } "
                + "interval:ms:300 { printf(\"slow\\n\"); }", 1), a);
        assertTrue(effects.contains(new FleetJob.Effect.BroadcastStart(ORIGIN, 100)), effects.toString());
        for (long w = 1; w <= 6; w++) feed(job.onRecord(a.delta(w, 0, false)));
        List<String> out = reports(ReportKind.INTERVAL).stream().map(r -> r.getWindow() + ":" + text(r)).toList();
        assertEquals(List.of("2:fast 1\n", "3:slow\n", "4:fast 1\n", "6:fast 1\nslow\n"), out);
    }

    @Test
    void exitInAnIntervalStopsTheFleetAndNoLaterTickRuns() {
        Agent a = new Agent("host-1");
        FleetJob job = attached(job("tracepoint:syscalls:sys_enter_getppid { @n = count(); } interval:ms:100 { print(@n); exit(); }", 1), a);
        // The window closes late: the next ones have ended too, yet they do not tick after the exit.
        now.set(ORIGIN + 1000);
        feed(job.onRecord(a.delta(1, 3, false)));
        assertTrue(effects.stream().anyMatch(e -> e instanceof FleetJob.Effect.BroadcastStop(StopReason r, String d) && r == StopReason.EXIT_CALLED));
        feed(job.onRecord(a.delta(2, 4, false)));
        feed(job.onRecord(a.delta(3, 5, true)));
        assertEquals(List.of(3L), ticks());
        assertTrue(text(reports(ReportKind.END).getFirst()).endsWith("@n: 12\n"), "what came after the exit is in the summary");
    }

    @Test
    void aStopEndsTheTicksAfterTheWindowsThatEndedBeforeIt() {
        Agent a = new Agent("host-1");
        FleetJob job = attached(job(SOURCE, 1), a);
        feed(job.onRecord(a.delta(1, 1, false)));
        feed(job.onStop(stop(), ORIGIN + 250));
        // Window 2 ended before the stop, window 3 after it.
        feed(job.onRecord(a.delta(2, 2, false)));
        feed(job.onRecord(a.delta(3, 4, true)));
        assertEquals(List.of(1L, 2L), ticks());
        assertTrue(text(reports(ReportKind.END).getFirst()).endsWith("@n: 4\n"));
    }

    /**
     * A coordinator restarted at any point rebuilds the job from what the topics hold and ends with the
     * very answer of a run without a restart: the same ticks and the same END.
     */
    @Test
    void aRebuildFromTheTopicsGivesTheSameAnswerAsAnUninterruptedRun() {
        Random r = new Random(42);
        int replayedTicks = 0;
        for (int trial = 0; trial < 40; trial++) {
            List<AgentRecord> records = scenario(r);
            List<String> straight = run(records, -1);
            int cut = 1 + r.nextInt(records.size() - 1);
            assertEquals(straight, run(records, cut), "restart after record " + cut + " of trial " + trial);
            if (ticksBeforeRestart > 0) replayedTicks++;
        }
        assertTrue(replayedTicks > 10, "restarts after published ticks: " + replayedTicks);
    }

    private int ticksBeforeRestart;

    /** Three agents shipping windows with some late, a duplicate here and there, then a stop. */
    private static List<AgentRecord> scenario(Random r) {
        List<Agent> agents = List.of(new Agent("host-1"), new Agent("host-2"), new Agent("host-3"));
        List<List<AgentRecord>> streams = new ArrayList<>();
        for (Agent a : agents) {
            List<AgentRecord> s = new ArrayList<>();
            s.add(a.attached());
            int windows = 4 + r.nextInt(6);
            for (int w = 1; w <= windows; w++) s.add(a.delta(w, 1 + r.nextInt(1000), w == windows));
            streams.add(s);
        }
        // Interleave the streams, each in order, with redeliveries.
        List<AgentRecord> out = new ArrayList<>();
        int[] next = new int[streams.size()];
        while (true) {
            List<Integer> open = new ArrayList<>();
            for (int i = 0; i < streams.size(); i++) if (next[i] < streams.get(i).size()) open.add(i);
            if (open.isEmpty()) break;
            int i = open.get(r.nextInt(open.size()));
            out.add(streams.get(i).get(next[i]++));
            if (r.nextInt(6) == 0) out.add(out.get(r.nextInt(out.size())));
        }
        return out;
    }

    /**
     * Feeds the records (deadlines firing now and then, the stop after the first quarter), or restarts
     * after {@code cut} records: what the first coordinator published and the control messages go to a
     * rebuilt job, which then takes the rest. Returns every report's kind, window and text, in order.
     */
    private List<String> run(List<AgentRecord> records, int cut) {
        now.set(ORIGIN);
        JobSubmit submit = JobSubmit.newBuilder().setSource(SOURCE).setSourceName("stdin").build();
        FleetJob.Settings settings = new FleetJob.Settings(now::get, 500);
        FleetJob job = new FleetJob("j", submit, 3, settings);
        List<Report> published = new ArrayList<>();
        List<ControlMessage> control = new ArrayList<>();
        List<AgentRecord> topic = new ArrayList<>();
        int stopAt = records.size() / 4;
        for (int i = 0; i < records.size(); i++) {
            if (i == cut) {
                ticksBeforeRestart = (int) published.stream().filter(p -> p.getKind() == ReportKind.INTERVAL).count();
                JobStart start = null;
                List<ControlMessage> stops = new ArrayList<>();
                for (ControlMessage m : control) {
                    if (m.getBody() instanceof JobStart s) start = s;
                    else stops.add(m);
                }
                FleetJob.Recovered rec = FleetJob.recover("j", submit, 3, settings, new FleetJob.History(Optional.ofNullable(start), stops,
                        List.copyOf(published), List.copyOf(topic)));
                job = rec.job();
                collect(rec.effects(), published, control);
            }
            topic.add(records.get(i));
            collect(job.onRecord(records.get(i)), published, control);
            if (i % 5 == 4) {
                now.addAndGet(100);
                collect(job.onWindowDeadline(job.closedWindow() + 1), published, control);
            }
            if (i == stopAt) {
                ControlMessage m = ControlMessage.newBuilder().setJob("j").setTimestampMs(now.get() + 10_000).setBody(stop()).build();
                control.add(m);
                collect(job.onStop(stop(), m.getTimestampMs()), published, control);
            }
        }
        return published.stream().map(p -> p.getKind() + " " + p.getWindow() + " " + p.getMissingHosts() + " " + text(p)).toList();
    }

    private static void collect(List<FleetJob.Effect> fx, List<Report> published, List<ControlMessage> control) {
        for (FleetJob.Effect e : fx) {
            switch (e) {
                case FleetJob.Effect.Publish(Report r) -> published.add(r);
                case FleetJob.Effect.BroadcastStart(long o, long w) ->
                        control.add(ControlMessage.newBuilder().setJob("j").setTimestampMs(o).setBody(new JobStart(o, w)).build());
                default -> {}
            }
        }
    }
}
