package dev.fleettrace.agent.kernel;

import dev.fleettrace.agent.kernel.links.Link;
import dev.fleettrace.agent.kernel.links.PerCpuLink;
import dev.fleettrace.agent.kernel.links.PerfEventLink;
import dev.fleettrace.agent.kernel.links.RawTracepointLink;
import dev.fleettrace.agent.kernel.maps.Cpus;
import dev.fleettrace.agent.kernel.pmu.EventSources;
import dev.fleettrace.agent.sys.Errno;
import dev.fleettrace.agent.sys.PerfEvent;
import dev.fleettrace.agent.kernel.maps.BpfMap;
import dev.fleettrace.agent.kernel.programs.Program;
import dev.fleettrace.agent.kernel.programs.VerifierException;
import dev.fleettrace.agent.kernel.tracefs.Tracefs;
import dev.fleettrace.agent.sys.RingBuffer;
import dev.fleettrace.agent.sys.SysException;
import dev.fleettrace.plan.AttachPoint;
import dev.fleettrace.plan.KernelMap;
import dev.fleettrace.plan.ProbeProgram;
import dev.fleettrace.plan.ProgramPlan;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One compiled program in the kernel: its maps, its loaded programs, their attachments and the ring
 * buffer mapping. Every kernel object is owned here and released by {@link #close()}; a failure half
 * way through loading or attaching releases what was already created, so nothing stays behind.
 */
public final class LoadedProgram implements AutoCloseable {
    private final ProgramPlan plan;
    private final List<BpfMap> maps;
    private final List<Program> programs;
    private final RingBuffer ring;
    private final List<Link> links = new ArrayList<>();
    private boolean beginRan;
    private boolean closed;

    private LoadedProgram(ProgramPlan plan, List<BpfMap> maps, List<Program> programs, RingBuffer ring) {
        this.plan = plan;
        this.maps = List.copyOf(maps);
        this.programs = List.copyOf(programs);
        this.ring = ring;
    }

    /** Creates every map, maps the ring buffer, and loads every program (BEGIN's included); attaches nothing. */
    public static LoadedProgram load(ProgramPlan plan) throws KernelException {
        List<BpfMap> maps = new ArrayList<>();
        List<Program> programs = new ArrayList<>();
        RingBuffer ring = null;
        String action = "loading";
        try {
            for (KernelMap km : plan.maps()) {
                action = "creating map " + km.name();
                maps.add(BpfMap.create(km));
            }
            if (plan.ringbuf() >= 0) {
                action = "mapping the ring buffer";
                BpfMap rb = maps.get(plan.ringbuf());
                ring = RingBuffer.open(rb.fd(), rb.spec().maxEntries());
            }
            for (ProbeProgram p : plan.probes()) {
                action = "loading the program of " + p.attach().probeName();
                try {
                    programs.add(Program.load(p, maps));
                } catch (VerifierException v) {
                    throw new KernelException.VerifierRejected(p.attach().probeName(), v);
                } catch (SysException e) {
                    if (p.attach() instanceof AttachPoint.Kfunc && e.errno() == Errno.EPERM && KernelException.runningAsRoot())
                        throw KernelException.fentryRefused(p.attach().probeName(), e);
                    throw e;
                }
            }
            return new LoadedProgram(plan, maps, programs, ring);
        } catch (KernelException e) {
            release(ring, programs, maps);
            throw e;
        } catch (SysException e) {
            release(ring, programs, maps);
            throw KernelException.of(action, e);
        } catch (RuntimeException | Error e) {
            release(ring, programs, maps);
            throw e;
        }
    }

    private static void release(RingBuffer ring, List<Program> programs, List<BpfMap> maps) {
        if (ring != null) ring.close();
        programs.forEach(Program::close);
        maps.forEach(BpfMap::close);
    }

    /** Attaches every probe but BEGIN, through the tracefs this host has mounted; see {@link #attach(Tracefs)}. */
    public int attach() throws KernelException {
        return attach(KernelException.tracefs());
    }

    /** Attaches every probe but BEGIN, uprobes and usdt probes in every process; see {@link #attach(Tracefs, int)}. */
    public int attach(Tracefs tracefs) throws KernelException {
        return attach(tracefs, -1);
    }

    /** One resolved attach point: what attaching it does. */
    private record Target(Program program, java.util.function.Supplier<Link> attach) {}

    /**
     * Attaches every probe but BEGIN, all or nothing: every attach point is resolved (and what it needs
     * from this kernel checked) before the first is attached, and a failure detaches what was attached.
     * Uprobes and usdt probes fire in process {@code pid} only, or in every process when it is -1.
     * Returns the number of probes attached.
     */
    public synchronized int attach(Tracefs tracefs, int pid) throws KernelException {
        ensureOpen();
        if (!links.isEmpty()) throw new IllegalStateException("already attached");
        EventSources pmus = EventSources.host();
        List<Target> targets = new ArrayList<>();
        for (Program p : programs) {
            AttachPoint ap = p.probe().attach();
            switch (ap) {
                case AttachPoint.Tracepoint tp -> {
                    OptionalLong id;
                    try {
                        id = tracefs.tracepointId(tp.category(), tp.event());
                    } catch (UncheckedIOException e) {
                        throw KernelException.io("reading the id of " + tp.probeName(), e.getCause());
                    }
                    if (id.isEmpty()) throw new KernelException.UnknownTracepoint(tp.probeName(), tracefs.root());
                    long tid = id.getAsLong();
                    targets.add(new Target(p, () -> PerfEventLink.attachTracepoint(p, tid)));
                }
                case AttachPoint.Begin b -> { }
                case AttachPoint.RawTracepoint rt -> targets.add(new Target(p, () -> RawTracepointLink.attach(p, rt.name())));
                case AttachPoint.Kfunc k -> targets.add(new Target(p, () -> RawTracepointLink.attachTracing(p)));
                case AttachPoint.Kprobe k -> {
                    var missing = pmus.kprobesMissing(tracefs.root());
                    if (missing.isPresent()) throw KernelException.unsupported(k.probeName(), missing.get());
                    int type = pmus.type("kprobe").orElseThrow();
                    long config = k.ret() ? 1L << pmus.configBit("kprobe", "retprobe").orElse(0) : 0;
                    var attr = PerfEvent.Attr.probe(type, config, k.function(), k.offset());
                    targets.add(new Target(p, () -> PerfEventLink.attach(p, PerfEvent.open(attr, -1, 0), k.probeName())));
                }
                case AttachPoint.Uprobe u -> {
                    var missing = pmus.uprobesMissing();
                    if (missing.isPresent()) throw KernelException.unsupported(u.probeName(), missing.get());
                    int type = pmus.type("uprobe").orElseThrow();
                    long config = u.ret() ? 1L << pmus.configBit("uprobe", "retprobe").orElse(0) : 0;
                    // USDT semaphores: the kernel increments the counter in every process mapping the file.
                    if (u.refCtrOffset() != 0) config |= u.refCtrOffset() << pmus.configBit("uprobe", "ref_ctr_offset").orElse(32);
                    var attr = PerfEvent.Attr.probe(type, config, u.path(), u.fileOffset());
                    targets.add(new Target(p, () -> PerfEventLink.attach(p, PerfEvent.open(attr, pid, pid == -1 ? 0 : -1), u.probeName())));
                }
                case AttachPoint.PerfEvent pe -> {
                    if (pe.type() == PERF_TYPE_HARDWARE) {
                        var missing = pmus.hardwareMissing();
                        if (missing.isPresent()) throw KernelException.unsupported(pe.probeName(), missing.get());
                    }
                    var attr = PerfEvent.Attr.sampling(pe.type(), pe.config(), pe.period(), pe.frequency());
                    List<Integer> cpus = Cpus.online();
                    targets.add(new Target(p, () -> PerCpuLink.attach(p, attr, cpus, pe.probeName())));
                }
            }
        }
        String action = "attaching";
        AttachPoint current = null;
        try {
            for (Target t : targets) {
                current = t.program().probe().attach();
                action = "attaching " + current.probeName();
                links.add(t.attach().get());
            }
        } catch (SysException e) {
            detach();
            throw KernelException.attachFailed(current, action, e);
        } catch (RuntimeException | Error e) {
            detach();
            throw e;
        }
        return links.size();
    }

    private static final int PERF_TYPE_HARDWARE = 0;

    /**
     * Runs each BEGIN program once, here, with BPF_PROG_TEST_RUN: what it stores in maps is then set on
     * this host before any other probe's data is read. BEGIN programs are raw tracepoint programs
     * (Linux 5.10+ can test-run those). Runs at most once per loaded program.
     */
    public synchronized void runBegin() throws KernelException {
        ensureOpen();
        if (beginRan) throw new IllegalStateException("BEGIN already ran");
        beginRan = true;
        for (Program p : programs) {
            if (!(p.probe().attach() instanceof AttachPoint.Begin)) continue;
            try {
                p.testRun();
            } catch (SysException e) {
                throw KernelException.of("running BEGIN", e);
            }
        }
    }

    /** Detaches every probe (maps and programs stay loaded, so maps can still be read). */
    public synchronized void detach() {
        for (int i = links.size() - 1; i >= 0; i--) links.get(i).close();
        links.clear();
    }

    public ProgramPlan plan() {
        return plan;
    }

    /** The map of plan index {@code index}. */
    public BpfMap map(int index) {
        return maps.get(index);
    }

    public List<BpfMap> maps() {
        return maps;
    }

    public List<Program> programs() {
        return programs;
    }

    /** The ring buffer reader, when the plan has a ring buffer. */
    public Optional<RingBuffer> ringBuffer() {
        return Optional.ofNullable(ring);
    }

    /** Number of probes attached now. */
    public synchronized int attached() {
        return links.size();
    }

    /** Kernel ids of the loaded programs, to find them in {@code bpftool prog show}. */
    public List<Integer> programIds() {
        return programs.stream().map(Program::id).toList();
    }

    /** Kernel ids of the maps. */
    public List<Integer> mapIds() {
        return maps.stream().map(BpfMap::id).toList();
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("program is closed");
    }

    /** Detaches, unmaps, and closes every program and map. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        detach();
        release(ring, programs, maps);
    }
}
