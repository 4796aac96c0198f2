package dev.fleettrace.compiler.ast;

import dev.fleettrace.compiler.diag.Span;

/** An attach point as written ({@code t:syscalls:sys_enter_*}); semantic analysis parses and expands it. */
public record AttachPointSpec(String raw, Span span) implements Node {}
