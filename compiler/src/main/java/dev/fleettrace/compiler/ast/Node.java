package dev.fleettrace.compiler.ast;

import dev.fleettrace.compiler.diag.Span;

/** Every syntax node knows the source it came from. */
public sealed interface Node permits Program, Probe, AttachPointSpec, Block, Stmt, Expr {
    Span span();
}
