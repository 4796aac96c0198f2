package dev.fleettrace.agent.kernel;

import dev.fleettrace.agent.kernel.pmu.EventSources;
import dev.fleettrace.agent.kernel.programs.VerifierException;
import dev.fleettrace.agent.kernel.tracefs.Tracefs;
import dev.fleettrace.agent.sys.Errno;
import dev.fleettrace.agent.sys.SysException;
import dev.fleettrace.plan.AttachPoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Why the kernel would not run a program, in words for the user: {@link #problem()} says what went
 * wrong, {@link #remedy()} what to do; the message is the two lines.
 */
public abstract sealed class KernelException extends Exception {
    private final String problem;
    private final String remedy;

    private KernelException(String problem, String remedy, Throwable cause) {
        super(problem + "\n" + remedy, cause);
        this.problem = problem;
        this.remedy = remedy;
    }

    public String problem() {
        return problem;
    }

    public String remedy() {
        return remedy;
    }

    /** The process lacks the privileges, or the kernel forbids BPF even to root. */
    public static final class NotPermitted extends KernelException {
        NotPermitted(String problem, String remedy, Throwable cause) {
            super(problem, remedy, cause);
        }
    }

    /** No tracefs: tracepoints can be neither found nor attached. */
    public static final class TracefsMissing extends KernelException {
        TracefsMissing() {
            super("tracefs is not mounted (looked in /sys/kernel/tracing and /sys/kernel/debug/tracing)",
                    "mount it: mount -t tracefs nodev /sys/kernel/tracing", null);
        }
    }

    /** The kernel has no such tracepoint. */
    public static final class UnknownTracepoint extends KernelException {
        private final String probe;

        UnknownTracepoint(String probe, Path tracefs) {
            super(probe + " does not exist on this kernel",
                    "check the name: " + tracefs.resolve("available_events") + " lists this kernel's tracepoints (bpftrace -l 'tracepoint:*' too)", null);
            this.probe = probe;
        }

        /** {@code tracepoint:category:event}. */
        public String probe() {
            return probe;
        }
    }

    /** The verifier refused a program; carries its log. */
    public static final class VerifierRejected extends KernelException {
        private static final int TAIL = 20;
        private final String probe;
        private final VerifierException verifier;

        VerifierRejected(String probe, VerifierException verifier) {
            super("the kernel's verifier rejected the program of " + probe + ": " + verifier.summary(),
                    "this kernel cannot run the code fleettrace generated for this probe: please report it with the verifier log", verifier);
            this.probe = probe;
            this.verifier = verifier;
        }

        public String probe() {
            return probe;
        }

        /** One-line reason. */
        public String summary() {
            return verifier.summary();
        }

        /** The verifier's full log. */
        public String log() {
            return verifier.log();
        }

        /** The two lines, then the end of the verifier log. */
        @Override
        public String getMessage() {
            return super.getMessage() + "\nverifier log (last " + TAIL + " lines):\n" + verifier.tail(TAIL);
        }
    }

    /** This kernel lacks a feature the program needs. */
    public static final class Unsupported extends KernelException {
        Unsupported(String problem, String remedy, Throwable cause) {
            super(problem, remedy, cause);
        }
    }

    /** Any other failed system call (out of memory, too many open files, ...). */
    public static final class SystemFailure extends KernelException {
        SystemFailure(String problem, String remedy, Throwable cause) {
            super(problem, remedy, cause);
        }
    }

    // ---- translation of system call failures

    /** Translates a failed system call made while doing {@code action} ("create map @x", "attach tracepoint:..."). */
    static KernelException of(String action, SysException e) {
        return of(action, e, runningAsRoot());
    }

    static KernelException of(String action, SysException e, boolean root) {
        if (e instanceof VerifierException v) return new VerifierRejected(action, v);
        int errno = e.errno();
        String what = action + " failed: " + e.operation() + " returned " + Errno.name(errno) + " (" + Errno.describe(errno) + ")";
        return switch (errno) {
            case Errno.EPERM, Errno.EACCES -> notPermitted(action, e, root);
            case Errno.ENOTSUPP, Errno.EOPNOTSUPP, Errno.ENOSYS ->
                    new Unsupported(what, "this kernel does not support it: run on a newer kernel or leave this probe out", e);
            case Errno.ENOMEM -> new SystemFailure(what, "the kernel is short of memory for BPF objects: use smaller maps or free memory", e);
            case Errno.E2BIG -> new SystemFailure(what, "an object is larger than this kernel allows: use smaller maps or a shorter program", e);
            case Errno.EMFILE, Errno.ENFILE -> new SystemFailure(what, "too many open files: raise the limit (ulimit -n) or run fewer jobs at once", e);
            default -> new SystemFailure(what, "the kernel refused an operation fleettrace relies on: please report it with this message", e);
        };
    }

    /** {@code probe} cannot attach because the kernel lacks what it needs. */
    static KernelException unsupported(String probe, EventSources.Missing missing) {
        return new Unsupported(probe + ": " + missing.problem(), missing.remedy(), null);
    }

    /**
     * The kernel refused an fentry/fexit program although we are root: ftrace's function patching is
     * locked (it says so by refusing {@code available_filter_functions} too), or a security module forbids it.
     */
    static KernelException fentryRefused(String probe, SysException e) {
        String evidence = ftraceLocked().map(p -> ": " + p + " is refused too (EPERM), so this kernel locks ftrace's function patching, which fentry/fexit need").orElse("");
        return new Unsupported(probe + ": this kernel refuses to load fentry/fexit programs (BPF_PROG_LOAD returned EPERM although fleettrace runs as root)" + evidence,
                "use a tracepoint or a rawtracepoint instead, or run on a kernel that allows fentry (not locked down, ftrace not restricted)", e);
    }

    /** The tracefs file that lists patchable functions, when reading it is refused. */
    static Optional<Path> ftraceLocked() {
        for (Path root : Tracefs.LOCATIONS) {
            Path f = root.resolve("available_filter_functions");
            if (!Files.exists(f)) continue;
            try (var in = Files.newInputStream(f)) {
                in.read();
                return Optional.empty();
            } catch (IOException ex) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /** Translates a failed attach, naming the probe and what its errno means for its kind. */
    static KernelException attachFailed(AttachPoint ap, String action, SysException e) {
        if (ap == null) return of(action, e);
        String probe = ap.probeName();
        int errno = e.errno();
        String what = action + " failed: " + e.operation() + " returned " + Errno.name(errno) + " (" + Errno.describe(errno) + ")";
        return switch (ap) {
            case AttachPoint.RawTracepoint rt when errno == Errno.ENOENT ->
                    new Unsupported(probe + " does not exist on this kernel (" + what + ")", "check the name: bpftrace -l 'rawtracepoint:*' lists them", e);
            case AttachPoint.RawTracepoint rt when errno == Errno.EINVAL ->
                    new Unsupported(probe + ": the program reads more arguments than this tracepoint has (" + what + ")", "use only the tracepoint's arguments (arg0 .. argN-1)", e);
            case AttachPoint.PerfEvent pe when pe.type() == 0 && (errno == Errno.ENOENT || errno == Errno.EOPNOTSUPP || errno == Errno.ENODEV) ->
                    new Unsupported(probe + ": this machine has no hardware performance counter for it (" + what + ")", "use software:cpu-clock or profile instead", e);
            case AttachPoint.Uprobe u when errno == Errno.ESRCH ->
                    new Unsupported(probe + ": the process given with -p does not exist any more (" + what + ")", "give the pid of a running process", e);
            case AttachPoint.Uprobe u when errno == Errno.ENOENT ->
                    new Unsupported(probe + ": " + u.path() + " is gone (" + what + ")", "check the path", e);
            case AttachPoint.Kfunc k when errno == Errno.EPERM && runningAsRoot() -> fentryRefused(probe, e);
            default -> of(action, e);
        };
    }

    /** Not being root is by far the likely cause; as root, the kernel itself forbids it. */
    static KernelException notPermitted(String action, Throwable cause, boolean root) {
        if (!root)
            return new NotPermitted(action + " was refused: loading BPF programs needs root (or CAP_BPF and CAP_PERFMON)",
                    "run fleettrace with sudo", cause);
        return new NotPermitted(action + " was refused although fleettrace runs as root",
                "the kernel forbids it: check kernel lockdown (/sys/kernel/security/lockdown) and security modules (SELinux, AppArmor)", cause);
    }

    /** This host's tracefs, or why there is none to use. */
    static Tracefs tracefs() throws KernelException {
        Optional<Tracefs> t = Tracefs.locate();
        if (t.isPresent()) return t.get();
        Optional<Path> closed = Tracefs.inaccessible();
        if (closed.isPresent()) throw notPermitted("reading tracefs at " + closed.get(), null, runningAsRoot());
        throw new TracefsMissing();
    }

    static KernelException io(String action, IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) return notPermitted(action, e, runningAsRoot());
        return new SystemFailure(action + " failed: " + e.getMessage(), "check that tracefs and sysfs are readable", e);
    }

    /** Whether the effective uid is 0 (from /proc/self/status, as Java has no geteuid). */
    static boolean runningAsRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return "0".equals(line.substring(4).trim().split("\\s+")[1]);
            }
        } catch (IOException | RuntimeException e) {
            // Unknown: fall back to the name the JVM reports.
        }
        return "root".equals(System.getProperty("user.name"));
    }
}
