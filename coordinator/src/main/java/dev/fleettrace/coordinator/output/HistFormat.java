package dev.fleettrace.coordinator.output;

import dev.fleettrace.coordinator.merge.Buckets;

/**
 * How bpftrace 0.17 prints one histogram (its {@code hist_to_str} / {@code lhist_to_str}, text and
 * JSON). Bucket numbering is {@link Buckets}'.
 *
 * <p>Text, one line per bucket from the first to the last non-empty one (empty ones between included):
 * the label left-aligned in 16 columns, the count right-aligned in 8, {@code " |"}, a bar of {@code @}
 * left-aligned in 52 columns, {@code "|"}. The bar is {@code (int) (count / (float) max * 52)} in single
 * precision. Labels: hist {@code (..., 0)}, {@code [0]}, {@code [1]}, then {@code [2^k, 2^(k+1))} with
 * K/M/G/T for powers of 2^10; lhist {@code (..., min)}, {@code [lo, hi)}, {@code [max, ...)} with K or M
 * when the number is a multiple of 1024 or 1048576.
 *
 * <p>Faithful to 0.17 also where it is odd: {@code print()}'s div divides hist counts (not the bars,
 * which use the undivided counts) and is ignored by lhist; the first/last bucket and the bar scale are
 * found with counts truncated to {@code int}, so a bucket of 2^31 or more events is mis-scaled (2^32 is
 * even skipped). Where 0.17's bar would then exceed 52 characters (or overflow, its undefined behaviour)
 * the bar is capped at 52. JSON hist bounds are computed in {@code int}, so bucket 33 ({@code [2G, 4G)})
 * reads {@code {"min": -2147483648, "max": 0}} (recorded).
 */
final class HistFormat {
    private HistFormat() {}

    private static final int BAR = 52;

    /** First and last index with a positive count, and the largest count, all as 0.17's {@code int}s. */
    private record Range(int first, int last, int max) {}

    private static Range histRange(long[] v) {
        int first = -1, last = -1, max = 0;
        for (int i = 0; i < v.length; i++) {
            int c = (int) v[i];
            if (c > 0) {
                if (first == -1) first = i;
                last = i;
            }
            if (c > max) max = c;
        }
        return new Range(first, last, max);
    }

    /** lhist_prepare: the last bucket by {@code int != 0}, then the printed span by {@code uint64 > 0}. */
    private static Range lhistRange(long[] v, int buckets) {
        int lastNonZero = -1, max = 0;
        for (int i = 0; i < v.length; i++) {
            int c = (int) v[i];
            if (c != 0) lastNonZero = i;
            if (c > max) max = c;
        }
        if (lastNonZero == -1) return new Range(-1, -1, 0);
        int first = -1, last = 0;
        for (int i = 0; i <= buckets + 1; i++) {
            if (v[i] != 0) {
                if (first == -1) first = i;
                last = i;
            }
        }
        return new Range(first == -1 ? 0 : first, last, max);
    }

    static String text(long[] counts, long div) {
        Range r = histRange(counts);
        if (r.last == -1) return "";
        StringBuilder sb = new StringBuilder();
        for (int i = r.first; i <= r.last; i++) {
            String label = switch (i) {
                case 0 -> "(..., 0)";
                case 1 -> "[0]";
                case 2 -> "[1]";
                default -> "[" + powerLabel(i - 2) + ", " + powerLabel(i - 1) + ")";
            };
            line(sb, label, Long.divideUnsigned(counts[i], div), counts[i], r.max);
        }
        return sb.toString();
    }

