package dev.fleettrace.plan;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/** C's strftime for the conversions bpftrace users write in {@code time()}. */
public final class Strftime {
    private Strftime() {}

    public static String format(String fmt, ZonedDateTime t) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 >= fmt.length()) {
                sb.append(c);
                continue;
            }
            char k = fmt.charAt(++i);
            switch (k) {
                case 'a' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'A' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US));
                case 'b', 'h' -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'B' -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.US));
                case 'c' -> sb.append(format("%a %b %e %H:%M:%S %Y", t));
                case 'd' -> sb.append(two(t.getDayOfMonth()));
                case 'e' -> sb.append(String.format("%2d", t.getDayOfMonth()));
                case 'D' -> sb.append(format("%m/%d/%y", t));
                case 'F' -> sb.append(format("%Y-%m-%d", t));
                case 'H' -> sb.append(two(t.getHour()));
                case 'I' -> sb.append(two(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12));
                case 'j' -> sb.append(String.format("%03d", t.getDayOfYear()));
                case 'm' -> sb.append(two(t.getMonthValue()));
                case 'M' -> sb.append(two(t.getMinute()));
                case 'n' -> sb.append('\n');
                case 'p' -> sb.append(t.getHour() < 12 ? "AM" : "PM");
                case 'R' -> sb.append(format("%H:%M", t));
                case 's' -> sb.append(t.toEpochSecond());
                case 'S' -> sb.append(two(t.getSecond()));
                case 't' -> sb.append('\t');
                case 'T' -> sb.append(format("%H:%M:%S", t));
                case 'u' -> sb.append(t.getDayOfWeek().getValue());
                case 'w' -> sb.append(t.getDayOfWeek().getValue() % 7);
                case 'y' -> sb.append(two(t.getYear() % 100));
                case 'Y' -> sb.append(t.getYear());
                case 'z' -> sb.append(t.getOffset().getId().equals("Z") ? "+0000" : t.getOffset().getId().replace(":", ""));
                case 'Z' -> sb.append(t.getZone().getDisplayName(TextStyle.SHORT, Locale.US));
                case '%' -> sb.append('%');
                default -> sb.append('%').append(k);
            }
        }
        return sb.toString();
    }

    private static String two(int v) {
        return v < 10 ? "0" + v : Integer.toString(v);
    }
}
