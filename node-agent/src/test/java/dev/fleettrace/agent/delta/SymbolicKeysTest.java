package dev.fleettrace.agent.delta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.CanonicalKey;
import dev.fleettrace.plan.FieldKind;
import dev.fleettrace.plan.KeyField;
import dev.fleettrace.plan.MapBinding;
import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.plan.SymbolResolver;
import dev.fleettrace.plan.Symbolic;
import dev.fleettrace.schemas.DeltaEntry;
import dev.fleettrace.schemas.MapDelta;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Stacks leave the agent as text: two hosts whose kernels gave the same stack different ids (each
 * numbers its own stack map) ship the same key, so the coordinator merges them into one.
 */
class SymbolicKeysTest {
    private static final Symbolic KSTACK = new Symbolic(Symbolic.Kind.KSTACK, 127, Symbolic.StackMode.BPFTRACE, 0);
    private static final String STACK = "\n    perf_syscall_enter+397\n    do_syscall_64+506\n";

    private static MapBinding countByStack() {
        return new MapBinding(MapSchema.of("@", AggKind.COUNT, List.of(FieldKind.STACK), FieldKind.UINT), 1,
                List.of(new KeyField(FieldKind.STACK, 0, 8, KSTACK)), -1);
    }

    /** One host: stack id {@code id} holds {@link #STACK}; {@code count} events on one CPU. */
    private static MapDelta host(long id, long count) {
        SymbolResolver resolver = (s, raw, off, key) -> {
            long got = ByteBuffer.wrap(raw, off, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            return (got == id ? STACK : "unknown id " + got).getBytes(StandardCharsets.ISO_8859_1);
        };
        MapTracker t = MapTracker.of(countByStack(), Layout.perCpu(8, 8, 1));
        t.symbols = resolver;
        t.begin();
        t.observe(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(id).array(), 0,
                ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(count).array(), 0);
        return t.finish(null);
    }

    @Test
    void theSameStackFromTwoHostsIsOneKey() {
        DeltaEntry a = host(17, 5).getEntries().getFirst(), b = host(4242, 3).getEntries().getFirst();
        assertEquals(a.getKey(), b.getKey(), "the same canonical key, whatever the ids");
        byte[] key = new byte[a.getKey().remaining()];
        a.getKey().duplicate().get(key);
        assertArrayEquals(CanonicalKey.of(STACK), key);
        assertEquals(List.of(5L), a.getValues());
        assertEquals(List.of(3L), b.getValues());
    }

    @Test
    void aStackValueIsShippedAsItsText() {
        MapBinding values = new MapBinding(MapSchema.of("@v", AggKind.VALUE, List.of(), FieldKind.STACK), 1,
                List.of(), -1, new Symbolic(Symbolic.Kind.KSTACK, 2, Symbolic.StackMode.BPFTRACE, 0));
        MapTracker t = MapTracker.of(values, Layout.shared(8, 8));
        t.symbols = (s, raw, off, key) -> (key ? "key" : "\n        f1\n        f2\n").getBytes(StandardCharsets.ISO_8859_1);
        t.begin();
        t.observe(new byte[8], 0, new byte[8], 0);
        DeltaEntry e = t.finish(null).getEntries().getFirst();
        assertEquals("\n        f1\n        f2\n", StandardCharsets.ISO_8859_1.decode(e.getBytesValue()).toString(), "values indent frames by 8");
    }
}
