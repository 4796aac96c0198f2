package dev.fleettrace.agent.sys;

/**
 * A system call failed. Carries the errno and the operation ({@code BPF_MAP_CREATE},
 * {@code perf_event_open}, ...) so the layers above can decide what it means for the user.
 */
public class SysException extends RuntimeException {
    private final String operation;
    private final int errno;

    public SysException(String operation, int errno) {
        this(operation, errno, null);
    }

    /** {@code detail} is appended to the message (what was being done, which object). */
    public SysException(String operation, int errno, String detail) {
        super(operation + ": " + Errno.name(errno) + " (" + Errno.describe(errno) + ")" + (detail == null ? "" : ": " + detail));
        this.operation = operation;
        this.errno = errno;
    }

    public String operation() {
        return operation;
    }

    public int errno() {
        return errno;
    }

    /** {@code EPERM}, {@code ENOENT}, ... */
    public String errnoName() {
        return Errno.name(errno);
    }
}
