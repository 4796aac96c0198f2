package dev.fleettrace.coordinator.output;

import dev.fleettrace.plan.FieldKind;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** The two key orders bpftrace 0.17 uses, over a view's printed key parts. */
final class KeyOrder {
    private KeyOrder() {}

    /**
     * {@code std::map<std::vector<uint8_t>, ...>} order of the raw kernel keys: the order avg, stats and
     * hist rows are in before bpftrace sorts them by value. Every integer key part is 8 bytes
     * little-endian in the kernel (0.17 widens integer keys to 64 bits), so integers compare by their
     * bytes reversed, unsigned; a string compares by its NUL-padded bytes, i.e. unsigned, a prefix first.
     * Stacks: their text (the kernel key is a stack id we do not have).
     */
    static Comparator<Row> raw(List<FieldKind> kinds) {
        return (a, b) -> {
            for (int i = 0; i < kinds.size(); i++) {
                int c = switch (kinds.get(i)) {
                    case INT, UINT, POINTER -> Long.compareUnsigned(Long.reverseBytes((Long) a.key().get(i)), Long.reverseBytes((Long) b.key().get(i)));
                    case STRING, STACK, TUPLE -> Arrays.compareUnsigned((byte[]) a.key().get(i), (byte[]) b.key().get(i));
                };
                if (c != 0) return c;
            }
            return 0;
        };
    }

    /**
     * bpftrace's {@code sort_by_key}: stable sorts from the last key part to the first, so the first part
     * is most significant; integers compare as unsigned 64-bit (so -1 sorts after 7, as recorded),
     * strings with {@code strncmp}. Stacks are not compared by bpftrace (their order is the kernel's hash
     * order); here they fall back to {@link #raw} so the output is deterministic.
     */
    static Comparator<Row> sortByKey(List<FieldKind> kinds) {
        Comparator<Row> byParts = (a, b) -> {
            for (int i = 0; i < kinds.size(); i++) {
                int c = switch (kinds.get(i)) {
                    case INT, UINT, POINTER -> Long.compareUnsigned((Long) a.key().get(i), (Long) b.key().get(i));
                    case STRING, TUPLE -> Arrays.compareUnsigned((byte[]) a.key().get(i), (byte[]) b.key().get(i));
                    case STACK -> 0;
                };
                if (c != 0) return c;
            }
            return 0;
        };
        return byParts.thenComparing(raw(kinds));
    }
}
