package dev.fleettrace.agent.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.plan.EventArg;
import dev.fleettrace.plan.EventSpec;
import dev.fleettrace.plan.FieldKind;
import dev.fleettrace.schemas.EventKind;
import dev.fleettrace.schemas.ProbeEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventDecoderTest {

    private static final EventSpec.Printf PRINTF = new EventSpec.Printf(0, 32, "%s got %d\n",
            List.of(new EventArg(FieldKind.STRING, 8, 16), new EventArg(FieldKind.INT, 24, 8)), false);
    private static final EventSpec.Exit EXIT = new EventSpec.Exit(1, 8, true);

    private static ByteBuffer record(long id, String s, long v) {
        ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, id);
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        b.put(8, bytes);
        b.putLong(24, v);
        return b;
    }

    @Test
    void formatsPrintfWithItsArguments() {
        ProbeEvent e = new EventDecoder(List.of(PRINTF, EXIT)).decode(record(0, "bpfwl", -7));
        assertEquals(EventKind.PRINTF, e.getKind());
        assertEquals("bpfwl got -7\n", e.getText());
    }

    @Test
    void stringsEndAtTheirNulOrTheirBuffer() {
        // 16 bytes without a NUL: the whole buffer, as bpftrace prints a full comm.
        ProbeEvent e = new EventDecoder(List.of(PRINTF, EXIT)).decode(record(0, "0123456789abcdef", 1));
        assertEquals("0123456789abcdef got 1\n", e.getText());
    }

    @Test
    void exitCarriesWhereItCameFrom() {
        ProbeEvent e = new EventDecoder(List.of(PRINTF, EXIT)).decode(record(1, "", 0));
        assertEquals(EventKind.EXIT, e.getKind());
        assertTrue(e.getBegin());
    }

    @Test
    void refusesRecordsNoSpecDescribes() {
        EventDecoder d = new EventDecoder(List.of(PRINTF, EXIT));
        assertThrows(IllegalArgumentException.class, () -> d.decode(record(7, "", 0)));
        assertThrows(IllegalArgumentException.class, () -> d.decode(ByteBuffer.allocate(4)));
    }

    @Test
    void decodesTheActionsOfKernelProbes() {
        var print = new EventSpec.MapAction(0, 8, EventSpec.MapAction.Action.PRINT, "@m", 3, 10, false);
        var del = new EventSpec.MapAction(1, 24, EventSpec.MapAction.Action.DELETE, "@m", 0, 0,
                List.of(new dev.fleettrace.plan.KeyField(FieldKind.UINT, 0, 8), new dev.fleettrace.plan.KeyField(FieldKind.STRING, 8, 8)), false);
        var value = new EventSpec.PrintValue(2, 16, new EventArg(FieldKind.INT, 8, 8), false);
        var time = new EventSpec.Time(3, 8, "%Y-%m-%d %H:%M:%S\n", false);
        var join = new EventSpec.Join(4, 8 + 3 * 16, ",", 3, 16, false);
        var system = new EventSpec.System(5, 16, "echo %d", List.of(new EventArg(FieldKind.INT, 8, 8)), false);
        var clock = java.time.Clock.fixed(java.time.Instant.parse("2026-03-04T05:06:07Z"), java.time.ZoneOffset.UTC);
        EventDecoder d = new EventDecoder(List.of(print, del, value, time, join, system)).withClock(clock);

        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 0);
        ProbeEvent p = d.decode(b);
        assertEquals(EventKind.PRINT, p.getKind());
        assertEquals("@m", p.getMap());
        assertEquals(3, p.getTop());
        assertEquals(10, p.getDiv());

        b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1).putLong(8, 7);
        b.put(16, "ab".getBytes(StandardCharsets.ISO_8859_1));
        ProbeEvent x = d.decode(b);
        assertEquals(EventKind.DELETE, x.getKind());
        byte[] key = new byte[x.getKey().remaining()];
        x.getKey().duplicate().get(key);
        assertTrue(java.util.Arrays.equals(dev.fleettrace.plan.CanonicalKey.of(7L, "ab".getBytes(StandardCharsets.ISO_8859_1)), key)
                || java.util.Arrays.equals(dev.fleettrace.plan.CanonicalKey.of(7L, "ab"), key), "canonical key of (7, ab)");

        ProbeEvent v = d.decode(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 2).putLong(8, -3));
        assertEquals(EventKind.VALUE, v.getKind());
        assertEquals(-3L, v.getValue());

        assertEquals("2026-03-04 05:06:07\n", d.decode(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 3)).getText());

        b = ByteBuffer.allocate(8 + 48).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 4);
        b.put(8, "true".getBytes(StandardCharsets.ISO_8859_1));
        b.put(24, "a".getBytes(StandardCharsets.ISO_8859_1));
        ProbeEvent j = d.decode(b);
        assertEquals(EventKind.JOIN, j.getKind());
        assertEquals("true,a", j.getText(), "an empty element ends the array");

        ProbeEvent sy = d.decode(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 5).putLong(8, 42));
        assertEquals(EventKind.SYSTEM, sy.getKind());
        assertEquals("echo 42", sy.getText(), "the command line; the job runner runs it");
    }
}
