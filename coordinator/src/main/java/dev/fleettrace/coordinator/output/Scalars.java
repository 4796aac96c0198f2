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
}
