package dev.fleettrace.compiler.ast;

import dev.fleettrace.compiler.diag.Span;
import java.util.List;
import java.util.Optional;

/** {@code attach, points /predicate/ { body }}. */
public record Probe(List<AttachPointSpec> attachPoints, Optional<Expr> predicate, Block body, Span span) implements Node {
    public Probe {
        attachPoints = List.copyOf(attachPoints);
    }
}
