package dev.fleettrace.compiler.ast;

import dev.fleettrace.compiler.diag.Span;
import java.util.List;
import java.util.Optional;

/** Expressions. */
public sealed interface Expr extends Node {

    /** An integer literal, held as its 64-bit pattern. */
    record IntLit(long value, Span span) implements Expr {}

    /** A string literal; one char per byte (ISO-8859-1), as the kernel sees strings. */
    record StrLit(String value, Span span) implements Expr {}

    /** A builtin variable: {@code pid}, {@code comm}, {@code nsecs}, {@code arg0}, {@code args}, ... */
    record Builtin(String name, Span span) implements Expr {}

    /** {@code $1}, {@code $2}, ...: a positional parameter. */
    record Positional(int index, Span span) implements Expr {}

    /** {@code $#}: the number of positional parameters. */
    record ParamCount(Span span) implements Expr {}

    /** {@code @name} or {@code @name[key, ...]}; an empty key list means no key. */
    record MapRef(String name, List<Expr> keys, Span span) implements Expr {
        public MapRef {
            keys = List.copyOf(keys);
        }

        /** {@code @} or {@code @name}, as bpftrace prints it. */
        public String displayName() {
            return "@" + name;
        }
    }

    /** {@code $name}: a scratch variable, local to one probe. */
    record Var(String name, Span span) implements Expr {}

    /** {@code name(args...)}: a builtin function or an aggregation; {@code nameSpan} is its name's location. */
    record Call(String name, List<Expr> args, Span span, Span nameSpan) implements Expr {
        public Call {
            args = List.copyOf(args);
        }
    }

    /**
     * {@code left op right}. {@code span} runs from the left operand's location to the right's (where
     * bpftrace reports the operands' type mismatch); {@code opSpan} is the operator's own location,
     * where bpftrace reports an operator its operands do not allow.
     */
    record Binary(BinOp op, Expr left, Expr right, Span span, Span opSpan) implements Expr {}

    record Unary(UnOp op, Expr operand, Span span) implements Expr {}

    /** {@code x++}, {@code ++x}, {@code x--}, {@code --x} on a map or a variable. */
    record IncDec(Expr target, boolean increment, boolean prefix, Span span) implements Expr {}

    record Ternary(Expr cond, Expr then, Expr otherwise, Span span) implements Expr {}

    /** {@code e.field} or {@code e->field}. */
    record Field(Expr target, String field, boolean arrow, Span span) implements Expr {}

    /** {@code e[index]} on an array or a pointer. */
    record Index(Expr target, Expr index, Span span) implements Expr {}

    /** {@code (type)e}. */
    record Cast(TypeName type, Expr operand, Span span) implements Expr {}

    /** {@code (a, b, ...)}. */
    record Tuple(List<Expr> elements, Span span) implements Expr {
        public Tuple {
            elements = List.copyOf(elements);
        }
    }

    /** {@code sizeof(type)} or {@code sizeof(expr)}. */
    record Sizeof(Optional<TypeName> type, Optional<Expr> operand, Span span) implements Expr {}

    /** {@code offsetof(struct x, field)}. */
    record Offsetof(TypeName type, String field, Span span) implements Expr {}
}
