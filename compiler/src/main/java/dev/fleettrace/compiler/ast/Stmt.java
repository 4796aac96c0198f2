package dev.fleettrace.compiler.ast;

import dev.fleettrace.compiler.diag.Span;
import java.util.Optional;

/** Statements. Compound assignments and {@code ++}/{@code --} as statements are desugared by the parser. */
public sealed interface Stmt extends Node {

    /** An expression evaluated for its effect: a call such as {@code printf(...)}, {@code @x++}. */
    record ExprStmt(Expr expr, Span span) implements Stmt {}

    /** {@code @map[key] = value}: an aggregation call ({@code count()}) or a plain value. */
    record AssignMap(Expr.MapRef map, Expr value, Span span) implements Stmt {}

    /** {@code $var = value}. */
    record AssignVar(Expr.Var var, Expr value, Span span) implements Stmt {}

    /** {@code if (cond) { then } else ...}; {@code otherwise} is a block or another if. */
    record If(Expr cond, Block then, Optional<Stmt> otherwise, Span span) implements Stmt {}

    /** {@code unroll (n) { body }}. */
    record Unroll(Expr count, Block body, Span span) implements Stmt {}

    /** {@code while (cond) { body }}. */
    record While(Expr cond, Block body, Span span) implements Stmt {}

    /** {@code break}, {@code continue} (in a while), {@code return} (ends the probe). */
    record Jump(JumpKind kind, Span span) implements Stmt {}

    /** A nested {@code { ... }} block. */
    record Nested(Block block, Span span) implements Stmt {}

    enum JumpKind { BREAK, CONTINUE, RETURN }
}
