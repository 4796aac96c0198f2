package dev.fleettrace.compiler.parse;

import dev.fleettrace.compiler.diag.CompileException;
import dev.fleettrace.compiler.diag.Diagnostic;
import dev.fleettrace.compiler.diag.Source;
import dev.fleettrace.compiler.diag.Span;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns source text into tokens on demand. Attach points are lexed by a separate entry point,
 * {@link #attachPoint()}, because their syntax (paths, wildcards, colons) is unlike expressions'.
 *
 * <p>Token locations follow bpftrace 0.17's flex lexer, whose diagnostics users compare ours with.
 * There every match, whitespace and comments included, extends the current location, and only
 * whitespace (and a newline inside a block comment) restarts it. So a token's location begins
 * where the last whitespace ended, not where the token's text begins: in {@code sum($x)} the
 * location of {@code $x} is {@code sum($x}. A token's {@link Token#span()} is that location;
 * {@link Token#start()} is where its own text begins. An attach point is bison's location of a
 * rule that starts empty: it begins where the token before it ended ({@code ,}, the previous
 * probe's {@code }}, an {@code #include} line), or at the start of the program.
 */
final class Lexer {
    private final Source source;
    private final String s;
    private int pos;
    /** Where the current location begins: after the last whitespace, as bpftrace's {@code loc.step()}. */
    private int step;
    /** Where the last token (an {@code #include} line counts) ended: the start of an attach point's location. */
    private int lastEnd;

    /**
     * Where the name of a struct type being read ends: bpftrace reads {@code struct name} up to its
     * {@code *} or {@code )} in a state of its own, where spaces do not restart the location.
     */
    private int structEnd = -1;

    /** The lexer's state, to look ahead and come back. */
    record Mark(int pos, int step, int lastEnd, int structEnd) {}

    Lexer(Source source) {
        this.source = source;
        this.s = source.text();
    }

    Mark mark() {
        return new Mark(pos, step, lastEnd, structEnd);
    }

    void reset(Mark m) {
        pos = m.pos();
        step = m.step();
        lastEnd = m.lastEnd();
        structEnd = m.structEnd();
    }

    /**
     * Skips whitespace, comments and preprocessor lines ({@code #include}: types come from BTF).
     * Whitespace restarts the location; comments and preprocessor lines extend it, as in bpftrace.
     */
    void skipTrivia() throws CompileException {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (Character.isWhitespace(c)) {
                while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                    // Within a struct type's name only a newline restarts the location.
                    if (pos < structEnd && s.charAt(pos) == '\n') step = pos + 1;
                    pos++;
                }
                if (pos > structEnd) step = pos;
            } else if (c == '/' && peek(1) == '/') {
                while (pos < s.length() && s.charAt(pos) != '\n') pos++;
            } else if (c == '/' && peek(1) == '*') {
                pos += 2;
                while (!s.startsWith("*/", pos)) {
                    if (pos >= s.length()) throw error(new Span(step, pos), "end of file during comment");
                    if (s.charAt(pos++) == '\n') step = pos;
                }
                pos += 2;
            } else if (c == '#' && atLineStart()) {
                while (pos < s.length() && s.charAt(pos) != '\n') pos++;
                lastEnd = pos;
            } else {
                return;
            }
        }
    }

    private boolean atLineStart() {
        int i = pos - 1;
        while (i >= 0 && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) i--;
        return i < 0 || s.charAt(i) == '\n';
    }

    boolean atEnd() throws CompileException {
        skipTrivia();
        return pos >= s.length();
    }

    /**
     * Lexes one attach point: {@code BEGIN}, {@code tracepoint:syscalls:sys_enter_*},
     * {@code uprobe:/bin/bash:readline}, {@code kprobe:do_sys_open+16}, up to whitespace, a comma or
     * a brace. Double-quoted parts (paths with spaces) are kept with their quotes removed.
     */
    Token attachPoint() throws CompileException {
        skipTrivia();
        int begin = lastEnd;
        int start = pos;
        StringBuilder sb = new StringBuilder();
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (Character.isWhitespace(c) || c == ',' || c == '{' || c == '}') break;
            if (c == '"') {
                int end = s.indexOf('"', pos + 1);
                if (end < 0) throw error(new Span(step, s.length()), "unterminated string");
                sb.append(s, pos + 1, end);
                pos = end + 1;
                continue;
            }
            // A predicate may follow an attach point without a space: "BEGIN/1/" is not a path.
            if (c == '/' && !pathAllowed(sb)) break;
            sb.append(c);
            pos++;
        }
        if (pos == start) {
            Span at = new Span(step, Math.min(start + 1, s.length()));
            if (pos < s.length()) throw error(at, "syntax error, unexpected " + s.charAt(pos) + ", expecting an attach point");
            throw error(at, "syntax error: expected an attach point");
        }
        lastEnd = pos;
        return new Token(TokenKind.ATTACH_POINT, sb.toString(), 0, new Span(begin, pos), start);
    }

    /** A token whose text began at {@code start} and ends here; its location begins at {@link #step}. */
    private Token token(TokenKind kind, String text, long value, int start) {
        lastEnd = pos;
        return new Token(kind, text, value, new Span(step, pos), start);
    }

    /** Paths appear only after the provider's colon (uprobe:/bin/bash:readline). */
    private static boolean pathAllowed(StringBuilder sofar) {
        return sofar.indexOf(":") >= 0;
    }

    Token next() throws CompileException {
        skipTrivia();
        int start = pos;
        // At the end, bpftrace's location is whatever it was: the last token's when nothing follows it.
        if (pos >= s.length()) return new Token(TokenKind.EOF, "", 0, new Span(step, pos), pos);
        char c = s.charAt(pos);
        if (Character.isLetter(c) || c == '_') {
            while (pos < s.length() && isIdentChar(s.charAt(pos))) pos++;
            String word = s.substring(start, pos);
            if (word.equals("struct") || word.equals("union")) {
                structEnd = pos;
                while (structEnd < s.length() && "*){".indexOf(s.charAt(structEnd)) < 0) structEnd++;
            }
            return token(TokenKind.IDENT, word, 0, start);
        }
        if (Character.isDigit(c)) return number(start);
        switch (c) {
            case '@' -> {
                pos++;
                while (pos < s.length() && isIdentChar(s.charAt(pos))) pos++;
                return token(TokenKind.MAP, s.substring(start + 1, pos), 0, start);
            }
            case '$' -> {
                pos++;
                if (pos < s.length() && s.charAt(pos) == '#') {
                    pos++;
                    return token(TokenKind.PARAM_COUNT, "$#", 0, start);
                }
                if (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                    while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
                    long n;
                    try {
                        n = Long.parseLong(s.substring(start + 1, pos));
                    } catch (NumberFormatException e) {
                        n = 0;
                    }
                    if (n == 0) throw error(new Span(step, pos), "param " + s.substring(start, pos) + " is out of integer range [1, " + Long.MAX_VALUE + "]");
                    return token(TokenKind.POSITIONAL, s.substring(start, pos), n, start);
                }
                while (pos < s.length() && isIdentChar(s.charAt(pos))) pos++;
                if (pos == start + 1) throw error(new Span(step, pos), "invalid character '$'");
                return token(TokenKind.VAR, s.substring(start + 1, pos), 0, start);
            }
            case '"' -> {
                return string(start);
            }
            default -> {}
        }
        for (TokenKind k : OPERATORS) {
            if (s.startsWith(k.text, pos)) {
                pos += k.text.length();
                return token(k, k.text, 0, start);
            }
        }
        throw error(new Span(step, start + 1), "invalid character '" + c + "'");
    }

    /** Longest first, so that {@code <<=} wins over {@code <<} and {@code <}. */
    private static final TokenKind[] OPERATORS = {
        TokenKind.SHL_ASSIGN, TokenKind.SHR_ASSIGN,
        TokenKind.ARROW, TokenKind.LE, TokenKind.GE, TokenKind.EQ, TokenKind.NE, TokenKind.SHL, TokenKind.SHR,
        TokenKind.LAND, TokenKind.LOR, TokenKind.INC, TokenKind.DEC, TokenKind.PLUS_ASSIGN, TokenKind.MINUS_ASSIGN,
        TokenKind.STAR_ASSIGN, TokenKind.SLASH_ASSIGN, TokenKind.PERCENT_ASSIGN, TokenKind.AMP_ASSIGN,
        TokenKind.PIPE_ASSIGN, TokenKind.CARET_ASSIGN,
        TokenKind.LBRACE, TokenKind.RBRACE, TokenKind.LPAREN, TokenKind.RPAREN, TokenKind.LBRACKET, TokenKind.RBRACKET,
        TokenKind.SEMI, TokenKind.COMMA, TokenKind.COLON, TokenKind.QUESTION, TokenKind.DOT, TokenKind.ASSIGN,
        TokenKind.PLUS, TokenKind.MINUS, TokenKind.STAR, TokenKind.SLASH, TokenKind.PERCENT, TokenKind.AMP,
        TokenKind.PIPE, TokenKind.CARET, TokenKind.TILDE, TokenKind.BANG, TokenKind.LT, TokenKind.GT,
    };

    private Token number(int start) throws CompileException {
        long value;
        if (s.startsWith("0x", pos) || s.startsWith("0X", pos)) {
            pos += 2;
            int digits = pos;
            while (pos < s.length() && (Character.digit(s.charAt(pos), 16) >= 0 || s.charAt(pos) == '_')) pos++;
            String hex = s.substring(digits, pos).replace("_", "");
            if (hex.isEmpty() || hex.length() > 16) {
                // bpftrace lexes 0xg as 0 and the identifier xg: the error is at the identifier.
                int end = pos;
                while (end < s.length() && isIdentChar(s.charAt(end))) end++;
                throw error(new Span(step, end), "invalid integer: " + s.substring(start, end));
            }
            value = Long.parseUnsignedLong(hex, 16);
        } else {
            while (pos < s.length() && (Character.isDigit(s.charAt(pos)) || s.charAt(pos) == '_')) pos++;
            String dec = s.substring(start, pos).replace("_", "");
            // Scientific notation, as bpftrace accepts it for integers: 1e6.
            if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E') && pos + 1 < s.length() && Character.isDigit(s.charAt(pos + 1))) {
                pos++;
                int e = pos;
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
                dec = new java.math.BigInteger(dec).multiply(java.math.BigInteger.TEN.pow(Integer.parseInt(s.substring(e, pos)))).toString();
            }
            try {
                value = dec.length() > 1 && dec.startsWith("0") ? Long.parseUnsignedLong(dec, 8) : Long.parseUnsignedLong(dec);
            } catch (NumberFormatException ex) {
                throw error(new Span(step, pos), "invalid integer: " + s.substring(start, pos));
            }
        }
        if (pos < s.length() && isIdentChar(s.charAt(pos))) {
            int end = pos;
            while (end < s.length() && isIdentChar(s.charAt(end))) end++;
            throw error(new Span(step, end), "invalid integer: " + s.substring(start, end));
        }
        return token(TokenKind.INT, s.substring(start, pos), value, start);
    }

    private Token string(int start) throws CompileException {
        pos++;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            // bpftrace's location takes in the newline that ends it.
            if (pos >= s.length() || s.charAt(pos) == '\n') throw error(new Span(step, Math.min(pos + 1, s.length())), "unterminated string");
            char c = s.charAt(pos++);
            if (c == '"') break;
            if (c != '\\') {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
                continue;
            }
            if (pos >= s.length()) throw error(new Span(step, pos), "unterminated string");
            char e = s.charAt(pos++);
            switch (e) {
                case 'n' -> out.write('\n');
                case 't' -> out.write('\t');
                case 'r' -> out.write('\r');
                case '\\' -> out.write('\\');
                case '"' -> out.write('"');
                case '\'' -> out.write('\'');
                case 'a' -> out.write(7);
                case 'b' -> out.write(8);
                case 'f' -> out.write(12);
                case 'v' -> out.write(11);
                case 'x' -> {
                    int d = pos;
                    while (pos < s.length() && pos < d + 2 && Character.digit(s.charAt(pos), 16) >= 0) pos++;
                    if (pos == d) throw error(new Span(step, pos), "invalid escape sequence \\x");
                    out.write(Integer.parseInt(s.substring(d, pos), 16));
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int d = pos - 1;
                        while (pos < s.length() && pos < d + 3 && s.charAt(pos) >= '0' && s.charAt(pos) <= '7') pos++;
                        out.write(Integer.parseInt(s.substring(d, pos), 8) & 0xff);
                    } else {
                        throw error(new Span(step, pos), "invalid escape character '\\" + e + "'");
                    }
                }
            }
        }
        // Strings are byte sequences in the kernel; ISO-8859-1 keeps one char per byte.
        return token(TokenKind.STRING, out.toString(StandardCharsets.ISO_8859_1), 0, start);
    }

    private char peek(int ahead) {
        return pos + ahead < s.length() ? s.charAt(pos + ahead) : '\0';
    }

    static boolean isIdentChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    CompileException error(Span span, String message) {
        return new CompileException(source, Diagnostic.error(span, message));
    }
}