    static String textLinear(long[] counts, long min, long max, long step) {
        int buckets = (int) ((max - min) / step);
        Range r = lhistRange(counts, buckets);
        if (r.last == -1 && r.first == -1) return "";
        StringBuilder sb = new StringBuilder();
        for (int i = r.first; i <= r.last; i++) {
            String label;
            if (i == 0) label = "(..., " + linearLabel(min) + ")";
            else if (i == buckets + 1) label = "[" + linearLabel(max) + ", ...)";
            else label = "[" + linearLabel((i - 1) * step + min) + ", " + linearLabel(i * step + min) + ")";
            line(sb, label, counts[i], counts[i], r.max);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String label, long shown, long count, int max) {
        float w = unsignedToFloat(count) / (float) max * BAR;
        int bar = w >= BAR ? BAR : (int) w;
        sb.append(label);
        pad(sb, 16 - label.length());
        String n = Long.toUnsignedString(shown);
        pad(sb, 8 - n.length());
        sb.append(n).append(" |");
        sb.repeat('@', bar);
        pad(sb, BAR - bar);
        sb.append("|\n");
    }

    private static void pad(StringBuilder sb, int n) {
        if (n > 0) sb.repeat(' ', n);
    }

    /** C++'s uint64 to float conversion (round to nearest), also above 2^63. */
    private static float unsignedToFloat(long v) {
        if (v >= 0) return (float) v;
        return (float) ((v >>> 1) | (v & 1)) * 2f;
    }

    /** hist_index_label: 2^power with a K/M/G/T suffix per 10 powers. */
    static String powerLabel(int power) {
        String suffix = "";
        if (power >= 40) { suffix = "T"; power -= 40; }
        else if (power >= 30) { suffix = "G"; power -= 30; }
        else if (power >= 20) { suffix = "M"; power -= 20; }
        else if (power >= 10) { suffix = "K"; power -= 10; }
        return (1 << power) + suffix;
    }

    /** lhist_index_label: M for multiples of 1048576, else K for multiples of 1024. */
    static String linearLabel(long n) {
        if (n == 0) return "0";
        if (n % 1048576 == 0) return n / 1048576 + "M";
        if (n % 1024 == 0) return n / 1024 + "K";
        return Long.toString(n);
    }

    static String json(long[] counts, long div) {
        Range r = histRange(counts);
        if (r.last == -1) return "[]";
        StringBuilder sb = new StringBuilder("[");
        for (int i = r.first; i <= r.last; i++) {
            if (i > r.first) sb.append(", ");
            sb.append('{');
            switch (i) {
                case 0 -> sb.append("\"max\": -1, ");
                case 1 -> sb.append("\"min\": 0, \"max\": 0, ");
                case 2 -> sb.append("\"min\": 1, \"max\": 1, ");
                // 0.17 computes the bounds in int: 1 << 31 is negative and 1 << 32 wraps to 1 (x86 masks the
                // count, as Java does), so the [2G, 4G) bucket reads {"min": -2147483648, "max": 0} (recorded).
                default -> sb.append("\"min\": ").append(1 << (i - 2)).append(", \"max\": ").append((1 << (i - 1)) - 1).append(", ");
            }
            sb.append("\"count\": ").append(Long.toUnsignedString(Long.divideUnsigned(counts[i], div))).append('}');
        }
        return sb.append(']').toString();
    }

    static String jsonLinear(long[] counts, long min, long max, long step) {
        int buckets = (int) ((max - min) / step);
        Range r = lhistRange(counts, buckets);
        if (r.last == -1 && r.first == -1) return "[]";
        StringBuilder sb = new StringBuilder("[");
        for (int i = r.first; i <= r.last; i++) {
            if (i > r.first) sb.append(", ");
            sb.append('{');
            if (i == 0) sb.append("\"max\": ").append(min - 1).append(", ");
            else if (i == buckets + 1) sb.append("\"min\": ").append(max).append(", ");
            else sb.append("\"min\": ").append((i - 1) * step + min).append(", \"max\": ").append(i * step + min - 1).append(", ");
            sb.append("\"count\": ").append(Long.toUnsignedString(counts[i])).append('}');
        }
        return sb.append(']').toString();
    }
}
