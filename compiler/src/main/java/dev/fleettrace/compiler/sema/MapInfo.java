package dev.fleettrace.compiler.sema;

import dev.fleettrace.compiler.diag.Span;
import dev.fleettrace.plan.AggKind;
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
}
