package dev.fleettrace.coordinator.job;

import dev.fleettrace.compiler.Compiler;
import dev.fleettrace.compiler.codegen.ResourceAnalyser;
import dev.fleettrace.compiler.diag.CompileException;
import dev.fleettrace.compiler.diag.Diagnostic;
import dev.fleettrace.compiler.diag.Source;
import dev.fleettrace.compiler.sema.MapInfo;
import dev.fleettrace.compiler.sema.ProbeTarget;
import dev.fleettrace.compiler.sema.TypedProgram;
import dev.fleettrace.coordinator.interp.Interpreter;
import dev.fleettrace.coordinator.merge.Admission;
import dev.fleettrace.coordinator.merge.FleetState;
import dev.fleettrace.coordinator.merge.SequenceTracker;
import dev.fleettrace.coordinator.output.HostRule;
import dev.fleettrace.coordinator.output.MapReports;
import dev.fleettrace.coordinator.output.MapViews;
import dev.fleettrace.coordinator.output.Output;
import dev.fleettrace.coordinator.output.Printer;
import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.AppliedCursor;
import dev.fleettrace.schemas.ControlMessage;
import dev.fleettrace.schemas.DeltaBatch;
import dev.fleettrace.schemas.EventBatch;
import dev.fleettrace.schemas.JobStart;
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
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * One job on the coordinator, as plain code: the attach barrier, the job's windows and interval ticks,
 * the merged state, BEGIN's output once for the fleet, probe output as it streams, and END once every
 * agent's last delta is in. Each input returns the effects it causes (reports to publish, control
 * messages to broadcast, timers to arm); the actor that owns the job carries them out.
 *
 * <p><b>Windows.</b> At the barrier the job fixes its windows ({@link Effect.BroadcastStart}): window k
 * ends at {@code origin + k * window}. Agents ship one delta per window, labelled k. Window k closes when
 * every live agent shipped it, or when its deadline ({@code end + grace}) passes, naming the hosts that
 * had not; then the interval probes due at that tick run on the merged state. A delta for a window that
 * is still ahead waits until its window opens; a late one (its window closed without it) counts in the
 * open window. Nothing is dropped.
 *
 * <p><b>Replay.</b> Every report carries the cursors of the records it reflects, so a restarted
 * coordinator rebuilds the job exactly: {@link #recover} feeds the records again up to each published
 * report's cursors and closes the windows those reports closed.
 */
public final class FleetJob {

    /** What the owner must do. */
    public sealed interface Effect {
        record Publish(Report report) implements Effect {}

        /** Broadcast a stop on the control topic: every agent detaches and ships its last delta. */
        record BroadcastStop(StopReason reason, String detail) implements Effect {}

        /** Broadcast the job's windows on the control topic: agents align their flushes to them. */
        record BroadcastStart(long originMs, long windowMs) implements Effect {}

        record ArmStopTimeout() implements Effect {}

        /** Call {@link #onWindowDeadline(long)} at {@code atMs} (wall clock); replaces any earlier deadline. */
        record ArmWindowDeadline(long window, long atMs) implements Effect {}

        /** The job is over: its last report went out. */
        record Finished() implements Effect {}
    }

    public enum Phase { ATTACHING, RUNNING, STOPPING, DONE }

    /**
     * @param clock   wall-clock milliseconds: report timestamps, the origin of the windows
     * @param graceMs how long after a window's end the job waits for late hosts before it closes it
     */
    public record Settings(LongSupplier clock, long graceMs) {
        public static Settings defaults() {
            return new Settings(System::currentTimeMillis, 500);
        }
    }

    /** What a restarted coordinator read back from the topics for one job (see {@link #recover}). */
    public record History(Optional<JobStart> start, List<ControlMessage> stops, List<Report> reports, List<AgentRecord> records) {}

    /** An interval attach point: its probe and its period in whole milliseconds. */
    private record Tick(TypedProgram.ProbeInfo probe, String name, long periodMs) {}

    private record Pending(String host, DeltaBatch batch) {}

    private final String job;
    private final JobSubmit submit;
    private int expected;
    private final Settings settings;
    private final long startNanos = System.nanoTime();
    private final FleetState state = new FleetState(List.of());
    private final Map<String, Integer> attached = new TreeMap<>();
    /** Agents whose last delta is in. */
    private final Set<String> done = new TreeSet<>();
    /** Agents whose heartbeats stopped: nobody waits for them. */
    private final Set<String> lost = new TreeSet<>();
    /** Per agent, the last window it shipped completely. */
    private final Map<String, Long> shipped = new TreeMap<>();
    /** Deltas of windows not open yet, by window. */
    private final TreeMap<Long, List<Pending>> pending = new TreeMap<>();
    private final Map<String, List<Output>> beginOutput = new LinkedHashMap<>();
    private Phase phase = Phase.ATTACHING;
    private String beginHost;
    private long reportSeq;
    private TypedProgram userspace;
    private int userspaceProbes;
    private Interpreter interp;
    private List<Tick> ticks = List.of();
    private JobStart start;
    private long closed;
    private long armed;
    private boolean replaying;
    /** When the job started stopping (wall clock): windows that end later run no interval probe. */
    private long stoppingAtMs = Long.MAX_VALUE;

    public FleetJob(String job, JobSubmit submit, int expected, Settings settings) {
        this.job = job;
        this.submit = submit;
        this.expected = expected;
        this.settings = settings;
    }

    /** A job with the default grace period and {@code clock} for wall-clock milliseconds. */
    public FleetJob(String job, JobSubmit submit, int expected, LongSupplier clock) {
        this(job, submit, expected, new Settings(clock, Settings.defaults().graceMs()));
    }

    public Phase phase() {
        return phase;
    }

    public FleetState state() {
        return state;
    }

    /** The job's windows once the barrier was met. */
    public Optional<JobStart> start() {
        return Optional.ofNullable(start);
    }

    /** The last window closed (0 before the first). */
    public long closedWindow() {
        return closed;
    }

    /** Agents that attached and have not shipped their last delta. */
    public Set<String> outstanding() {
        Set<String> s = new TreeSet<>(attached.keySet());
        s.removeAll(done);
        return s;
    }

    /** Agents the job waits for: attached, not finished, still heartbeating. */
    public Set<String> live() {
        Set<String> s = outstanding();
        s.removeAll(lost);
        return s;
    }

    // ---- inputs

    public List<Effect> onRecord(AgentRecord r) {
        List<Effect> fx = new ArrayList<>();
        if (phase == Phase.DONE) return fx;
        Admission a;
        try {
            a = state.admit(r);
        } catch (IllegalArgumentException bad) {
            return fail(fx, "fleettrace: agent " + r.getAgent() + " sent a record that does not fit the job: " + bad.getMessage());
        }
        if (!a.accepted()) return fx;
        String agent = r.getAgent();
        if (lost.remove(agent)) {
            publish(fx, ReportKind.WARNING, List.of(), List.of(), "fleettrace: " + agent + " is sending again; the job waits for it again\n", 0, 0);
        }
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
            case DeltaBatch b -> onDelta(agent, b, fx);
            case EventBatch e -> onEvents(r, e, fx);
            default -> {}
        }
        return fx;
    }

    private void onAttached(String agent, JobStatus s, List<Effect> fx) {
        attached.put(agent, s.getProbes());
        if (phase == Phase.ATTACHING && attached.size() >= expected) barrier(fx);
    }

    private void barrier(List<Effect> fx) {
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
        if (start == null) {
            start = new JobStart(settings.clock().getAsLong(), windowMs());
            fx.add(new Effect.BroadcastStart(start.getOriginMs(), start.getWindowMs()));
        }
        List<Output> out = new ArrayList<>();
        out.add(new Output.Attached(probes));
        out.addAll(beginOutput.getOrDefault(beginHost, List.of()));
        beginOutput.clear();
        publish(fx, ReportKind.ATTACHED, out, List.of(), "", 0, probes);
        if (ticks.isEmpty()) {
            // Nothing ticks: every delta merges as it comes.
            while (!pending.isEmpty()) applyPending(pending.firstKey());
        } else {
            while (!pending.isEmpty() && pending.firstKey() <= closed + 1) applyPending(pending.firstKey());
        }
        advance(fx);
    }

    /** END and interval blocks, typed against the maps the agents reported. */
    private void prepareUserspace() throws CompileException {
        Map<String, MapInfo> known = new LinkedHashMap<>();
        for (MapSchema m : state.schemas().values()) known.put(m.name().substring(1), MapInfo.fromSchema(m));
        userspace = Compiler.checkUserspace(new Source(submit.getSourceName(), submit.getSource()), submit.getParams(), known);
        // bpftrace counts every attach point: the agents' kernel probes (which they count), BEGIN (run by
        // test-run, not attached) and the coordinator's END and interval probes.
        userspaceProbes = 0;
        List<Tick> t = new ArrayList<>();
        for (TypedProgram.ProbeInfo p : userspace.probes()) {
            userspaceProbes += p.targets().size();
            for (ProbeTarget target : p.targets()) {
                if (target instanceof ProbeTarget.Interval i) t.add(new Tick(p, i.probeName(), Math.max(1, (i.periodNs() + 500_000) / 1_000_000)));
            }
        }
        ticks = List.copyOf(t);
        for (var p : userspace.ast().probes()) for (var ap : p.attachPoints()) if (ap.raw().equals("BEGIN")) userspaceProbes++;
        // Maps only END or interval blocks write exist on the coordinator alone.
        for (MapInfo info : userspace.maps().values()) {
            if (!known.containsKey(info.name())) state.declare(ResourceAnalyser.schema(info));
        }
        interp = new Interpreter(userspace, state, HostRule.DEFAULT, startNanos);
    }

    /** The window: the greatest common divisor of the interval periods, or the flush interval without any. */
    private long windowMs() {
        long g = 0;
        for (Tick t : ticks) g = gcd(g, t.periodMs());
        if (g > 0) return g;
        return submit.getFlushIntervalMs() > 0 ? submit.getFlushIntervalMs() : 1000;
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** Whether deltas wait for their window: until the program is known to have no interval probe. */
    private boolean windowed() {
        return userspace == null || !ticks.isEmpty();
    }

    private void onDelta(String agent, DeltaBatch b, List<Effect> fx) {
        long w = b.getWindow();
        if (!windowed() || w <= closed + 1) state.applyAdmitted(agent, b);
        else pending.computeIfAbsent(w, k -> new ArrayList<>()).add(new Pending(agent, b));
        // A last batch closes no window: it holds the part of a window before the stop.
        shipped.merge(agent, b.getLast() ? w - 1 : w, Math::max);
        if (b.getLast()) done.add(agent);
        advance(fx);
        maybeFinish(fx);
    }

    /** What a probe's print(value), join(), system() or time() prints. */
    private static Output probeOutput(ProbeEvent ev) {
        return switch (ev.getKind()) {
            case VALUE -> new Output.Value(ev.getValue() != null ? (Object) ev.getValue() : ev.getText().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            case JOIN -> new Output.Join(ev.getText());
            case SYSTEM -> new Output.System(ev.getText());
            default -> new Output.Time(ev.getText());
        };
    }

    /** Hosts whose probe called exit(): their later events are dropped. */
    private final java.util.Set<String> exited = new java.util.HashSet<>();

    private void onEvents(AgentRecord r, EventBatch e, List<Effect> fx) {
        String agent = r.getAgent();
        List<Output> out = new ArrayList<>();
        List<Output> fleet = new ArrayList<>();
        boolean exit = false;
        long lostEvents = 0;
        for (ProbeEvent ev : e.getEvents()) {
            // As bpftrace, which stops reading its buffer at exit(): nothing of this host after its exit() counts.
            if (exited.contains(agent)) break;
            switch (ev.getKind()) {
                case PRINTF -> {
                    if (!ev.getBegin()) out.add(new Output.Printf(ev.getText()));
                    else if (phase == Phase.ATTACHING) beginOutput.computeIfAbsent(agent, k -> new ArrayList<>()).add(new Output.Printf(ev.getText()));
                    else if (agent.equals(beginHost)) fleet.add(new Output.Printf(ev.getText()));
                }
                // print/clear/zero from a kernel probe act on the fleet's merged map when the event arrives.
                case PRINT -> {
                    if (state.maps().containsKey(ev.getMap()))
                        out.add(new Output.Print(MapViews.of(state.map(ev.getMap()), HostRule.DEFAULT), ev.getTop(), ev.getDiv()));
                }
                case CLEAR -> {
                    if (state.maps().containsKey(ev.getMap())) state.clear(ev.getMap());
                }
                case ZERO -> {
                    if (state.maps().containsKey(ev.getMap())) state.zero(ev.getMap());
                }
                case DELETE -> {
                    if (state.maps().containsKey(ev.getMap())) {
                        ByteBuffer k = ev.getKey().duplicate();
                        byte[] key = new byte[k.remaining()];
                        k.get(key);
                        state.delete(ev.getMap(), key);
                    }
                }
                // BEGIN's other output, like its printf, is printed once for the fleet.
                case VALUE, JOIN, SYSTEM, TIME -> {
                    Output o = probeOutput(ev);
                    if (!ev.getBegin()) out.add(o);
                    else if (phase == Phase.ATTACHING) beginOutput.computeIfAbsent(agent, k -> new ArrayList<>()).add(o);
                    else if (agent.equals(beginHost)) fleet.add(o);
                }
                case LOST -> lostEvents += ev.getValue() == null ? 0 : ev.getValue();
                case EXIT -> {
                    exit = true;
                    exited.add(agent);
                }
            }
        }
        if (!fleet.isEmpty()) publish(fx, ReportKind.OUTPUT, fleet, List.of(), "", 0, 0, List.of());
        if (!out.isEmpty()) publish(fx, ReportKind.OUTPUT, out, List.of(), "", 0, 0, List.of(agent));
        // bpftrace prints "Lost N events" where it noticed; the fleet's warning names the host.
        if (lostEvents > 0) publish(fx, ReportKind.WARNING, List.of(), List.of(), "Lost " + lostEvents + " events on " + agent + "\n", 0, 0, List.of(agent));
        if (exit) stopFleet(fx, "exit() on " + agent, r.getTimestampMs());
    }

    private void stopFleet(List<Effect> fx, String detail, long atMs) {
        if (phase != Phase.RUNNING && phase != Phase.ATTACHING) return;
        stopping(atMs);
        fx.add(new Effect.BroadcastStop(StopReason.EXIT_CALLED, detail));
        fx.add(new Effect.ArmStopTimeout());
    }

    /** Like bpftrace after exit() or the end of -c: no interval probe runs for a window that ends after this. */
    private void stopping(long atMs) {
        phase = Phase.STOPPING;
        stoppingAtMs = Math.min(stoppingAtMs, atMs);
    }

    /** The job's windows as written on the control topic (a restarted coordinator adopts them). */
    public List<Effect> onStart(JobStart s) {
        if (start == null) start = s;
        return List.of();
    }

    /** A stop seen on the control topic (from the CLI, or the broadcast of an exit()), written at {@code atMs}. */
    public List<Effect> onStop(JobStop stop, long atMs) {
        List<Effect> fx = new ArrayList<>();
        if (phase == Phase.DONE || stop.getReason() == StopReason.FAILED) return fx;
        if (phase != Phase.STOPPING) {
            stopping(atMs);
            fx.add(new Effect.ArmStopTimeout());
        }
        maybeFinish(fx);
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

    /** The deadline of {@code window} passed: it closes without the hosts that have not shipped it. */
    public List<Effect> onWindowDeadline(long window) {
        List<Effect> fx = new ArrayList<>();
        if (!ticking() || window != closed + 1) return fx;
        closeWindow(window, waitingFor(window), fx);
        advance(fx);
        return fx;
    }

    /** {@code host} stopped heartbeating: the job stops waiting for it and says so. */
    public List<Effect> onAgentLost(String host) {
        List<Effect> fx = new ArrayList<>();
        if (phase == Phase.DONE || !attached.containsKey(host) || done.contains(host) || !lost.add(host)) return fx;
        publish(fx, ReportKind.WARNING, List.of(), List.of(host), "fleettrace: " + host + " stopped sending heartbeats; the job goes on without it"
                + " (what it sent so far counts)\n", 0, 0);
        if (phase == Phase.RUNNING && live().isEmpty()) {
            // Nobody is left to go on with: the job ends with what arrived.
            stopping(settings.clock().getAsLong());
            fx.add(new Effect.BroadcastStop(StopReason.TIMEOUT, "every agent stopped sending heartbeats"));
        }
        advance(fx);
        maybeFinish(fx);
        return fx;
    }

    // ---- windows

    private boolean ticking() {
        return start != null && !ticks.isEmpty() && (phase == Phase.RUNNING || phase == Phase.STOPPING && windowEnd(closed + 1) <= stoppingAtMs);
    }

    private List<String> waitingFor(long window) {
        List<String> w = new ArrayList<>();
        for (String a : live()) if (shipped.getOrDefault(a, 0L) < window) w.add(a);
        return w;
    }

    /** Closes every window every live agent has shipped, then arms the deadline of the open one. */
    private void advance(List<Effect> fx) {
        if (replaying) return;
        while (ticking() && !live().isEmpty() && waitingFor(closed + 1).isEmpty()) closeWindow(closed + 1, List.of(), fx);
        if (ticking() && armed != closed + 1) {
            armed = closed + 1;
            fx.add(new Effect.ArmWindowDeadline(armed, windowEnd(armed) + settings.graceMs()));
        }
    }

    private long windowEnd(long window) {
        return start.getOriginMs() + window * start.getWindowMs();
    }

    /** Runs the interval probes due at the end of {@code window}, then opens the next window. */
    private void closeWindow(long window, List<String> late, List<Effect> fx) {
        closed = window;
        // Every host the window lacks: the late ones, and those not waited for because they stopped
        // heartbeating, whichever came first on a coordinator catching up: their loss or the deadline.
        List<String> missing = outstanding().stream().filter(h -> shipped.getOrDefault(h, 0L) < window).toList();
        List<Output> out = new ArrayList<>();
        StringBuilder stderr = new StringBuilder();
        boolean ran = false;
        boolean exit = false;
        long at = window * start.getWindowMs();
        for (Tick t : ticks) {
            if (at % t.periodMs() != 0) continue;
            ran = true;
            try {
                exit |= interp.run(t.probe(), t.name());
            } catch (Interpreter.BlockError e) {
                stderr.append(new Diagnostic(Diagnostic.Severity.ERROR, e.span, e.getMessage()).render(userspace.source()));
            }
            out.addAll(interp.take());
        }
        // A lost host was announced once (WARNING); late ones are named in every window they miss.
        if (!late.isEmpty()) {
            stderr.append("fleettrace: window ").append(window).append(" closed without ").append(String.join(", ", late))
                    .append(" (no delta within ").append(settings.graceMs()).append(" ms of its end); their late deltas count in the next window\n");
        }
        if (ran) publish(fx, ReportKind.INTERVAL, out, missing, stderr.toString(), 0, 0, List.copyOf(attached.keySet()), window);
        else if (!late.isEmpty()) publish(fx, ReportKind.WARNING, List.of(), missing, stderr.toString(), 0, 0, List.copyOf(attached.keySet()), window);
        if (pending.containsKey(window + 1)) applyPending(window + 1);
        // The exit happened at this tick: no later tick runs, however late this window closed.
        if (exit) stopFleet(fx, "exit() in " + ticks.stream().filter(t -> at % t.periodMs() == 0).findFirst().map(Tick::name).orElse("interval"), windowEnd(window));
    }

    private void applyPending(long window) {
        for (Pending p : pending.remove(window)) state.applyAdmitted(p.host(), p.batch());
    }

    // ---- end of the job

    private void maybeFinish(List<Effect> fx) {
        if (!replaying && phase == Phase.STOPPING && live().isEmpty()) finish(fx, List.copyOf(outstanding()));
    }

    private void finish(List<Effect> fx, List<String> missing) {
        while (!pending.isEmpty()) applyPending(pending.firstKey());
        List<Output> out = new ArrayList<>();
        StringBuilder stderr = new StringBuilder();
        if (!missing.isEmpty()) {
            stderr.append("fleettrace: no final delta from ").append(String.join(", ", missing))
                    .append(lost.containsAll(missing) ? " (stopped sending heartbeats)" : " within the stop timeout")
                    .append("; the summary includes what they sent before\n");
        }
        if (userspace != null) {
            try {
                for (TypedProgram.ProbeInfo p : userspace.probes()) {
                    if (p.targets().stream().anyMatch(t -> t instanceof ProbeTarget.End)) {
                        interp.run(p, "END");
                        out.addAll(interp.take());
                    }
                }
            } catch (Interpreter.BlockError e) {
                out.addAll(interp.take());
                stderr.append(new Diagnostic(Diagnostic.Severity.ERROR, e.span, e.getMessage()).render(userspace.source()));
            }
        }
        out.add(new Output.ExitDump(MapViews.of(state, HostRule.DEFAULT)));
        phase = Phase.DONE;
        publish(fx, ReportKind.END, out, missing, stderr.toString(), 0, 0);
        fx.add(new Effect.Finished());
    }

    private List<Effect> fail(List<Effect> fx, String message) {
        boolean broadcast = phase != Phase.DONE;
        phase = Phase.DONE;
        if (broadcast) fx.add(new Effect.BroadcastStop(StopReason.FAILED, firstLine(message)));
        publish(fx, ReportKind.ERROR, List.of(), List.of(), message.endsWith("\n") ? message : message + "\n", 1, 0);
        fx.add(new Effect.Finished());
        return fx;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    // ---- reports

    private void publish(List<Effect> fx, ReportKind kind, List<Output> out, List<String> missing, String stderr, int exitCode, int probes) {
        publish(fx, kind, out, missing, stderr, exitCode, probes, List.copyOf(attached.keySet()));
    }

    private void publish(List<Effect> fx, ReportKind kind, List<Output> out, List<String> missing, String stderr, int exitCode, int probes,
                         List<String> hosts) {
        publish(fx, kind, out, missing, stderr, exitCode, probes, hosts, 0);
    }

    private void publish(List<Effect> fx, ReportKind kind, List<Output> out, List<String> missing, String stderr, int exitCode, int probes,
                         List<String> hosts, long window) {
        reportSeq++;
        // Replaying, the report went out before the restart: only the state it left behind matters.
        if (replaying) return;
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
        List<AppliedCursor> applied = new ArrayList<>();
        for (SequenceTracker.Cursor c : state.tracker().cursors()) applied.add(new AppliedCursor(c.agent(), c.incarnation(), c.seq()));
        fx.add(new Effect.Publish(Report.newBuilder()
                .setJob(job)
                .setSeq(reportSeq)
                .setTimestampMs(settings.clock().getAsLong())
                .setKind(kind)
                .setWindow(window)
                .setWindowEndMs(window > 0 ? windowEnd(window) : 0)
                .setHosts(hosts)
                .setMissingHosts(missing)
                .setProbes(probes)
                .setText(ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1)))
                .setJson(json)
                .setStderr(stderr)
                .setMaps(maps)
                .setExitCode(exitCode)
                .setApplied(applied)
                .build()));
    }

    // ---- recovery

    /**
     * Rebuilds a job after a coordinator restart from what the topics hold: its windows, its stops, the
     * reports already published and every agent record. Records are fed again up to each published
     * report's cursors, and each published interval closes its window at that point, so the state
     * evolves exactly as before the restart; nothing already published is published again. Then the
     * remaining records are taken in as new, and the job goes on.
     *
     * @return the job and the effects of taking in the records not yet reflected in any report
     */
    public static Recovered recover(String job, JobSubmit submit, int expected, Settings settings, History history) {
        List<Report> reports = history.reports().stream().sorted(Comparator.comparingLong(Report::getSeq)).toList();
        int barrier = reports.stream().filter(r -> r.getKind() == ReportKind.ATTACHED).findFirst().map(r -> r.getHosts().size()).orElse(expected);
        FleetJob j = new FleetJob(job, submit, barrier, settings);
        history.start().ifPresent(j::onStart);
        Replay feed = new Replay(history.records());
        j.replaying = true;
        for (Report r : reports) {
            for (AppliedCursor c : r.getApplied()) feed.upTo(c.getAgent(), c.getIncarnation(), c.getSeq(), j::onRecord);
            if (r.getWindow() > 0 && j.ticking()) {
                while (j.closed < r.getWindow()) j.closeWindow(j.closed + 1, j.closed + 1 == r.getWindow() ? r.getMissingHosts() : List.of(), new ArrayList<>());
            } else if (r.getKind() == ReportKind.WARNING && r.getWindow() == 0) {
                r.getMissingHosts().forEach(j::onAgentLost);
            }
            j.reportSeq = r.getSeq();
        }
        // Stops in the state they left (no finish yet: the records after the last report come first).
        for (ControlMessage s : history.stops()) j.onStop((JobStop) s.getBody(), s.getTimestampMs());
        j.replaying = false;
        List<Effect> fx = new ArrayList<>();
        // The barrier was met again in the replay, but its windows never reached the control topic.
        if (history.start().isEmpty() && j.start != null) fx.add(new Effect.BroadcastStart(j.start.getOriginMs(), j.start.getWindowMs()));
        // An exit() seen before the restart whose stop never reached the control topic.
        if (j.phase == Phase.STOPPING && history.stops().isEmpty()) fx.add(new Effect.BroadcastStop(StopReason.EXIT_CALLED, "exit()"));
        feed.rest(r -> fx.addAll(j.onRecord(r)));
        if (j.phase == Phase.STOPPING && fx.stream().noneMatch(e -> e instanceof Effect.ArmStopTimeout)) fx.add(new Effect.ArmStopTimeout());
        j.advance(fx);
        j.maybeFinish(fx);
        return new Recovered(j, fx);
    }

    public record Recovered(FleetJob job, List<Effect> effects) {}

    /** Agent records grouped by stream (agent, incarnation) in seq order, handed out once each. */
    private static final class Replay {
        private final Map<String, TreeMap<Long, AgentRecord>> streams = new TreeMap<>();
        private final List<AgentRecord> arrival;

        Replay(List<AgentRecord> records) {
            arrival = records;
            for (AgentRecord r : records) streams.computeIfAbsent(r.getAgent() + "\u0000" + r.getIncarnation(), k -> new TreeMap<>()).putIfAbsent(r.getSeq(), r);
        }

        void upTo(String agent, long incarnation, long seq, java.util.function.Consumer<AgentRecord> to) {
            TreeMap<Long, AgentRecord> s = streams.get(agent + "\u0000" + incarnation);
            if (s == null) return;
            while (!s.isEmpty() && s.firstKey() <= seq) to.accept(s.pollFirstEntry().getValue());
        }

        /** What is left, in the order the topic gave it (so the job sees it as it would have live). */
        void rest(java.util.function.Consumer<AgentRecord> to) {
            for (AgentRecord r : arrival) {
                TreeMap<Long, AgentRecord> s = streams.get(r.getAgent() + "\u0000" + r.getIncarnation());
                if (s.remove(r.getSeq()) != null) to.accept(r);
            }
        }
    }
}
