package dev.fleettrace.agent.kernel.programs;

import dev.fleettrace.agent.kernel.maps.BpfMap;
import dev.fleettrace.agent.sys.Bpf;
import dev.fleettrace.agent.sys.Errno;
import dev.fleettrace.agent.sys.Fd;
import dev.fleettrace.agent.sys.SysException;
import dev.fleettrace.bpf.Encoding;
import dev.fleettrace.bpf.ProgType;
import dev.fleettrace.plan.AttachPoint;
import dev.fleettrace.plan.ProbeProgram;
import java.lang.ref.Reference;
import java.util.List;

/** A program loaded into the kernel (not yet attached anywhere), owning its descriptor. */
public final class Program implements AutoCloseable {
    public static final String LICENSE = "GPL";

    private static final int LOG_LEVEL = 1;
    private static final int LOG_START = 64 * 1024, LOG_MAX = 16 * 1024 * 1024;
    private static final int RETRIES = 5;

    private final ProbeProgram probe;
    private final String name;
    private final Fd fd;
    private final int id;

    private Program(ProbeProgram probe, String name, Fd fd) {
        this.probe = probe;
        this.name = name;
        this.fd = fd;
        this.id = Bpf.progInfo(fd).id();
    }

    /**
     * Encodes {@code probe} with the descriptors of {@code maps} (map index i is {@code maps.get(i)})
     * and loads it with license GPL (bpf_probe_read and friends are GPL-only).
     *
     * <p>The first attempt asks for no verifier log: the log costs verification time and is only
     * needed to explain a failure. A failure is retried with a log, grown while the kernel says
     * ENOSPC, so the exception carries the verifier's own words.
     *
     * @throws VerifierException the verifier rejected the program
     * @throws SysException      any other refusal (EPERM without privileges, E2BIG, ...)
     */
    public static Program load(ProbeProgram probe, List<BpfMap> maps) {
        byte[] code = Encoding.encode(probe.insns(), i -> {
            if (i < 0 || i >= maps.size()) throw new IllegalArgumentException(probe.name() + " refers to map " + i + " of " + maps.size());
            return maps.get(i).fd().raw();
        });
        String name = BpfMap.objectName(probe.name());
        try {
            Bpf.ProgLoad first = loadRetrying(probe, code, name, 0, 0);
            if (first.loaded()) return wrap(probe, name, first.fd());
            // No point asking the verifier why when the kernel refused before verifying.
            if (first.errno() == Errno.EPERM) throw new SysException("BPF_PROG_LOAD", first.errno(), "program " + name);
            int size = LOG_START;
            while (true) {
                Bpf.ProgLoad withLog = loadRetrying(probe, code, name, LOG_LEVEL, size);
                if (withLog.loaded()) return wrap(probe, name, withLog.fd());
                if (withLog.errno() == Errno.ENOSPC && size < LOG_MAX) {
                    // Log too small (6.4+ says how much it needs): the tail is kept, but get it all.
                    size = Math.min(LOG_MAX, Math.max(size * 4, withLog.logTrueSize() + 1));
                    continue;
                }
                int errno = withLog.errno() == Errno.ENOSPC ? first.errno() : withLog.errno();
                if (withLog.log().isBlank()) throw new SysException("BPF_PROG_LOAD", errno, "program " + name);
                throw new VerifierException(name, errno, withLog.log());
            }
        } finally {
            Reference.reachabilityFence(maps);
        }
    }

    /** The verifier may give up with EAGAIN when interrupted by a signal (as libbpf, retry a few times). */
    private static Bpf.ProgLoad loadRetrying(ProbeProgram probe, byte[] code, String name, int logLevel, int logSize) {
        // fentry/fexit programs are loaded for one kernel function, named by its BTF id.
        int attachType = 0, btfId = 0;
        if (probe.attach() instanceof AttachPoint.Kfunc k) {
            attachType = k.ret() ? Bpf.ATTACH_TRACE_FEXIT : Bpf.ATTACH_TRACE_FENTRY;
            btfId = k.btfId();
        }
        Bpf.ProgLoad r = null;
        for (int i = 0; i < RETRIES; i++) {
            r = Bpf.progLoad(probe.type().id, attachType, btfId, code, LICENSE, name, logLevel, logSize);
            if (r.loaded() || r.errno() != Errno.EAGAIN) return r;
        }
        return r;
    }

    private static Program wrap(ProbeProgram probe, String name, Fd fd) {
        try {
            return new Program(probe, name, fd);
        } catch (RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    public ProbeProgram probe() {
        return probe;
    }

    /** The kernel object name. */
    public String name() {
        return name;
    }

    public ProgType type() {
        return probe.type();
    }

    public Fd fd() {
        return fd;
    }

    /** The kernel's id of this program (as {@code bpftool prog show} lists it). */
    public int id() {
        return id;
    }

    /** Runs the program once with an empty context (BPF_PROG_TEST_RUN), on the calling CPU. */
    public Bpf.TestRun testRun() {
        return testRun(new byte[0]);
    }

    /**
     * Runs the program once with {@code ctx} as its context. Raw tracepoint programs accept it on
     * Linux 5.10+ (the context is the tracepoint's arguments as u64s); tracepoint programs have no
     * test run (ENOTSUPP).
     */
    public Bpf.TestRun testRun(byte[] ctx) {
        return Bpf.progTestRun(fd, ctx, 0, 0);
    }

    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "program " + name + " (" + probe.type() + ", id " + id + ")";
    }
}
