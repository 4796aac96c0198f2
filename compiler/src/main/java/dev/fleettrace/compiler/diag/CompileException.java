package dev.fleettrace.compiler.diag;

import java.util.List;
import java.util.stream.Collectors;

/** A program that does not compile: its diagnostics, ready to print. */
public final class CompileException extends Exception {
    private final Source source;
    private final List<Diagnostic> diagnostics;

    public CompileException(Source source, List<Diagnostic> diagnostics) {
        super(diagnostics.isEmpty() ? "compile error" : diagnostics.getFirst().message());
        this.source = source;
        this.diagnostics = List.copyOf(diagnostics);
    }

    public CompileException(Source source, Diagnostic diagnostic) {
        this(source, List.of(diagnostic));
    }

    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    public Source source() {
        return source;
    }

    /** Every diagnostic in bpftrace's form, one after the other. */
    public String render() {
        return diagnostics.stream().map(d -> d.render(source)).collect(Collectors.joining());
    }
}
