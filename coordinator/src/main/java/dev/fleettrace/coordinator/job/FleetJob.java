package dev.fleettrace.coordinator.job;

import dev.fleettrace.compiler.Compiler;
import dev.fleettrace.compiler.diag.CompileException;
import dev.fleettrace.compiler.diag.Source;
import dev.fleettrace.compiler.sema.MapInfo;
import dev.fleettrace.compiler.sema.ProbeTarget;
import dev.fleettrace.compiler.sema.TypedProgram;
import dev.fleettrace.compiler.codegen.ResourceAnalyser;
import dev.fleettrace.coordinator.interp.Interpreter;
import dev.fleettrace.coordinator.merge.Admission;
import dev.fleettrace.coordinator.merge.FleetState;
import dev.fleettrace.coordinator.output.HostRule;
import dev.fleettrace.coordinator.output.MapReports;
import dev.fleettrace.coordinator.output.MapViews;
import dev.fleettrace.coordinator.output.Output;
import dev.fleettrace.coordinator.output.Printer;
import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.DeltaBatch;
import dev.fleettrace.schemas.EventBatch;
import dev.fleettrace.schemas.JobStatus;
import dev.fleettrace.schemas.JobStop;
import dev.fleettrace.schemas.JobSubmit;
import dev.fleettrace.schemas.MapReport;
import dev.fleettrace.schemas.ProbeEvent;
import dev.fleettrace.schemas.Report;
import dev.fleettrace.schemas.ReportKind;
import dev.fleettrace.schemas.StopReason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * One job on the coordinator, as plain code: the attach barrier, the merged state, BEGIN's output once
 * for the fleet, probe output as it streams, and END once every agent's last delta is in. Each input
 * returns the effects it causes (reports to publish, a stop to broadcast, timers); the actor that owns
 * the job carries them out.
 */
public final class FleetJob {

    /** What the owner must do. */
    public sealed interface Effect {
        record Publish(Report report) implements Effect {}

        /** Broadcast a stop on the control topic: every agent detaches and ships its last delta. */
        record BroadcastStop(StopReason reason, String detail) implements Effect {}

        record ArmStopTimeout() implements Effect {}

        /** The job is over: its last report went out. */
        record Finished() implements Effect {}
    }

    public enum Phase { ATTACHING, RUNNING, STOPPING, DONE }

    private final String job;
    private final JobSubmit submit;
    private final int expected;
    private final LongSupplier clock;
    private final long startNanos = System.nanoTime();
    private final FleetState state = new FleetState(List.of());
    private final Map<String, Integer> attached = new TreeMap<>();
    private final Set<String> lastIn = new TreeSet<>();
    private final Map<String, List<String>> beginOutput = new LinkedHashMap<>();
    private Phase phase = Phase.ATTACHING;
    private String beginHost;
    private long reportSeq;
    private TypedProgram userspace;
    private int userspaceProbes;

    /**
     * @param expected the attach barrier: how many agents must attach before the job runs
     * @param clock    wall-clock milliseconds, for report timestamps
     */
    public FleetJob(String job, JobSubmit submit, int expected, LongSupplier clock) {
        this.job = job;
        this.submit = submit;
        this.expected = expected;
        this.clock = clock;
    }

    public Phase phase() {
        return phase;
    }

    public FleetState state() {
        return state;
    }

    /** Agents that attached and have not shipped their last delta. */
    public Set<String> outstanding() {
        Set<String> s = new TreeSet<>(attached.keySet());
        s.removeAll(lastIn);
        return s;
    }

    // ---- inputs

