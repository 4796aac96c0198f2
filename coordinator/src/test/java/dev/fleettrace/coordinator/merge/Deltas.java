package dev.fleettrace.coordinator.merge;

import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.CanonicalKey;
import dev.fleettrace.plan.FieldKind;
import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.DeltaBatch;
import dev.fleettrace.schemas.DeltaEntry;
import dev.fleettrace.schemas.MapDelta;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/** Random deltas of every kind, and a canonical dump of merged state to compare states by. */
final class Deltas {
    private Deltas() {}

    static final List<MapSchema> AGGREGATES = List.of(
            MapSchema.of("@c", AggKind.COUNT, List.of(FieldKind.INT), FieldKind.UINT),
            MapSchema.of("@cs", AggKind.COUNT, List.of(), FieldKind.UINT),
            MapSchema.of("@s", AggKind.SUM, List.of(FieldKind.STRING, FieldKind.INT), FieldKind.INT),
            MapSchema.of("@mn", AggKind.MIN, List.of(FieldKind.INT), FieldKind.INT),
            MapSchema.of("@mx", AggKind.MAX, List.of(FieldKind.STRING), FieldKind.INT),
            MapSchema.of("@a", AggKind.AVG, List.of(FieldKind.INT), FieldKind.INT),
            MapSchema.of("@st", AggKind.STATS, List.of(), FieldKind.INT),
            MapSchema.of("@h", AggKind.HIST, List.of(FieldKind.INT), FieldKind.INT),
            new MapSchema("@l", AggKind.LHIST, List.of(FieldKind.STRING), FieldKind.INT, 0, 100, 10));

    static final MapSchema VALUES = MapSchema.of("@v", AggKind.VALUE, List.of(FieldKind.INT), FieldKind.INT);
    static final MapSchema TEXTS = MapSchema.of("@t", AggKind.VALUE, List.of(FieldKind.INT), FieldKind.STRING);

    static byte[] key(MapSchema s, Random r) {
        Object[] parts = new Object[s.key().size()];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = switch (s.key().get(i)) {
                case INT, UINT, POINTER -> (long) (r.nextInt(12) - 3) * (r.nextInt(20) == 0 ? Long.MAX_VALUE / 7 : 1);
                case STRING, STACK -> "k" + r.nextInt(9);
                case TUPLE -> throw new IllegalArgumentException("the generated schemas have no tuple keys");
            };
        }
        return CanonicalKey.of(parts);
    }

    static long value(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> r.nextLong();
            case 1 -> r.nextInt(2001) - 1000;
            default -> r.nextInt(100);
        };
    }

    static DeltaEntry entry(MapSchema s, Random r) {
        List<Long> v = switch (s.kind()) {
            case COUNT -> List.of((long) r.nextInt(50));
            case SUM, MIN, MAX -> List.of(value(r));
            case AVG, STATS -> List.of((long) r.nextInt(50), value(r));
            case HIST, LHIST -> {
                int slots = Buckets.slots(s);
                List<Long> pairs = new ArrayList<>();
                for (int i = r.nextInt(4); i >= 0; i--) {
                    pairs.add((long) r.nextInt(slots));
                    pairs.add((long) r.nextInt(30));
                }
                yield pairs;
            }
            case VALUE -> s.value() == FieldKind.STRING ? List.of() : List.of(value(r));
        };
        boolean deleted = s.kind() == AggKind.VALUE && r.nextInt(5) == 0;
        ByteBuffer text = s.kind() == AggKind.VALUE && s.value() == FieldKind.STRING && !deleted
                ? ByteBuffer.wrap(("v" + r.nextInt(100)).getBytes(StandardCharsets.UTF_8)) : null;
        return DeltaEntry.newBuilder().setKey(ByteBuffer.wrap(key(s, r))).setValues(deleted ? List.of() : v)
                .setBytesValue(text).setDeleted(deleted).build();
    }

    static DeltaBatch batch(List<MapSchema> schemas, Random r, long window) {
        List<MapDelta> maps = new ArrayList<>();
        for (MapSchema s : schemas) {
            if (r.nextInt(3) == 0) continue;
            List<DeltaEntry> es = new ArrayList<>();
            for (int i = r.nextInt(6); i >= 0; i--) es.add(entry(s, r));
            maps.add(MapDelta.newBuilder().setMap(s.name()).setEntries(es).build());
        }
        return DeltaBatch.newBuilder().setWindow(window).setLast(false).setMaps(maps).build();
    }

    static AgentRecord record(String agent, long incarnation, long seq, Object body) {
        return AgentRecord.newBuilder().setJob("j").setAgent(agent).setIncarnation(incarnation).setSeq(seq).setTimestampMs(0).setBody(body).build();
    }

    /** One batch made of several: every map delta of each, in order (what an agent flushing less often sends). */
    static DeltaBatch concat(List<DeltaBatch> bs) {
        List<MapDelta> maps = new ArrayList<>();
        for (DeltaBatch b : bs) maps.addAll(b.getMaps());
        return DeltaBatch.newBuilder().setWindow(bs.getFirst().getWindow()).setLast(false).setMaps(maps).build();
    }

    /** Map name to hex key (host-prefixed for VALUE maps) to values, sorted: equal dumps mean equal states. */
    static Map<String, Map<String, String>> dump(FleetState st) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        HexFormat hex = HexFormat.of();
        st.maps().forEach((name, m) -> {
            Map<String, String> rows = new TreeMap<>();
            switch (m) {
                case AggregateMap a -> a.entries().forEach(e -> rows.put(hex.formatHex(e.key()), java.util.Arrays.toString(e.values())));
                case ValueMap v -> v.entries().forEach(e -> rows.put(e.host() + "/" + hex.formatHex(e.key()),
                        e.text() != null ? new String(e.text(), StandardCharsets.UTF_8) : Long.toString(e.value())));
            }
            out.put(name, rows);
        });
        return out;
    }
}
