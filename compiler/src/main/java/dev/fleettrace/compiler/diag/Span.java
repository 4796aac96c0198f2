package dev.fleettrace.compiler.diag;

/** A range of a source's text, {@code [start, end)} in characters. */
public record Span(int start, int end) {

    public static final Span NONE = new Span(0, 0);

    public Span {
        if (end < start) throw new IllegalArgumentException("span ends before it starts: " + start + ".." + end);
    }

    public Span to(Span other) {
        return new Span(Math.min(start, other.start), Math.max(end, other.end));
    }

    public int length() {
        return end - start;
    }
}
