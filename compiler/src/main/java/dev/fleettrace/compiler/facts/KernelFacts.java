package dev.fleettrace.compiler.facts;

import java.util.List;
import java.util.Optional;

/** What the compiler needs to know about the kernel it compiles for. */
public interface KernelFacts {

    /** The format of {@code category:event}, or empty when the kernel has no such tracepoint. */
    Optional<TracepointFormat> tracepoint(String category, String event);

    /** Every tracepoint as {@code category:event}, for wildcard expansion and listing. */
    List<String> tracepoints();

    /** Number of possible CPUs: per-CPU map values come back as this many slots. */
    int possibleCpus();

    /** Facts for a unit test or a front-end check: the given formats and nothing else. */
    static KernelFacts of(int cpus, TracepointFormat... formats) {
        return new StaticFacts(cpus, List.of(formats));
    }

    /** No kernel at all: parse and type-check what can be checked without one. */
    static KernelFacts none() {
        return new StaticFacts(1, List.of());
    }
}
