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
     * the span (to the end of the line when the span runs over several lines).
     */
    public String render(Source source) {
        // No place in the source (a failure found while compiling, as bpftrace's "Failed to compile: ..."): no location.
        if (span == Span.NONE) return severity + ": " + message + "\n";
        int line = source.line(span.start());
        int col = source.column(span.start());
        String text = source.lineText(span.start());
        int endCol = col + Math.max(1, Math.min(span.length(), text.length() - col + 1));
        StringBuilder sb = new StringBuilder();
        sb.append(source.name()).append(':').append(line).append(':').append(col).append('-').append(endCol)
                .append(": ").append(severity).append(": ").append(message).append('\n');
        sb.append(text).append('\n');
        // Tabs keep their width on the underline line so the tildes stay under the span.
        for (int i = 0; i < col - 1; i++) sb.append(i < text.length() && text.charAt(i) == '\t' ? '\t' : ' ');
        sb.append("~".repeat(endCol - col)).append('\n');
        return sb.toString();
    }
}
