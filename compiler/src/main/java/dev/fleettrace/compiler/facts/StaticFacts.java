package dev.fleettrace.compiler.facts;

import java.util.List;
import java.util.Optional;

/** Facts given up front: fixtures for tests, or facts shipped from elsewhere. */
record StaticFacts(int possibleCpus, List<TracepointFormat> formats) implements KernelFacts {

    @Override
    public Optional<TracepointFormat> tracepoint(String category, String event) {
        return formats.stream().filter(f -> f.category().equals(category) && f.event().equals(event)).findFirst();
    }

    @Override
    public List<String> tracepoints() {
        return formats.stream().map(f -> f.category() + ":" + f.event()).toList();
    }
}
