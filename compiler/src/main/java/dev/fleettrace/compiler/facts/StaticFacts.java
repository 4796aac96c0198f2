package dev.fleettrace.compiler.facts;

import dev.fleettrace.compiler.facts.btf.Btf;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** Facts given up front: fixtures for tests, or facts shipped from elsewhere. */
public final class StaticFacts implements KernelFacts {
    private final int cpus;
    private final List<TracepointFormat> formats;
    private final Btf btf;
    private final Map<String, Binary> binaries;
    private final Map<String, Long> kernelSymbols;
    private final List<String> kernelFunctions;
    private final Map<ProbeFamily, String> unsupported;

    private StaticFacts(Builder b) {
        this.cpus = b.cpus;
        this.formats = List.copyOf(b.formats);
        this.btf = b.btf;
        this.binaries = Map.copyOf(b.binaries);
        this.kernelSymbols = Map.copyOf(b.kernelSymbols);
        this.kernelFunctions = List.copyOf(b.kernelFunctions);
        this.unsupported = Map.copyOf(b.unsupported);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Optional<TracepointFormat> tracepoint(String category, String event) {
        return formats.stream().filter(f -> f.category().equals(category) && f.event().equals(event)).findFirst();
    }

    @Override
    public List<String> tracepoints() {
        return formats.stream().map(f -> f.category() + ":" + f.event()).toList();
    }

    @Override
    public int possibleCpus() {
        return cpus;
    }

    @Override
    public Optional<Btf> btf() {
        return Optional.ofNullable(btf);
    }

    @Override
    public Optional<Binary> binary(String name) {
        return Optional.ofNullable(binaries.get(name));
    }

    @Override
    public OptionalLong kernelSymbol(String name) {
        Long a = kernelSymbols.get(name);
        return a == null ? OptionalLong.empty() : OptionalLong.of(a);
    }

    @Override
    public List<String> kernelFunctions() {
        return kernelFunctions;
    }

    @Override
    public Optional<String> unsupported(ProbeFamily family) {
        return Optional.ofNullable(unsupported.get(family));
    }

    public static final class Builder {
        private int cpus = 1;
        private final List<TracepointFormat> formats = new ArrayList<>();
        private Btf btf;
        private final Map<String, Binary> binaries = new HashMap<>();
        private final Map<String, Long> kernelSymbols = new HashMap<>();
        private final List<String> kernelFunctions = new ArrayList<>();
        private final Map<ProbeFamily, String> unsupported = new EnumMap<>(ProbeFamily.class);

        public Builder cpus(int n) {
            cpus = n;
            return this;
        }

        public Builder tracepoints(List<TracepointFormat> f) {
            formats.addAll(f);
            return this;
        }

        public Builder btf(Btf b) {
            btf = b;
            return this;
        }

        /** {@code binary} answers for {@code name} (and for its own path). */
        public Builder binary(String name, Binary binary) {
            binaries.put(name, binary);
            binaries.put(binary.path(), binary);
            return this;
        }

        public Builder kernelSymbol(String name, long address) {
            kernelSymbols.put(name, address);
            return this;
        }

        public Builder kernelFunctions(List<String> names) {
            kernelFunctions.addAll(names);
            return this;
        }

        public Builder unsupported(ProbeFamily family, String reason) {
            unsupported.put(family, reason);
            return this;
        }

        public StaticFacts build() {
            return new StaticFacts(this);
        }
    }
}
