package dev.fleettrace.cli;

import java.util.ArrayList;
import java.util.List;

/** Splits {@code -c 'CMD ARGS'} into words as a shell would for simple commands: spaces, quotes, backslashes. */
final class CommandLine {
    private CommandLine() {}

    static List<String> split(String cmd) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < cmd.length(); i++) {
            char c = cmd.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
                else if (c == '\\' && quote == '"' && i + 1 < cmd.length()) w.append(cmd.charAt(++i));
                else w.append(c);
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < cmd.length()) {
                w.append(cmd.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) words.add(w.toString());
                w.setLength(0);
                inWord = false;
            } else {
                w.append(c);
                inWord = true;
            }
        }
        if (quote != 0) throw new UserError("fleettrace: unterminated quote in -c '" + cmd + "'");
        if (inWord) words.add(w.toString());
        if (words.isEmpty()) throw new UserError("fleettrace: -c needs a command");
        return words;
    }
}
