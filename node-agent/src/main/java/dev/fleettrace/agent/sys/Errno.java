package dev.fleettrace.agent.sys;

/**
 * Linux errno values (x86-64) with their symbolic names and glibc's descriptions. Only the ones bpf(),
 * perf_event_open(), mmap and epoll return are named; any other is shown by number.
 */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, E2BIG = 7, EBADF = 9, EAGAIN = 11,
            ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, EXDEV = 18, ENODEV = 19, EINVAL = 22,
            ENFILE = 23, EMFILE = 24, ENOSPC = 28, ERANGE = 34, ENOSYS = 38, ELOOP = 40, EOPNOTSUPP = 95,
            EOVERFLOW = 75, ENOTSUPP = 524;

    /** {@code EPERM}, or {@code errno 123} for a number not named here. */
    public static String name(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case ESRCH -> "ESRCH";
            case EINTR -> "EINTR";
            case EIO -> "EIO";
            case E2BIG -> "E2BIG";
            case EBADF -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EFAULT -> "EFAULT";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case EXDEV -> "EXDEV";
            case ENODEV -> "ENODEV";
            case EINVAL -> "EINVAL";
            case ENFILE -> "ENFILE";
            case EMFILE -> "EMFILE";
            case ENOSPC -> "ENOSPC";
            case ERANGE -> "ERANGE";
            case ENOSYS -> "ENOSYS";
            case ELOOP -> "ELOOP";
            case EOVERFLOW -> "EOVERFLOW";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            // Kernel-internal "not supported" that bpf() leaks to user space (no libc name).
            case ENOTSUPP -> "ENOTSUPP";
            default -> "errno " + errno;
        };
    }

    /** The human description ({@code strerror}). */
    public static String describe(int errno) {
        return switch (errno) {
            case EPERM -> "Operation not permitted";
            case ENOENT -> "No such file or directory";
            case ESRCH -> "No such process";
            case EINTR -> "Interrupted system call";
            case EIO -> "Input/output error";
            case E2BIG -> "Argument list too long";
            case EBADF -> "Bad file descriptor";
            case EAGAIN -> "Resource temporarily unavailable";
            case ENOMEM -> "Cannot allocate memory";
            case EACCES -> "Permission denied";
            case EFAULT -> "Bad address";
            case EBUSY -> "Device or resource busy";
            case EEXIST -> "File exists";
            case EXDEV -> "Invalid cross-device link";
            case ENODEV -> "No such device";
            case EINVAL -> "Invalid argument";
            case ENFILE -> "Too many open files in system";
            case EMFILE -> "Too many open files";
            case ENOSPC -> "No space left on device";
            case ERANGE -> "Numerical result out of range";
            case ENOSYS -> "Function not implemented";
            case ELOOP -> "Too many levels of symbolic links";
            case EOVERFLOW -> "Value too large for defined data type";
            case EOPNOTSUPP -> "Operation not supported";
            case ENOTSUPP -> "Operation not supported by the kernel";
            default -> "Unknown error " + errno;
        };
    }
}
