package dev.fleettrace.compiler.ast;

import dev.fleettrace.compiler.diag.Span;
import java.util.List;

/** {@code { stmt; stmt; ... }}. */
public record Block(List<Stmt> stmts, Span span) implements Node {
    public Block {
        stmts = List.copyOf(stmts);
    }
}