    public List<Effect> onRecord(AgentRecord r) {
        List<Effect> fx = new ArrayList<>();
        if (phase == Phase.DONE) return fx;
        Admission a;
        try {
            a = state.offer(r);
        } catch (IllegalArgumentException bad) {
            return fail(fx, "fleettrace: agent " + r.getAgent() + " sent a record that does not fit the job: " + bad.getMessage());
        }
        if (!a.accepted()) return fx;
        String agent = r.getAgent();
        switch (r.getBody()) {
            case JobStatus s -> {
                switch (s.getState()) {
                    case ATTACHED -> onAttached(agent, s, fx);
                    case FAILED -> {
                        // The first failure ends the job: the fleet cannot run the program everywhere.
                        String err = s.getError().endsWith("\n") ? s.getError() : s.getError() + "\n";
                        return fail(fx, expected > 1 ? "fleettrace: the job failed on " + agent + ":\n" + err : err);
                    }
                    case DETACHED -> {}
                }
            }
            case DeltaBatch b -> {
                if (b.getLast()) {
                    // Before a stop this is an agent shutting down on its own: the others keep running.
                    lastIn.add(agent);
                    maybeFinish(fx, List.of());
                }
            }
            case EventBatch e -> onEvents(agent, e, fx);
            default -> {}
        }
        return fx;
    }

    private void onAttached(String agent, JobStatus s, List<Effect> fx) {
        attached.put(agent, s.getProbes());
        if (phase != Phase.ATTACHING || attached.size() < expected) return;
        try {
            prepareUserspace();
        } catch (CompileException e) {
            fail(fx, e.render());
            return;
        }
        phase = Phase.RUNNING;
        // BEGIN's output comes from one host: the first in name order, so every run picks the same.
        beginHost = attached.keySet().iterator().next();
        int probes = attached.get(beginHost) + userspaceProbes;
        List<Output> out = new ArrayList<>();
        out.add(new Output.Attached(probes));
        for (String text : beginOutput.getOrDefault(beginHost, List.of())) out.add(new Output.Printf(text));
        beginOutput.clear();
        fx.add(new Effect.Publish(report(ReportKind.ATTACHED, out, List.of(), "", 0, probes)));
    }

    /** END and interval blocks, typed against the maps the agents reported. */
    private void prepareUserspace() throws CompileException {
        Map<String, MapInfo> known = new LinkedHashMap<>();
        for (MapSchema m : state.schemas().values()) known.put(m.name().substring(1), MapInfo.fromSchema(m));
        userspace = Compiler.checkUserspace(new Source(submit.getSourceName(), submit.getSource()), submit.getParams(), known);
        // bpftrace counts every attach point: the agents' kernel probes (which they count), BEGIN (run by
        // test-run, not attached) and the coordinator's END and interval probes.
        userspaceProbes = 0;
        for (TypedProgram.ProbeInfo p : userspace.probes()) userspaceProbes += p.targets().size();
        for (var p : userspace.ast().probes()) for (var ap : p.attachPoints()) if (ap.raw().equals("BEGIN")) userspaceProbes++;
        // Maps only END or interval blocks write exist on the coordinator alone.
        for (MapInfo info : userspace.maps().values()) {
            if (!known.containsKey(info.name())) state.declare(ResourceAnalyser.schema(info));
        }
    }

    private void onEvents(String agent, EventBatch e, List<Effect> fx) {
        List<Output> out = new ArrayList<>();
        boolean exit = false;
        for (ProbeEvent ev : e.getEvents()) {
            switch (ev.getKind()) {
                case PRINTF -> {
                    if (!ev.getBegin()) out.add(new Output.Printf(ev.getText()));
                    else if (phase == Phase.ATTACHING) beginOutput.computeIfAbsent(agent, k -> new ArrayList<>()).add(ev.getText());
                    else if (agent.equals(beginHost)) out.add(new Output.Printf(ev.getText()));
                }
                case EXIT -> exit = true;
                default -> {}
            }
        }
        if (!out.isEmpty()) fx.add(new Effect.Publish(report(ReportKind.OUTPUT, out, List.of(), "", 0, 0)));
        if (exit && (phase == Phase.RUNNING || phase == Phase.ATTACHING)) {
            phase = Phase.STOPPING;
            fx.add(new Effect.BroadcastStop(StopReason.EXIT_CALLED, "exit() on " + agent));
            fx.add(new Effect.ArmStopTimeout());
        }
    }

