package dev.fleettrace.compiler.ast;

import dev.fleettrace.compiler.diag.Span;
import java.util.List;

/** A whole bpftrace program: its probes in source order. */
public record Program(List<Probe> probes, Span span) implements Node {
    public Program {
        probes = List.copyOf(probes);
    }
}
