package dev.fleettrace.agent.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.testkit.KernelAssumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("kernel")
class SysKernelTest {

    @BeforeEach
    void kernel() {
        KernelAssumptions.assumeBpf();
    }

    @Test
    void errnoIsCapturedAfterTheCall() {
        SysException e = assertThrows(SysException.class, () -> PerfEvent.openTracepoint(Long.MAX_VALUE, -1, 0));
        assertTrue(e.errno() == Errno.ENOENT || e.errno() == Errno.EINVAL, e.getMessage());
        assertEquals("perf_event_open", e.operation());
        assertTrue(Bpf.progById(Integer.MAX_VALUE).isEmpty(), "ENOENT is no program");
    }

    @Test
    void fdClosesOnceAndRefusesUseAfterClose() {
        Fd fd = Bpf.mapCreate(1, 4, 4, 1, 0, "fdtest");
        int id = Bpf.mapInfo(fd).id();
        fd.close();
        fd.close();
        assertTrue(fd.isClosed());
        assertThrows(IllegalStateException.class, fd::raw);
        assertTrue(fd.toString().endsWith("(closed)"));
        assertTrue(id > 0);
    }

    @Test
    void aForgottenFdIsClosedByTheCleaner() throws Exception {
        int id = forgottenMap();
        long deadline = System.nanoTime() + 10_000_000_000L;
        boolean gone = false;
        while (!gone && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
            var fd = Bpf.mapById(id);
            gone = fd.isEmpty();
            fd.ifPresent(Fd::close);
        }
        assertTrue(gone, "map " + id + " still exists after its Fd became unreachable");
    }

    private static int forgottenMap() {
        Fd fd = Bpf.mapCreate(1, 4, 4, 1, 0, "forgotten");
        return Bpf.mapInfo(fd).id();
    }

    @Test
    @SuppressWarnings("try") // closing inside the block tests that close is idempotent
    void ringBufferSizeMustBeAPowerOfTwoPages() {
        try (Fd fd = Bpf.mapCreate(27, 0, 0, 4096, 0, "rbtest")) {
            assertThrows(IllegalArgumentException.class, () -> RingBuffer.open(fd, 3 * 4096));
            try (RingBuffer rb = RingBuffer.open(fd, 4096)) {
                assertTrue(!rb.available());
                assertEquals(0, rb.consume(b -> {}));
                assertTrue(!rb.await(1));
                rb.close();
                assertThrows(IllegalStateException.class, rb::available);
            }
        }
    }
}
