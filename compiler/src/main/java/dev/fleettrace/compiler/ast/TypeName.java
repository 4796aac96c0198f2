package dev.fleettrace.compiler.ast;

import dev.fleettrace.compiler.diag.Span;

/**
 * A type as written in a cast or sizeof: {@code uint8}, {@code int64}, {@code struct task_struct *},
 * {@code char[16]}. {@code pointerDepth} counts the stars; {@code arrayLength} is -1 without brackets.
 */
public record TypeName(String name, int pointerDepth, int arrayLength, Span span) {

    @Override
    public String toString() {
        return name + (pointerDepth > 0 ? " " + "*".repeat(pointerDepth) : "") + (arrayLength >= 0 ? "[" + arrayLength + "]" : "");
    }
}
