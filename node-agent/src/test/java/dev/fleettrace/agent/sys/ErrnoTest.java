package dev.fleettrace.agent.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ErrnoTest {

    @Test
    void namesAndDescriptions() {
        assertEquals("EPERM", Errno.name(1));
        assertEquals("ENOENT", Errno.name(2));
        assertEquals("E2BIG", Errno.name(7));
        assertEquals("ENOTSUPP", Errno.name(524));
        assertEquals("errno 200", Errno.name(200));
        assertEquals("Operation not permitted", Errno.describe(Errno.EPERM));
    }

    @Test
    void exceptionCarriesErrnoAndOperation() {
        SysException e = new SysException("BPF_MAP_CREATE", Errno.EPERM, "map counts");
        assertEquals(1, e.errno());
        assertEquals("EPERM", e.errnoName());
        assertEquals("BPF_MAP_CREATE", e.operation());
        assertEquals("BPF_MAP_CREATE: EPERM (Operation not permitted): map counts", e.getMessage());
    }
}
