package dev.fleettrace.agent.kernel.maps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CpusTest {

    @Test
    void countsCpuLists() {
        assertEquals(1, Cpus.count("0\n"));
        assertEquals(2, Cpus.count("0-1\n"));
        assertEquals(8, Cpus.count("0-3,5,7-9"));
        assertEquals(64, Cpus.count("0-63"));
    }

    @Test
    void refusesGarbage() {
        assertThrows(IllegalArgumentException.class, () -> Cpus.count(""));
        assertThrows(IllegalArgumentException.class, () -> Cpus.count("3-1"));
        assertThrows(NumberFormatException.class, () -> Cpus.count("a-b"));
    }

    @Test
    void thisHostHasSome() {
        assertTrue(Cpus.possible() >= 1);
    }

    @Test
    void objectNames() {
        assertEquals("AT_count", BpfMap.objectName("AT_count"));
        assertEquals("_x.y_z", BpfMap.objectName("@x.y-z"));
        assertEquals("abcdefghijklmno", BpfMap.objectName("abcdefghijklmnopq"));
    }
}
