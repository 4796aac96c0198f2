package dev.fleettrace.compiler.facts;

import dev.fleettrace.compiler.facts.btf.Btf;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/** What the compiler needs to know about the kernel it compiles for. */
public interface KernelFacts {

    /** The format of {@code category:event}, or empty when the kernel has no such tracepoint. */
    Optional<TracepointFormat> tracepoint(String category, String event);

    /** Every tracepoint as {@code category:event}, for wildcard expansion and listing. */
    List<String> tracepoints();

    /** Number of possible CPUs: per-CPU map values come back as this many slots. */
    int possibleCpus();

    /** The kernel's own types (BTF), when it has them: struct layouts, kfunc signatures. */
    default Optional<Btf> btf() {
        return Optional.empty();
    }

    /**
     * The ELF file a uprobe or usdt probe names: an absolute path, or a name looked up as the host
     * looks it up (a program on PATH, a library by its name). Empty when there is no such readable file.
     */
    default Optional<Binary> binary(String name) {
        return Optional.empty();
    }

    /** The address of a kernel symbol (kallsyms), for {@code kaddr("name")}. */
    default OptionalLong kernelSymbol(String name) {
        return OptionalLong.empty();
    }

    /**
     * The id of the cgroup at {@code path} on this host, for {@code cgroupid("path")}; throws with the
     * reason (strerror's text) when there is none.
     */
    default long cgroupId(String path) throws java.io.IOException {
        throw new java.io.IOException("cgroups are not known here");
    }

    /** Kernel functions kprobes can attach to, for wildcards and listing; empty when unknown. */
    default List<String> kernelFunctions() {
        return List.of();
    }

    /** Why this kernel cannot attach probes of {@code family}, or empty when it can (as far as is known). */
    default Optional<String> unsupported(ProbeFamily family) {
        return Optional.empty();
    }

    /** Facts for a unit test or a front-end check: the given formats and nothing else. */
    static KernelFacts of(int cpus, TracepointFormat... formats) {
        return StaticFacts.builder().cpus(cpus).tracepoints(List.of(formats)).build();
    }

    /** No kernel at all: parse and type-check what can be checked without one. */
    static KernelFacts none() {
        return StaticFacts.builder().cpus(1).build();
    }
}
