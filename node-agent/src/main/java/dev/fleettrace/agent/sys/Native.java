package dev.fleettrace.agent.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The one door to the kernel: libc's variadic {@code long syscall(long nr, ...)}, with errno captured
 * right after the call (the JVM may clobber the thread's errno before Java code could read it).
 * Going through {@code syscall} rather than one libc wrapper per call keeps the native surface to a
 * single downcall (glibc has no wrappers for bpf() or perf_event_open() anyway).
 */
@SuppressWarnings("restricted") // this package is where native access is meant to be
final class Native {
    private Native() {}

    static final long SYS_READ = 0, SYS_CLOSE = 3, SYS_MMAP = 9, SYS_MUNMAP = 11, SYS_IOCTL = 16, SYS_EPOLL_WAIT = 232,
            SYS_EPOLL_CTL = 233, SYS_EPOLL_CREATE1 = 291, SYS_PERF_EVENT_OPEN = 298, SYS_BPF = 321;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    // glibc's syscall() always reads six arguments, so one 6-argument handle serves every call.
    private static final MethodHandle SYSCALL = LINKER.downcallHandle(
            LINKER.defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));

    private static final MethodHandle GETPAGESIZE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("getpagesize").orElseThrow(), FunctionDescriptor.of(JAVA_INT));

    // One capture buffer per thread: no allocation per call; the auto arena frees it with the thread.
    private static final ThreadLocal<MemorySegment> CAPTURED = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    static final int PAGE_SIZE = pageSize();

    /** Result of a raw call: the return value, or -1 with errno set. */
    record Result(long value, int errno) {
        boolean failed() {
            return value == -1 && errno != 0;
        }
    }

    /** Calls the system call; never throws for a failed call (the caller decides what errno means). */
    static Result call(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
        MemorySegment capture = CAPTURED.get();
        try {
            long r = (long) SYSCALL.invokeExact(capture, nr, a1, a2, a3, a4, a5, a6);
            return new Result(r, r == -1 ? (int) ERRNO.get(capture, 0L) : 0);
        } catch (Throwable t) {
            throw new IllegalStateException("downcall of syscall(" + nr + ") failed", t);
        }
    }

    /** Calls and returns the non-negative result, or throws {@link SysException} naming {@code op}. */
    static long check(String op, long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
        Result r = call(nr, a1, a2, a3, a4, a5, a6);
        if (r.failed()) throw new SysException(op, r.errno());
        return r.value();
    }

    /** Closes a raw descriptor; errors are ignored (after close(2) the descriptor is gone either way). */
    static void close(int fd) {
        call(SYS_CLOSE, fd, 0, 0, 0, 0, 0);
    }

    private static int pageSize() {
        try {
            return (int) GETPAGESIZE.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
