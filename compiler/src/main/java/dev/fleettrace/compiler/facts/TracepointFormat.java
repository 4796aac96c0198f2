package dev.fleettrace.compiler.facts;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tracepoint's record layout, parsed from its tracefs {@code format} file:
 * <pre>
 * name: sys_enter_lseek
 * ID: 700
 * format:
 * 	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
 * 	...
 * 	field:unsigned int whence;	offset:32;	size:8;	signed:0;
 * </pre>
 */
public record TracepointFormat(String category, String event, int id, List<Field> fields) {

    /**
     * One field. {@code type} is the C declaration without the name ({@code const char *},
     * {@code unsigned int}, {@code char[16]}, {@code __data_loc char[]}).
     */
    public record Field(String name, String type, int offset, int size, boolean signed) {
        public boolean common() {
            return name.startsWith("common_");
        }
    }

    public TracepointFormat {
        fields = List.copyOf(fields);
    }

    public Optional<Field> field(String name) {
        return fields.stream().filter(f -> f.name().equals(name)).findFirst();
    }

    private static final Pattern FIELD = Pattern.compile(
            "^\\s*field:(.+?);\\s*offset:(\\d+);\\s*size:(\\d+);\\s*signed:(\\d+);");

    /** Parses a format file's text. */
    public static TracepointFormat parse(String category, String event, String text) {
        int id = -1;
        List<Field> fields = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("ID:")) {
                id = Integer.parseInt(line.substring(3).trim());
                continue;
            }
            Matcher m = FIELD.matcher(line);
            if (!m.find()) continue;
            String decl = m.group(1).trim();
            int off = Integer.parseInt(m.group(2));
            int size = Integer.parseInt(m.group(3));
            boolean signed = m.group(4).equals("1");
            fields.add(declaration(decl, off, size, signed));
        }
        if (id < 0) throw new IllegalArgumentException("no ID line in the format of " + category + ":" + event);
        return new TracepointFormat(category, event, id, fields);
    }

    /** Splits {@code unsigned int whence}, {@code const char * filename}, {@code char comm[16]} into type and name. */
    static Field declaration(String decl, int off, int size, boolean signed) {
        String array = "";
        int bracket = decl.lastIndexOf('[');
        if (bracket >= 0 && decl.endsWith("]")) {
            array = decl.substring(bracket);
            decl = decl.substring(0, bracket).trim();
        }
        int i = decl.length();
        while (i > 0 && (Character.isLetterOrDigit(decl.charAt(i - 1)) || decl.charAt(i - 1) == '_')) i--;
        String name = decl.substring(i);
        String type = (decl.substring(0, i).trim() + array).trim();
        return new Field(name, type, off, size, signed);
    }
}
