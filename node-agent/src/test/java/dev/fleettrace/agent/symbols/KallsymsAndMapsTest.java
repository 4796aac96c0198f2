package dev.fleettrace.agent.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Kernel and process symbol tables, parsed from their text. */
class KallsymsAndMapsTest {

    @Test
    void kernelAddressesResolveToTheSymbolBelowThem() {
        Kallsyms k = Kallsyms.parse("""
                0000000000000000 A fixed_percpu_data
                ffffffff81000000 T _stext
                ffffffff814b29a0 T perf_syscall_enter
                ffffffff814b2c00 t helper
                ffffffffc0a01000 t xfs_foo\t[xfs]
                """);
        assertEquals(4, k.size(), "zero addresses (what non-root sees) are left out");
        assertEquals(new Kallsyms.Resolved("perf_syscall_enter", 397), k.resolve(0xffffffff814b29a0L + 397).orElseThrow());
        assertEquals("xfs_foo", k.resolve(0xffffffffc0a01010L).orElseThrow().name(), "module symbols without their module");
        assertTrue(k.resolve(0x1000).isEmpty());
        assertEquals(0xffffffff814b29a0L, k.address("perf_syscall_enter").orElseThrow());
    }

    @Test
    void userAddressesLocateTheirFileAndOffset() {
        ProcessMaps m = ProcessMaps.parse("""
                55d0c1d2e000-55d0c1d2f000 r--p 00000000 08:01 1234                       /usr/bin/pwl
                55d0c1d2f000-55d0c1d30000 r-xp 00001000 08:01 1234                       /usr/bin/pwl
                7f0000000000-7f0000021000 rw-p 00000000 00:00 0                          [heap]
                7f9684600000-7f9684626000 r--p 00000000 08:01 99                         /usr/lib/x86_64-linux-gnu/libc.so.6
                7f9684626000-7f968477b000 r-xp 00026000 08:01 99                         /usr/lib/x86_64-linux-gnu/libc.so.6
                """);
        assertEquals(new ProcessMaps.Location("/usr/bin/pwl", 0x1340), m.locate(0x55d0c1d2f340L).orElseThrow());
        assertEquals(new ProcessMaps.Location("/usr/lib/x86_64-linux-gnu/libc.so.6", 0x26000 + 0x10), m.locate(0x7f9684626010L).orElseThrow());
        assertTrue(m.locate(0x7f0000000010L).isEmpty(), "anonymous memory has no file");
    }
}
