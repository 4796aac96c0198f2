package dev.fleettrace.coordinator.output;

import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.FieldKind;
import dev.fleettrace.plan.MapSchema;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * bpftrace 0.17's text output of {@code print(@m)}.
 *
 * <ul>
 *   <li>One row per line, {@code @name[k1, k2]: value} ({@code @name: value} without a key), rows joined
 *       by a newline and the map ended by one; so an empty map prints an empty line.
 *   <li>avg and stats end with an extra newline (0.17's {@code map_stats} writes two): a blank line
 *       after them, also when empty. stats reads {@code count N, average A, total T}.
 *   <li>hist and lhist: {@code @name[k]: } then its bucket lines; keys joined by a newline, so a blank
 *       line between keys and after the map; a key whose buckets are all zero prints no bucket line.
 *   <li>Integer key parts print as signed 64-bit (0.17 widens integer keys to 64 bits and prints them
 *       signed); strings raw (no quotes, no escaping); stacks as their text.
 *   <li>A map of stack values joins its rows with nothing (the stack text brings its own newlines).
 * </ul>
 */
public record TextPrinter() implements Printer {

    @Override
    public String print(MapView map, long top, long divArg) {
        MapSchema s = map.schema();
        List<Row> rows = MapOrdering.order(map);
        long div = Printer.divisor(divArg);
        int skip = s.kind() == AggKind.STATS ? 0 : Printer.skipped(rows.size(), top);
        List<String> elems = new ArrayList<>(rows.size() - skip);
        for (Row r : rows.subList(skip, rows.size())) {
            String key = key(map, r);
            elems.add(switch (r.value()) {
                case Row.Value.Counts c -> key + ": \n" + (s.kind() == AggKind.HIST
                        ? HistFormat.text(c.counts(), div)
                        : HistFormat.textLinear(c.counts(), s.lhistMin(), s.lhistMax(), s.lhistStep()));
                case Row.Value.Average a -> key + ": " + (s.kind() == AggKind.STATS
                        ? "count " + a.count() + ", average " + a.average() + ", total " + a.total()
                        : Long.toString(a.average() / div));
                case Row.Value.Scalar v -> key + ": " + Scalars.format(s, v.value(), div);
                case Row.Value.Text t when s.value() == FieldKind.TUPLE -> key + ": " + Tuples.text(t.bytes());
                case Row.Value.Text t -> key + ": " + new String(t.bytes(), StandardCharsets.ISO_8859_1);
            });
        }
        String delim = s.kind() == AggKind.VALUE && s.value() == FieldKind.STACK ? "" : "\n";
        String end = s.kind() == AggKind.AVG || s.kind() == AggKind.STATS ? "\n\n" : "\n";
        return String.join(delim, elems) + end;
    }

    @Override
    public String printf(String text) {
        return text;
    }

    @Override
    public String attached(int probes) {
        return "Attaching " + probes + " probe" + (probes == 1 ? "" : "s") + "...\n";
    }

    @Override
    public String time(String text) {
        return text;
    }

    @Override
    public String join(String text) {
        return text + "\n";
    }

    @Override
    public String system(String text) {
        return text;
    }

    @Override
    public String value(Object value) {
        return render(value) + "\n";
    }

    /** A value as bpftrace's text output shows it: integers in decimal, strings raw, tuples as {@code (1, a)}. */
    static String render(Object value) {
        return switch (value) {
            case Long l -> Long.toString(l);
            case byte[] b -> new String(b, StandardCharsets.ISO_8859_1);
            case java.util.List<?> t -> "(" + String.join(", ", t.stream().map(TextPrinter::render).toList()) + ")";
            default -> throw new IllegalArgumentException("not a bpftrace value: " + value);
        };
    }

    private static String key(MapView map, Row r) {
        if (!map.keyed()) return map.name();
        List<FieldKind> kinds = map.keyKinds();
        StringBuilder sb = new StringBuilder(map.name()).append('[');
        for (int i = 0; i < kinds.size(); i++) {
            if (i > 0) sb.append(", ");
            sb.append(switch (r.key().get(i)) {
                case Long l -> Scalars.keyPart(kinds.get(i), l);
                case byte[] b -> new String(b, StandardCharsets.ISO_8859_1);
                default -> throw new IllegalStateException("key part " + r.key().get(i));
            });
        }
        return sb.append(']').toString();
    }
}
