package dev.fleettrace.compiler.sema;

import dev.fleettrace.compiler.ast.AttachPointSpec;
import dev.fleettrace.compiler.diag.Diagnostics;
import dev.fleettrace.compiler.facts.KernelFacts;
import dev.fleettrace.compiler.facts.TracepointFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** Parses attach points ({@code t:syscalls:sys_enter_*}) and expands wildcards against the kernel's facts. */
final class AttachPoints {
    private AttachPoints() {}

    /** Expands one attach point; reports an error (with the bpftrace wording) and returns nothing when it is bad. */
    static List<ProbeTarget> resolve(AttachPointSpec spec, KernelFacts facts, Diagnostics diags, boolean kernelFactsKnown) {
        String raw = spec.raw();
        if (raw.equals("BEGIN")) return List.of(new ProbeTarget.Begin());
        if (raw.equals("END")) return List.of(new ProbeTarget.End());
        String[] parts = raw.split(":", -1);
        String provider = canonicalProvider(parts[0]);
        if (provider == null) {
            diags.error(spec.span(), "Invalid probe type: " + parts[0]);
            return List.of();
        }
        return switch (provider) {
            case "tracepoint" -> tracepoints(spec, parts, facts, diags, kernelFactsKnown);
            case "interval" -> interval(spec, parts, diags);
            default -> {
                diags.error(spec.span(), provider + " probes are not supported yet");
                yield List.of();
            }
        };
    }

    static String canonicalProvider(String p) {
        return switch (p) {
            case "tracepoint", "t" -> "tracepoint";
            case "interval", "i" -> "interval";
            case "kprobe", "k" -> "kprobe";
            case "kretprobe", "kr" -> "kretprobe";
            case "uprobe", "u" -> "uprobe";
            case "uretprobe", "ur" -> "uretprobe";
            case "usdt", "U" -> "usdt";
            case "profile", "p" -> "profile";
            case "software", "s" -> "software";
            case "hardware", "h" -> "hardware";
            case "kfunc", "f" -> "kfunc";
            case "kretfunc", "fr" -> "kretfunc";
            case "rawtracepoint", "rt" -> "rawtracepoint";
            case "watchpoint", "w" -> "watchpoint";
            default -> null;
        };
    }

    private static List<ProbeTarget> tracepoints(AttachPointSpec spec, String[] parts, KernelFacts facts, Diagnostics diags, boolean known) {
        if (parts.length != 3) {
            diags.error(spec.span(), "tracepoint probe type requires 2 arguments");
            return List.of();
        }
        String cat = parts[1], event = parts[2];
        boolean wild = hasWildcard(cat) || hasWildcard(event);
        List<ProbeTarget> out = new ArrayList<>();
        if (!wild) {
            Optional<TracepointFormat> f = facts.tracepoint(cat, event);
            if (f.isPresent()) return List.of(new ProbeTarget.Tracepoint(f.get()));
        } else {
            Pattern pc = glob(cat), pe = glob(event);
            for (String tp : facts.tracepoints()) {
                int colon = tp.indexOf(':');
                String c = tp.substring(0, colon), e = tp.substring(colon + 1);
                if (pc.matcher(c).matches() && pe.matcher(e).matches()) facts.tracepoint(c, e).ifPresent(f -> out.add(new ProbeTarget.Tracepoint(f)));
            }
            if (!out.isEmpty()) return out;
        }
        if (known) diags.error(spec.span(), (wild ? "tracepoints not found: " : "tracepoint not found: ") + cat + ":" + event);
        return out;
    }

    private static List<ProbeTarget> interval(AttachPointSpec spec, String[] parts, Diagnostics diags) {
        if (parts.length != 3) {
            diags.error(spec.span(), "interval probe type requires 2 arguments");
            return List.of();
        }
        long perUnit = switch (parts[1]) {
            case "s" -> 1_000_000_000L;
            case "ms" -> 1_000_000L;
            case "us" -> 1_000L;
            case "hz" -> -1;
            default -> 0;
        };
        if (perUnit == 0) {
            diags.error(spec.span(), parts[1] + " is not an accepted unit of time");
            return List.of();
        }
        long n;
        try {
            n = Long.parseLong(parts[2]);
        } catch (NumberFormatException e) {
            diags.error(spec.span(), "interval: invalid count '" + parts[2] + "'");
            return List.of();
        }
        if (n <= 0) {
            diags.error(spec.span(), "interval: the period must be positive");
            return List.of();
        }
        long period = perUnit < 0 ? 1_000_000_000L / n : perUnit * n;
        return List.of(new ProbeTarget.Interval(parts[1], n, period));
    }

    static boolean hasWildcard(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0;
    }

    static Pattern glob(String g) {
        StringBuilder re = new StringBuilder();
        for (char c : g.toCharArray()) {
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }
}
