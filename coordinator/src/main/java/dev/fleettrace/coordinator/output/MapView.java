package dev.fleettrace.coordinator.output;

import dev.fleettrace.plan.FieldKind;
import dev.fleettrace.plan.MapSchema;
import java.util.ArrayList;
import java.util.List;

/**
 * A map's merged rows, ready to order and print, in no particular order yet.
 *
 * @param hostShown VALUE maps: whether each row's key starts with its host (see {@link HostRule})
 */
public record MapView(MapSchema schema, boolean hostShown, List<Row> rows) {

    public MapView {
        rows = List.copyOf(rows);
    }

    public String name() {
        return schema.name();
    }

    /** Kinds of the printed key parts: the host (a string) first when shown, then the schema's. */
    public List<FieldKind> keyKinds() {
        if (!hostShown) return schema.key();
        List<FieldKind> k = new ArrayList<>(schema.key().size() + 1);
        k.add(FieldKind.STRING);
        k.addAll(schema.key());
        return k;
    }

    public boolean keyed() {
        return hostShown || !schema.key().isEmpty();
    }
}
