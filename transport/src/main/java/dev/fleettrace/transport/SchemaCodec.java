package dev.fleettrace.transport;

import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.FieldKind;
import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.schemas.MapSchemaRecord;

/** {@link MapSchema} to and from its wire form; the enums share their constant names. */
public final class SchemaCodec {
    private SchemaCodec() {}

    public static MapSchema fromRecord(MapSchemaRecord r) {
        return new MapSchema(r.getName(), AggKind.valueOf(r.getKind().name()),
                r.getKey().stream().map(k -> FieldKind.valueOf(k.name())).toList(),
                FieldKind.valueOf(r.getValue().name()), r.getLhistMin(), r.getLhistMax(), r.getLhistStep());
    }

    public static MapSchemaRecord toRecord(MapSchema s) {
        return MapSchemaRecord.newBuilder()
                .setName(s.name())
                .setKind(dev.fleettrace.schemas.AggKind.valueOf(s.kind().name()))
                .setKey(s.key().stream().map(k -> dev.fleettrace.schemas.FieldKind.valueOf(k.name())).toList())
                .setValue(dev.fleettrace.schemas.FieldKind.valueOf(s.value().name()))
                .setLhistMin(s.lhistMin())
                .setLhistMax(s.lhistMax())
                .setLhistStep(s.lhistStep())
                .build();
    }
}
