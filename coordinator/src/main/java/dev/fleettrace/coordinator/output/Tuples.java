package dev.fleettrace.coordinator.output;

import dev.fleettrace.plan.TupleLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Tuple values of maps, which the agents ship in {@link TupleLayout}'s canonical form, as bpftrace 0.17
 * prints them: {@code (1, a, (3, n))} in text, {@code [1,"a",[3,"n"]]} in JSON.
 */
public final class Tuples {
    private Tuples() {}

    public static String text(byte[] canonical) {
        return text(TupleLayout.decode(canonical));
    }

    public static String json(byte[] canonical) {
        return json(TupleLayout.decode(canonical));
    }

    /** The coordinator's own form of a value (Long, byte[], List), as blocks compute with it. */
    public static List<Object> objects(byte[] canonical) {
        return objects(TupleLayout.decode(canonical));
    }

    private static String text(TupleLayout.Value v) {
        return switch (v) {
            case TupleLayout.Value.Int i -> i.toString();
            case TupleLayout.Value.Bytes b -> new String(b.bytes(), StandardCharsets.ISO_8859_1);
            case TupleLayout.Value.Tuple t -> "(" + String.join(", ", t.elements().stream().map(Tuples::text).toList()) + ")";
        };
    }

    private static String json(TupleLayout.Value v) {
        return switch (v) {
            case TupleLayout.Value.Int i -> i.toString();
            case TupleLayout.Value.Bytes b -> "\"" + JsonPrinter.escape(b.bytes()) + "\"";
            case TupleLayout.Value.Tuple t -> "[" + String.join(",", t.elements().stream().map(Tuples::json).toList()) + "]";
        };
    }

    private static List<Object> objects(TupleLayout.Value.Tuple t) {
        return t.elements().stream().map(e -> switch (e) {
            case TupleLayout.Value.Int i -> (Object) i.value();
            case TupleLayout.Value.Bytes b -> b.bytes();
            case TupleLayout.Value.Tuple n -> objects(n);
        }).toList();
    }
}
