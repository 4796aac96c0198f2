package dev.fleettrace.coordinator.output;

import dev.fleettrace.plan.FieldKind;
import dev.fleettrace.plan.MapSchema;

/** How 0.17 prints a one-number value, and divides it for {@code print(@m, top, div)}. */
final class Scalars {
    private Scalars() {}

    /**
     * count and max are {@code uint64} in 0.17; min is {@code int64}; sum and integer VALUE maps are
     * signed or not as the expression was ({@link MapSchema#value()}). Division truncates like C++'s.
     */
    static String format(MapSchema s, long v, long div) {
        boolean signed = switch (s.kind()) {
            case COUNT, MAX -> false;
            case MIN -> true;
            case SUM, VALUE -> s.value() != FieldKind.UINT;
            case AVG, STATS, HIST, LHIST -> throw new IllegalArgumentException(s.name() + " has no scalar value");
        };
        return signed ? Long.toString(v / div) : Long.toUnsignedString(Long.divideUnsigned(v, div));
    }

    /** An integer key part as 0.17 prints it, in text and JSON alike: signed 64-bit, a pointer as {@code 0x} and hex. */
    static String keyPart(FieldKind kind, long v) {
        return kind == FieldKind.POINTER ? "0x" + Long.toHexString(v) : Long.toString(v);
    }
}
