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

    /**
     * Columns bpftrace 0.17 counts at {@code offset} beyond the characters before it on its line. Its
     * lexer reads {@code struct name} (or {@code union}) up to the {@code *} or {@code )} that ends the
     * type, counts that character, puts it back and reads it again as a token: counting it twice.
     * So each such type on a line moves everything after it on that line one column to the right.
     */
    public int extraColumns(int offset) {
        int lineStart = lineStart(offset);
        int extra = 0;
        int i = 0;
        int n = text.length();
        while (i < n && i < offset) {
            char c = text.charAt(i);
            if (c == '"') {
                i++;
                while (i < n && text.charAt(i) != '"' && text.charAt(i) != '\n') i += text.charAt(i) == '\\' ? 2 : 1;
                i++;
            } else if (text.startsWith("//", i) || c == '#') {
                while (i < n && text.charAt(i) != '\n') i++;
            } else if (text.startsWith("/*", i)) {
                int end = text.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (c == '$' || c == '@' || Character.isLetterOrDigit(c) || c == '_') {
                int start = i++;
                while (i < n && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_' || text.charAt(i) == '#')) i++;
                String word = text.substring(start, i);
                if (!word.equals("struct") && !word.equals("union")) continue;
                while (i < n && text.charAt(i) != '*' && text.charAt(i) != ')' && text.charAt(i) != '{') i++;
                if (i >= n) break;
                if (text.charAt(i) == '{') {
                    // A definition, struct name { ... }: read to its closing brace, nothing counted twice.
                    int depth = 0;
                    do {
                        if (text.charAt(i) == '{') depth++;
                        else if (text.charAt(i) == '}') depth--;
                        i++;
                    } while (i < n && depth > 0);
                } else if (i >= lineStart && i < offset) {
                    extra++;
                }
            } else {
                i++;
            }
        }
        return extra;
    }

    List<String> lines() {
        return new ArrayList<>(List.of(text.split("\n", -1)));
    }
}
