package dev.fleettrace.coordinator.output;

import java.util.Collection;
import java.util.Comparator;

/**
 * bpftrace 0.17's map output, in one of its two formats. Output strings hold one char per output byte
 * (ISO-8859-1): the kernel's strings are bytes, and whoever writes the output encodes it back the same
 * way, so nothing is re-encoded on the way.
 *
 * <p>{@code print(@m, top, div)}: {@code top} keeps the last (largest) {@code top} rows, except for
 * stats maps, where 0.17 ignores both top and div (with a compile-time warning); {@code div} divides
 * count, sum, min, max, integer VALUE maps, avg and hist counts, and lhist ignores it. Both are
 * {@code uint32} in bpftrace, 0 meaning "all" and "1".
 */
public sealed interface Printer permits TextPrinter, JsonPrinter {

    String print(MapView map, long top, long div);

    /** printf output (from BEGIN, END, interval): the text as is; with -f json a {@code printf} message. */
    String printf(String text);

    /** {@code time(fmt)}: the formatted time as is; with -f json a {@code time} message. */
    String time(String text);

    /** {@code print(value)} of a non-map value: the value and a newline; with -f json a {@code value} message. */
    String value(Object value);

    /** {@code join()}: the joined text and a newline; with -f json a {@code join} message. */
    String join(String text);

    /** {@code system()}: the command's output as is; with -f json a {@code syscall} message. */
    String system(String text);

    /** What bpftrace prints once every probe is attached. */
    String attached(int probes);

    default String print(MapView map) {
        return print(map, 0, 0);
    }

    /**
     * What bpftrace prints when the program ends, after END's own output: two newlines (written raw, so
     * also with -f json), then every map in name order as {@code print(@m)} prints it.
     */
    default String exit(Collection<MapView> maps) {
        StringBuilder sb = new StringBuilder("\n\n");
        maps.stream().sorted(Comparator.comparing(MapView::name)).forEach(m -> sb.append(print(m)));
        return sb.toString();
    }

    static Printer of(boolean json) {
        return json ? new JsonPrinter() : new TextPrinter();
    }

    /** {@code top} rows to skip of {@code n}, as 0.17's loop {@code if (top && n > top && i++ < n - top) continue;} does. */
    static int skipped(int n, long top) {
        top &= 0xffffffffL;
        return top != 0 && n > top ? (int) (n - top) : 0;
    }

    static long divisor(long div) {
        div &= 0xffffffffL;
        return div == 0 ? 1 : div;
    }
}
