package dev.fleettrace.agent.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.agent.kernel.programs.VerifierException;
import dev.fleettrace.agent.sys.Errno;
import dev.fleettrace.agent.sys.SysException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Failed system calls become messages for the user: one line of cause, one of remedy. */
class KernelExceptionTest {

    private static SysException sys(String op, int errno) {
        return new SysException(op, errno);
    }

    @Test
    void notRootSaysToUseSudo() {
        KernelException e = KernelException.of("creating map counts", sys("BPF_MAP_CREATE", Errno.EPERM), false);
        assertInstanceOf(KernelException.NotPermitted.class, e);
        assertEquals("creating map counts was refused: loading BPF programs needs root (or CAP_BPF and CAP_PERFMON)", e.problem());
        assertEquals("run fleettrace with sudo", e.remedy());
        assertEquals(e.problem() + "\n" + e.remedy(), e.getMessage());
    }

    @Test
    void rootRefusedPointsAtTheKernel() {
        KernelException e = KernelException.of("attaching tracepoint:a:b", sys("perf_event_open", Errno.EACCES), true);
        assertInstanceOf(KernelException.NotPermitted.class, e);
        assertTrue(e.problem().contains("although fleettrace runs as root"), e.problem());
        assertTrue(e.remedy().contains("lockdown"), e.remedy());
    }

    @Test
    void errnosMapToKinds() {
        assertInstanceOf(KernelException.Unsupported.class, KernelException.of("running BEGIN", sys("BPF_PROG_TEST_RUN", Errno.ENOTSUPP), true));
        assertInstanceOf(KernelException.Unsupported.class, KernelException.of("x", sys("BPF_LINK_CREATE", Errno.EOPNOTSUPP), true));
        KernelException e = KernelException.of("creating map big", sys("BPF_MAP_CREATE", Errno.ENOMEM), true);
        assertInstanceOf(KernelException.SystemFailure.class, e);
        assertEquals("creating map big failed: BPF_MAP_CREATE returned ENOMEM (Cannot allocate memory)", e.problem());
        assertInstanceOf(KernelException.SystemFailure.class, KernelException.of("x", sys("BPF_MAP_CREATE", Errno.EMFILE), true));
        assertEquals(2, KernelException.of("x", sys("y", 200), true).getMessage().lines().count());
    }

    @Test
    void verifierRejectionKeepsTheLog() {
        VerifierException v = new VerifierException("p", Errno.EACCES, "0: (95) exit\nR0 !read_ok\nprocessed 1 insns\n");
        KernelException e = KernelException.of("tracepoint:a:b", v, true);
        KernelException.VerifierRejected r = assertInstanceOf(KernelException.VerifierRejected.class, e);
        assertEquals("tracepoint:a:b", r.probe());
        assertEquals("R0 !read_ok (at 0: (95) exit)", r.summary());
        assertSame(v.log(), r.log());
        assertSame(v, r.getCause());
        assertTrue(r.getMessage().endsWith("verifier log (last 20 lines):\n0: (95) exit\nR0 !read_ok\nprocessed 1 insns"), r.getMessage());
    }

    @Test
    void unreadableTracefsIsAPermissionProblem() {
        KernelException e = KernelException.io("reading the id of tracepoint:a:b", new AccessDeniedException("/sys/kernel/tracing/events/a/b/id"));
        assertInstanceOf(KernelException.NotPermitted.class, e);
        KernelException u = new KernelException.UnknownTracepoint("tracepoint:a:nope", Path.of("/sys/kernel/tracing"));
        assertEquals("tracepoint:a:nope does not exist on this kernel", u.problem());
        assertTrue(u.remedy().contains("/sys/kernel/tracing/available_events"), u.remedy());
    }
}
