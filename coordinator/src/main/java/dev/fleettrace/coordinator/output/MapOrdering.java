package dev.fleettrace.coordinator.output;

import dev.fleettrace.plan.FieldKind;
import dev.fleettrace.plan.MapSchema;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The order in which bpftrace 0.17 prints a map's rows (its {@code print_map}, {@code print_map_stats},
 * {@code print_map_hist}): ascending, always.
 *
 * <ul>
 *   <li>count, sum, min, max and integer VALUE maps: by value (count and max unsigned; sum and VALUE as
 *       their type is signed; min signed). bpftrace starts from the kernel's hash iteration order, which
 *       is random per map, so its order of equal values is unspecified: here ties go by
 *       {@link KeyOrder#sortByKey}, deterministically.
 *   <li>string and stack VALUE maps: by key ({@link KeyOrder#sortByKey}).
 *   <li>avg and stats: by average, signed; hist and lhist: by the sum of all bucket counts. bpftrace
 *       starts these from {@code std::map} order of the raw keys and sorts with {@code std::sort}, so
 *       tied rows come out in a reproducible order: {@link KeyOrder#raw} then {@link StdSort}.
 * </ul>
 */
public final class MapOrdering {
    private MapOrdering() {}

    public static List<Row> order(MapView view) {
        MapSchema s = view.schema();
        List<FieldKind> kinds = view.keyKinds();
        List<Row> rows = new ArrayList<>(view.rows());
        switch (s.kind()) {
            case COUNT, MAX -> rows.sort(byScalar(false).thenComparing(KeyOrder.sortByKey(kinds)));
            case MIN -> rows.sort(byScalar(true).thenComparing(KeyOrder.sortByKey(kinds)));
            case SUM -> rows.sort(byScalar(s.value() != FieldKind.UINT).thenComparing(KeyOrder.sortByKey(kinds)));
            case VALUE -> {
                if (s.value() == FieldKind.INT || s.value() == FieldKind.UINT)
                    rows.sort(byScalar(s.value() == FieldKind.INT).thenComparing(KeyOrder.sortByKey(kinds)));
                else rows.sort(KeyOrder.sortByKey(kinds));
            }
            case AVG, STATS -> {
                rows.sort(KeyOrder.raw(kinds));
                StdSort.sort(rows, Comparator.comparingLong((Row r) -> ((Row.Value.Average) r.value()).average()));
            }
            case HIST, LHIST -> {
                rows.sort(KeyOrder.raw(kinds));
                StdSort.sort(rows, (a, b) -> Long.compareUnsigned(((Row.Value.Counts) a.value()).total(), ((Row.Value.Counts) b.value()).total()));
            }
        }
        return rows;
    }

    private static Comparator<Row> byScalar(boolean signed) {
        return signed
                ? Comparator.comparingLong(r -> ((Row.Value.Scalar) r.value()).value())
                : (a, b) -> Long.compareUnsigned(((Row.Value.Scalar) a.value()).value(), ((Row.Value.Scalar) b.value()).value());
    }
}
