package dev.fleettrace.compiler.diag;

import java.util.ArrayList;
import java.util.List;

/** Collects diagnostics across a pass, so a user sees every error of a kind at once, as bpftrace does. */
public final class Diagnostics {
    private final Source source;
    private final List<Diagnostic> list = new ArrayList<>();

    public Diagnostics(Source source) {
        this.source = source;
    }

    public void error(Span span, String message) {
        list.add(Diagnostic.error(span, message));
    }

    public void warning(Span span, String message) {
        list.add(Diagnostic.warning(span, message));
    }

    public boolean hasErrors() {
        return list.stream().anyMatch(d -> d.severity() == Diagnostic.Severity.ERROR);
    }

    public List<Diagnostic> warnings() {
        return list.stream().filter(d -> d.severity() == Diagnostic.Severity.WARNING).toList();
    }

    /** Throws the errors collected so far, if any. */
    public void throwIfErrors() throws CompileException {
        if (hasErrors()) throw new CompileException(source, list.stream().filter(d -> d.severity() == Diagnostic.Severity.ERROR).toList());
    }

    public Source source() {
        return source;
    }
}
