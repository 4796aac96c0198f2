package dev.fleettrace.compiler.parse;

import dev.fleettrace.compiler.diag.Span;

/**
 * One token. {@code text} is the identifier, map or variable name (without {@code @}/{@code $}), the
 * decoded string literal, or the raw attach point; {@code value} holds integer literals and positional
 * parameter numbers. {@code span} is the token's location as bpftrace's lexer gives it, which
 * diagnostics point at: it begins where the last whitespace ended, so it may take in the tokens
 * just before (see {@link Lexer}). {@code start} is where the token's own text begins.
 */
public record Token(TokenKind kind, String text, long value, Span span, int start) {

    public boolean is(TokenKind k) {
        return kind == k;
    }

    public boolean isIdent(String name) {
        return kind == TokenKind.IDENT && text.equals(name);
    }

    public String describe() {
        return switch (kind) {
            case IDENT -> text;
            case MAP -> "@" + text;
            case VAR -> "$" + text;
            case INT -> Long.toString(value);
            case STRING -> "string";
            default -> kind.display();
        };
    }
}
