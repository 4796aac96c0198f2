package dev.fleettrace.cli;

import dev.fleettrace.compiler.diag.Source;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** The program to run, from {@code -e}, a file, or standard input ({@code -}), and its positional parameters. */
record ProgramInput(Source source, List<String> params) {

    static ProgramInput of(String expression, List<String> positional) {
        if (expression != null) return new ProgramInput(Source.stdin(expression), positional);
        if (positional.isEmpty()) throw new UserError("fleettrace: no program given: pass -e 'PROGRAM' or a script FILE (see fleettrace --help)");
        String file = positional.getFirst();
        List<String> params = positional.subList(1, positional.size());
        try {
            // Scripts are bytes, as bpftrace reads them: ISO-8859-1 keeps one char per byte.
            String text = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.ISO_8859_1)
                    : Files.readString(Path.of(file), StandardCharsets.ISO_8859_1);
            return new ProgramInput(new Source(file.equals("-") ? "stdin" : file, text), params);
        } catch (NoSuchFileException e) {
            throw new UserError("fleettrace: cannot read " + file + ": no such file");
        } catch (IOException e) {
            throw new UserError("fleettrace: cannot read " + file + ": " + e.getMessage());
        }
    }
}
