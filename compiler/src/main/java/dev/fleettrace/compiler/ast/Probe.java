package dev.fleettrace.compiler.ast;

import dev.fleettrace.compiler.diag.Span;
import java.util.List;
import java.util.Optional;

/**
 * {@code attach, points /predicate/ { body }}. {@code predicateSpan}: the predicate from slash to slash
 * (where bpftrace reports its type), {@link Span#NONE} without one.
 */
public record Probe(List<AttachPointSpec> attachPoints, Optional<Expr> predicate, Span predicateSpan, Block body, Span span) implements Node {
    public Probe {
        attachPoints = List.copyOf(attachPoints);
    }
}
