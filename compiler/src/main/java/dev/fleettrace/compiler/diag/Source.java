package dev.fleettrace.compiler.diag;

import java.util.ArrayList;
import java.util.List;

/** A program's text and the name diagnostics call it by: a file name, or {@code stdin} for {@code -e}. */
public record Source(String name, String text) {

    public Source {
        text = text.replace("\r\n", "\n");
    }

    public static Source stdin(String text) {
        return new Source("stdin", text);
    }

    /** 1-based line of an offset. */
    public int line(int offset) {
        int line = 1;
        for (int i = 0; i < Math.min(offset, text.length()); i++) if (text.charAt(i) == '\n') line++;
        return line;
    }

    /** 1-based column of an offset. */
    public int column(int offset) {
        int start = lineStart(offset);
        return offset - start + 1;
    }

    public String lineText(int offset) {
        int start = lineStart(offset);
        int end = text.indexOf('\n', start);
        return text.substring(start, end < 0 ? text.length() : end);
    }

    private int lineStart(int offset) {
        int start = Math.min(offset, text.length());
        while (start > 0 && text.charAt(start - 1) != '\n') start--;
        return start;
    }

    List<String> lines() {
        return new ArrayList<>(List.of(text.split("\n", -1)));
    }
}
