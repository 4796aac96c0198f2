package dev.fleettrace.compiler.diag;

/** One message about a source span, rendered as bpftrace renders it. */
public record Diagnostic(Severity severity, Span span, String message) {

    public enum Severity { ERROR, WARNING }

    public static Diagnostic error(Span span, String message) {
        return new Diagnostic(Severity.ERROR, span, message);
    }

    public static Diagnostic warning(Span span, String message) {
        return new Diagnostic(Severity.WARNING, span, message);
    }

    /**
     * bpftrace's form: {@code stdin:1:14-22: ERROR: message}, the source line, and {@code ~} under
     * the span. Columns are counted as bpftrace's lexer counts them: bytes of UTF-8, plus the
     * columns its reading of struct types adds ({@link Source#extraColumns}). Under the line, a tab
     * takes four marks, as the line is printed with four spaces for a tab; the marks stop at the end
     * of the line. A span over several lines is only named by its lines, {@code stdin:1-2: ERROR:
     * message}, without source, as is one on an empty line (the end of a program after its last
     * newline); an empty span has no {@code ~}.
     */
    public String render(Source source) {
        // No place in the source (a failure found while compiling, as bpftrace's "Failed to compile: ..."): no location.
        if (span == Span.NONE) return severity + ": " + message + "\n";
        String all = source.text();
        int end = Math.min(span.end(), all.length());
        int line = source.line(span.start());
        int endLine = source.line(end);
        // bpftrace's location of an unterminated string takes in the newline that ends it, and stays
        // on its line. (At the very end of a program, what follows a last newline is on the next line.)
        if (end > span.start() && end < all.length() && all.charAt(end - 1) == '\n') endLine--;
        StringBuilder sb = new StringBuilder(source.name()).append(':').append(line);
        if (endLine > line) return sb.append('-').append(endLine).append(": ").append(severity).append(": ").append(message).append('\n').toString();
        String text = source.lineText(span.start());
        String before = text.substring(0, source.column(span.start()) - 1);
        int col = utf8(before).length + 1 + source.extraColumns(span.start());
        // (The struct types counted at the end are those of this line, if the span runs past it.)
        int lineEnd = span.start() - before.length() + text.length();
        int endCol = col + utf8(all.substring(span.start(), end)).length + source.extraColumns(Math.min(end, lineEnd)) - source.extraColumns(span.start());
        sb.append(':').append(col).append('-').append(endCol).append(": ").append(severity).append(": ").append(message).append('\n');
        if (text.isEmpty()) return sb.toString();
        sb.append(text.replace("\t", "    ")).append('\n');
        byte[] bytes = utf8(text);
        for (int x = 0; x < bytes.length && x < endCol - 1; x++) sb.repeat(x < col - 1 ? ' ' : '~', bytes[x] == '\t' ? 4 : 1);
        return sb.append('\n').toString();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
