package dev.fleettrace.coordinator.output;

import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.FieldKind;
import dev.fleettrace.plan.MapSchema;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * bpftrace 0.17's {@code -f json} output of {@code print(@m)}: one line
 * {@code {"type": T, "data": {"@name": V}}}, T being {@code map} (count, sum, min, max, VALUE),
 * {@code stats} (avg and stats) or {@code hist} (hist and lhist).
 *
 * <ul>
 *   <li>An empty map prints nothing at all (not even a newline).
 *   <li>Without a key V is the value; with one, an object whose names are the key parts joined by
 *       {@code ","} ({@code "bpfwl,1"}), in the same order as the text output.
 *   <li>avg: the average; stats: {@code {"count": C, "average": A, "total": T}}; hist: an array of
 *       {@code {"min": lo, "max": hi, "count": n}} ({@code min} left out of the underflow bucket,
 *       {@code max} of lhist's overflow bucket), {@code []} when all zero; strings quoted.
 *   <li>Escaping as 0.17's {@code json_escape} does it, per byte: {@code \" \\ \n \r \t}, and
 *       {@code \\u%04x} of the <em>signed</em> char for the others up to 0x1f — which includes every byte
 *       of 0x80 and above, so UTF-8 {@code é} becomes {@code \uffffffc3\uffffffa9} (recorded).
 * </ul>
 */
public record JsonPrinter() implements Printer {

    @Override
    public String print(MapView map, long top, long divArg) {
        MapSchema s = map.schema();
        List<Row> rows = MapOrdering.order(map);
        if (rows.isEmpty()) return "";
        long div = Printer.divisor(divArg);
        int skip = s.kind() == AggKind.STATS ? 0 : Printer.skipped(rows.size(), top);
        List<String> elems = new ArrayList<>(rows.size() - skip);
        for (Row r : rows.subList(skip, rows.size())) {
            String val = switch (r.value()) {
                case Row.Value.Counts c -> s.kind() == AggKind.HIST
                        ? HistFormat.json(c.counts(), div)
                        : HistFormat.jsonLinear(c.counts(), s.lhistMin(), s.lhistMax(), s.lhistStep());
                case Row.Value.Average a -> s.kind() == AggKind.STATS
                        ? "{\"count\": " + a.count() + ", \"average\": " + a.average() + ", \"total\": " + a.total() + "}"
                        : Long.toString(a.average() / div);
                case Row.Value.Scalar v -> Scalars.format(s, v.value(), div);
                case Row.Value.Text t when s.value() == FieldKind.TUPLE -> Tuples.json(t.bytes());
                case Row.Value.Text t -> "\"" + escape(t.bytes()) + "\"";
            };
            elems.add(map.keyed() ? "\"" + escape(key(map, r)) + "\": " + val : val);
        }
        String type = switch (s.kind()) {
            case COUNT, SUM, MIN, MAX, VALUE -> "map";
            case AVG, STATS -> "stats";
            case HIST, LHIST -> "hist";
        };
        String body = String.join(", ", elems);
        return "{\"type\": \"" + type + "\", \"data\": {\"" + escape(s.name().getBytes(StandardCharsets.UTF_8)) + "\": "
                + (map.keyed() ? "{" + body + "}" : body) + "}}\n";
    }

    /** {@code {"type": "printf", "data": "..."}}, the text escaped as below. */
    @Override
    public String printf(String text) {
        return "{\"type\": \"printf\", \"data\": \"" + escape(text.getBytes(StandardCharsets.ISO_8859_1)) + "\"}\n";
    }

    /** {@code {"type": "attached_probes", "data": {"probes": N}}}. */
    @Override
    public String attached(int probes) {
        return "{\"type\": \"attached_probes\", \"data\": {\"probes\": " + probes + "}}\n";
    }

    /** {@code {"type": "time", "data": "..."}}. */
    @Override
    public String time(String text) {
        return "{\"type\": \"time\", \"data\": \"" + escape(text.getBytes(StandardCharsets.ISO_8859_1)) + "\"}\n";
    }

    /** {@code {"type": "value", "data": V}}: a number, a quoted string, or a tuple as {@code [1,"a"]}. */
    @Override
    public String join(String text) {
        return "{\"type\": \"join\", \"data\": \"" + escape(text.getBytes(StandardCharsets.ISO_8859_1)) + "\"}\n";
    }

    @Override
    public String system(String text) {
        return "{\"type\": \"syscall\", \"data\": \"" + escape(text.getBytes(StandardCharsets.ISO_8859_1)) + "\"}\n";
    }

    @Override
    public String value(Object value) {
        return "{\"type\": \"value\", \"data\": " + json(value) + "}\n";
    }

    private static String json(Object value) {
        return switch (value) {
            case Long l -> Long.toString(l);
            case byte[] b -> "\"" + escape(b) + "\"";
            case List<?> t -> "[" + String.join(",", t.stream().map(JsonPrinter::json).toList()) + "]";
            default -> throw new IllegalArgumentException("not a bpftrace value: " + value);
        };
    }

    /** The key parts' bytes joined by ",". */
    private static byte[] key(MapView map, Row r) {
        List<FieldKind> kinds = map.keyKinds();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < kinds.size(); i++) {
            if (i > 0) out.write(',');
            switch (r.key().get(i)) {
                case Long l -> out.writeBytes(Scalars.keyPart(kinds.get(i), l).getBytes(StandardCharsets.US_ASCII));
                case byte[] b -> out.writeBytes(b);
                default -> throw new IllegalStateException("key part " + r.key().get(i));
            }
        }
        return out.toByteArray();
    }

    static String escape(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length + 8);
        for (byte c : bytes) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c <= 0x1f) {
                        String hex = Integer.toHexString(c);
                        sb.append("\\u");
                        for (int i = hex.length(); i < 4; i++) sb.append('0');
                        sb.append(hex);
                    } else {
                        sb.append((char) c);
                    }
                }
            }
        }
        return sb.toString();
    }
}
