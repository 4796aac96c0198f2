package dev.fleettrace.plan;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * bpftrace 0.17's printf, reproduced: the format is cut into chunks that each end with one
 * specifier; every chunk goes through C's printf with its one argument (so {@code %%} in it becomes
 * {@code %}), and the text after the last specifier is printed as it is. Integers are converted to
 * the C type the length modifier names: none means {@code int}, so {@code %d} of 5000000000 prints
 * 705032704, as bpftrace does. Strings are bytes (one char per byte, ISO-8859-1).
 */
public final class PrintfFormat {

    /** What an argument must be for a specifier. */
    public enum ArgType { INTEGER, STRING, BUFFER }

    /** One conversion: {@code %-08.3lld}. */
    public record Spec(boolean leftAlign, boolean zeroPad, int width, int precision, String length, char conversion, String text) {
        public ArgType argType() {
            return switch (conversion) {
                case 's' -> ArgType.STRING;
                case 'r' -> ArgType.BUFFER;
                default -> ArgType.INTEGER;
            };
        }

        /** The token as bpftrace's messages name it: {@code d}, {@code lu}, {@code s}. */
        public String token() {
            return length + conversion;
        }
    }

    /** Valid specifiers: strings, buffers, chars, and the integer conversions with their length modifiers. */
    private static final Pattern SPEC = Pattern.compile("%(-?)([0-9]*)(?:\\.([0-9]+))?(s|r|c|(hh|h|ll|l|j|z|t)?([duxXpo]))");

    private final String format;
    private final List<String> chunks;  // chunk i ends with spec i; the last entry is the raw tail
    private final List<Spec> specs;

    private PrintfFormat(String format, List<String> chunks, List<Spec> specs) {
        this.format = format;
        this.chunks = chunks;
        this.specs = specs;
    }

    public static PrintfFormat parse(String format) {
        List<String> chunks = new ArrayList<>();
        List<Spec> specs = new ArrayList<>();
        Matcher m = SPEC.matcher(format);
        int last = 0;
        while (m.find()) {
            chunks.add(format.substring(last, m.start()));
            String width = m.group(2);
            String conv = m.group(4);
            String length = m.group(5) == null ? "" : m.group(5);
            char c = conv.charAt(conv.length() - 1);
            specs.add(new Spec(!m.group(1).isEmpty(), width.startsWith("0"), width.isEmpty() ? -1 : Integer.parseInt(width),
                    m.group(3) == null ? -1 : Integer.parseInt(m.group(3)), length, c, m.group()));
            last = m.end();
        }
        chunks.add(format.substring(last));
        return new PrintfFormat(format, List.copyOf(chunks), List.copyOf(specs));
    }

    public String format() {
        return format;
    }

    public List<Spec> specs() {
        return specs;
    }

    /**
     * Checks argument types as bpftrace does, or returns null when they fit. {@code args} holds
     * {@link ArgType}s; the message is bpftrace's, e.g.
     * {@code printf: Not enough arguments for format string (0 supplied, 1 expected)}.
     */
    public String check(String function, List<ArgType> args) {
        if (args.size() < specs.size())
            return function + ": Not enough arguments for format string (" + args.size() + " supplied, " + specs.size() + " expected)";
        if (args.size() > specs.size())
            return function + ": Too many arguments for format string (" + args.size() + " supplied, " + specs.size() + " expected)";
        for (int i = 0; i < specs.size(); i++) {
            ArgType want = specs.get(i).argType();
            ArgType got = args.get(i);
            if (want != got) {
                return function + ": %" + specs.get(i).token() + " specifier expects a value of type " + name(want) + " (" + name(got) + " supplied)";
            }
        }
        return null;
    }

    private static String name(ArgType t) {
        return switch (t) {
            case INTEGER -> "integer";
            case STRING -> "string";
            case BUFFER -> "buffer";
        };
    }

    /** Formats {@link Long} and {@code byte[]} (or String) arguments, one per specifier. */
    public String apply(List<?> args) {
        if (args.size() != specs.size()) throw new IllegalArgumentException(specs.size() + " arguments expected, " + args.size() + " given");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < specs.size(); i++) {
            writeC(out, chunks.get(i));
            write(out, convert(specs.get(i), args.get(i)));
        }
        write(out, chunks.getLast());
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    /** Literal text inside a chunk goes through C's printf: {@code %%} is a percent sign. */
    private static void writeC(ByteArrayOutputStream out, String text) {
        write(out, text.replace("%%", "%"));
    }

    private static void write(ByteArrayOutputStream out, String latin1) {
        byte[] b = latin1.getBytes(StandardCharsets.ISO_8859_1);
        out.write(b, 0, b.length);
    }

    static String convert(Spec s, Object arg) {
        String body;
        switch (s.conversion()) {
            case 's', 'r' -> {
                String str = arg instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : String.valueOf(arg);
                int nul = str.indexOf('\0');
                if (nul >= 0) str = str.substring(0, nul);
                if (s.precision() >= 0 && str.length() > s.precision()) str = str.substring(0, s.precision());
                return pad(s, str, false);
            }
            case 'c' -> {
                return pad(s, String.valueOf((char) (((Long) arg) & 0xff)), false);
            }
            case 'p' -> {
                long v = (Long) arg;
                // glibc prints a null pointer as (nil).
                return pad(s, v == 0 ? "(nil)" : "0x" + Long.toHexString(v), false);
            }
            default -> {
                long v = narrow((Long) arg, s.length(), s.conversion() == 'd');
                body = switch (s.conversion()) {
                    case 'd' -> Long.toString(v);
                    case 'u' -> Long.toUnsignedString(v);
                    case 'x' -> Long.toHexString(v);
                    case 'X' -> Long.toHexString(v).toUpperCase();
                    case 'o' -> Long.toOctalString(v);
                    default -> throw new IllegalStateException("conversion " + s.conversion());
                };
            }
        }
        // Integer precision: at least that many digits.
        if (s.precision() >= 0) {
            boolean neg = body.startsWith("-");
            String digits = neg ? body.substring(1) : body;
            if (digits.length() < s.precision()) digits = "0".repeat(s.precision() - digits.length()) + digits;
            if (s.precision() == 0 && digits.equals("0")) digits = "";
            body = (neg ? "-" : "") + digits;
        }
        return pad(s, body, s.zeroPad() && !s.leftAlign() && s.precision() < 0);
    }

    /** The value as the C type the length modifier names, sign- or zero-extended back to 64 bits. */
    static long narrow(long v, String length, boolean signed) {
        int bits = switch (length) {
            case "hh" -> 8;
            case "h" -> 16;
            case "" -> 32;
            default -> 64;
        };
        if (bits == 64) return v;
        int shift = 64 - bits;
        return signed ? (v << shift) >> shift : (v << shift) >>> shift;
    }

    private static String pad(Spec s, String body, boolean zeros) {
        if (s.width() <= body.length()) return body;
        int n = s.width() - body.length();
        if (s.leftAlign()) return body + " ".repeat(n);
        if (zeros) {
            boolean neg = body.startsWith("-");
            return (neg ? "-" : "") + "0".repeat(n) + (neg ? body.substring(1) : body);
        }
        return " ".repeat(n) + body;
    }
}
