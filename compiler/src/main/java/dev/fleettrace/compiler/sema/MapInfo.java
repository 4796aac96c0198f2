package dev.fleettrace.compiler.sema;

import dev.fleettrace.compiler.diag.Span;
import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.FieldKind;
import dev.fleettrace.plan.MapSchema;
import java.util.List;

/**
 * Everything semantic analysis learned about one bpftrace map.
 *
 * @param keyTypes one type per key part; empty for a map without a key
 * @param value    for VALUE maps the assigned type; for aggregations {@link Type.Agg}
 */
public record MapInfo(String name, AggKind kind, List<Type> keyTypes, Type value, long lhistMin, long lhistMax, long lhistStep, Span firstUse) {

    public MapInfo {
        keyTypes = List.copyOf(keyTypes);
    }

    public boolean scalar() {
        return keyTypes.isEmpty();
    }

    public String displayName() {
        return "@" + name;
    }

    /**
     * The map as an agent reported it, for analysing the coordinator's blocks without the kernel's
     * facts. Strings come back at bpftrace's default length: their exact size only matters in the kernel.
     */
    public static MapInfo fromSchema(MapSchema s) {
        List<Type> key = s.key().stream().map(MapInfo::typeOf).toList();
        Type value = s.kind() == AggKind.VALUE ? typeOf(s.value()) : new Type.Agg(s.kind(), s.value() == FieldKind.INT);
        String name = s.name().startsWith("@") ? s.name().substring(1) : s.name();
        return new MapInfo(name, s.kind(), key, value, s.lhistMin(), s.lhistMax(), s.lhistStep(), Span.NONE);
    }

    private static Type typeOf(FieldKind k) {
        return switch (k) {
            case INT -> Type.Int.INT64;
            case UINT, POINTER -> Type.Int.UINT64;
            case STRING, STACK -> new Type.Str(SemanticAnalyser.STRLEN);
            // The schema does not carry the elements' types: END and interval blocks can print the map, not take it apart.
            case TUPLE -> new Type.Tuple(List.of());
        };
    }
}
