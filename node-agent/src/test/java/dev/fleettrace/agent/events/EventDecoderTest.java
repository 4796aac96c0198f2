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
}