    /** A stop seen on the control topic (from the CLI, or the broadcast of an exit()). */
    public List<Effect> onStop(JobStop stop) {
        List<Effect> fx = new ArrayList<>();
        if (phase == Phase.DONE || stop.getReason() == StopReason.FAILED) return fx;
        if (phase != Phase.STOPPING) {
            phase = Phase.STOPPING;
            fx.add(new Effect.ArmStopTimeout());
        }
        maybeFinish(fx, List.of());
        return fx;
    }

    public List<Effect> onAttachTimeout() {
        List<Effect> fx = new ArrayList<>();
        if (phase != Phase.ATTACHING) return fx;
        return fail(fx, "fleettrace: only " + attached.size() + " of " + expected + " agents attached within the attach timeout"
                + (attached.isEmpty() ? "" : " (" + String.join(", ", attached.keySet()) + ")")
                + "; check that the agents are running and can reach the broker");
    }

    /** The stop timeout passed: END runs with what arrived, naming the hosts whose last delta is missing. */
    public List<Effect> onStopTimeout() {
        List<Effect> fx = new ArrayList<>();
        if (phase != Phase.STOPPING) return fx;
        finish(fx, List.copyOf(outstanding()));
        return fx;
    }

    // ---- end of the job

    private void maybeFinish(List<Effect> fx, List<String> missing) {
        if (phase == Phase.STOPPING && outstanding().isEmpty()) finish(fx, missing);
    }

    private void finish(List<Effect> fx, List<String> missing) {
        List<Output> out = new ArrayList<>();
        String stderr = missing.isEmpty() ? "" : "fleettrace: no final delta from " + String.join(", ", missing)
                + " within the stop timeout; the summary includes what they sent before\n";
        if (userspace != null) {
            Interpreter interp = new Interpreter(userspace, state, HostRule.DEFAULT, startNanos);
            try {
                for (TypedProgram.ProbeInfo p : userspace.probes()) {
                    if (p.targets().stream().anyMatch(t -> t instanceof ProbeTarget.End)) {
                        interp.run(p, "END");
                        out.addAll(interp.take());
                    }
                }
            } catch (Interpreter.BlockError e) {
                out.addAll(interp.take());
                stderr += new dev.fleettrace.compiler.diag.Diagnostic(dev.fleettrace.compiler.diag.Diagnostic.Severity.ERROR, e.span, e.getMessage())
                        .render(userspace.source());
            }
        }
        out.add(new Output.ExitDump(MapViews.of(state, HostRule.DEFAULT)));
        phase = Phase.DONE;
        fx.add(new Effect.Publish(report(ReportKind.END, out, missing, stderr, 0, 0)));
        fx.add(new Effect.Finished());
    }

    private List<Effect> fail(List<Effect> fx, String message) {
        boolean broadcast = phase != Phase.DONE;
        phase = Phase.DONE;
        if (broadcast) fx.add(new Effect.BroadcastStop(StopReason.FAILED, firstLine(message)));
        fx.add(new Effect.Publish(report(ReportKind.ERROR, List.of(), List.of(), message.endsWith("\n") ? message : message + "\n", 1, 0)));
        fx.add(new Effect.Finished());
        return fx;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private Report report(ReportKind kind, List<Output> out, List<String> missing, String stderr, int exitCode, int probes) {
        String text = Output.render(out, Printer.of(false));
        String json = Output.render(out, Printer.of(true));
        List<MapReport> maps = new ArrayList<>();
        for (Output o : out) {
            switch (o) {
                case Output.Print p -> maps.add(MapReports.report(p.map()));
                case Output.ExitDump d -> d.maps().forEach(m -> maps.add(MapReports.report(m)));
                default -> {}
            }
        }
        return Report.newBuilder()
                .setJob(job)
                .setSeq(++reportSeq)
                .setTimestampMs(clock.getAsLong())
                .setKind(kind)
                .setHosts(List.copyOf(attached.keySet()))
                .setMissingHosts(missing)
                .setProbes(probes)
                .setText(ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1)))
                .setJson(json)
                .setStderr(stderr)
                .setMaps(maps)
                .setExitCode(exitCode)
                .build();
    }
}
