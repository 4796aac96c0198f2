package dev.fleettrace.compiler.listing;

import dev.fleettrace.compiler.facts.Binary;
import dev.fleettrace.compiler.facts.dwarf.DebugInfo;
import dev.fleettrace.compiler.facts.dwarf.DwarfType;
import dev.fleettrace.compiler.facts.KernelFacts;
import dev.fleettrace.compiler.facts.ProbeFamily;
import dev.fleettrace.compiler.facts.TracepointFormat;
import dev.fleettrace.compiler.facts.btf.Btf;
import dev.fleettrace.compiler.facts.elf.UsdtProbe;
import dev.fleettrace.compiler.sema.AttachPoints;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * {@code -l [PATTERN]} and {@code -lv}: the probes this kernel (or a binary) offers, named as bpftrace
 * names them, sorted as bpftrace sorts them (one ordered set of names). With {@code verbose}, each
 * tracepoint's fields, each kfunc's arguments and each uprobe's parameters (from DWARF) follow its
 * name, indented by four spaces.
 *
 * <p>A pattern {@code PROVIDER:REST} lists that provider (short forms allowed, wildcards in REST); a
 * pattern without a colon matches anywhere in the full name. User-space providers need a file:
 * {@code uprobe:/bin/bash:*}, {@code usdt:/usr/lib/libc.so.6:*}.
 */
public final class ProbeLister {
    private ProbeLister() {}

    /** One listed probe: its name and, for {@code -lv}, its detail lines. */
    public record Entry(String name, List<String> details) {}

    /** What bpftrace lists for {@code pattern} (null or empty: everything the kernel offers). */
    public static List<Entry> list(String pattern, boolean verbose, KernelFacts facts) throws ListingException {
        TreeMap<String, Entry> out = new TreeMap<>();
        if (pattern == null || pattern.isEmpty() || pattern.indexOf(':') < 0) {
            Predicate<String> match = pattern == null || pattern.isEmpty() ? n -> true : anywhere(pattern);
            for (String provider : List.of("tracepoint", "rawtracepoint", "kprobe", "kfunc", "software", "hardware"))
                kernelProvider(provider, n -> true, match, verbose, facts, out);
            return List.copyOf(out.values());
        }
        int colon = pattern.indexOf(':');
        String provider = AttachPoints.canonicalProvider(pattern.substring(0, colon));
        String rest = pattern.substring(colon + 1);
        if (pattern.startsWith("*:")) {
            Predicate<String> match = glob(rest);
            for (String p : List.of("tracepoint", "rawtracepoint", "kprobe", "kfunc", "software", "hardware"))
                kernelProvider(p, match, n -> true, verbose, facts, out);
            return List.copyOf(out.values());
        }
        if (provider == null) throw new ListingException("Invalid probe type: " + pattern.substring(0, colon));
        switch (provider) {
            case "uprobe", "uretprobe", "usdt" -> userProvider(provider, rest, verbose, facts, out);
            case "kretprobe" -> kernelProvider("kprobe", glob(rest), n -> true, verbose, facts, out);
            case "kretfunc" -> kernelProvider("kfunc", glob(rest), n -> true, verbose, facts, out);
            case "interval", "profile", "watchpoint" -> throw new ListingException(provider + " probes are not listed: they take a rate or an address, not a name");
            default -> kernelProvider(provider, glob(rest), n -> true, verbose, facts, out);
        }
        // kretprobe/kretfunc patterns list under their own provider name.
        if (provider.equals("kretprobe") || provider.equals("kretfunc")) {
            TreeMap<String, Entry> renamed = new TreeMap<>();
            String from = provider.equals("kretprobe") ? "kprobe:" : "kfunc:";
            for (Entry e : out.values()) renamed.put(provider + ":" + e.name().substring(from.length()), new Entry(provider + ":" + e.name().substring(from.length()), e.details()));
            return List.copyOf(renamed.values());
        }
        return List.copyOf(out.values());
    }

    /** The listing's text: a name a line, details after it. */
    public static String render(List<Entry> entries) {
        StringBuilder sb = new StringBuilder();
        for (Entry e : entries) {
            sb.append(e.name()).append('\n');
            for (String d : e.details()) sb.append("    ").append(d).append('\n');
        }
        return sb.toString();
    }

    /**
     * Lists one kernel provider. {@code rest} filters the part after {@code provider:}; {@code full}
     * filters the whole name.
     */
    private static void kernelProvider(String provider, Predicate<String> rest, Predicate<String> full, boolean verbose, KernelFacts facts,
                                       TreeMap<String, Entry> out) {
        switch (provider) {
            case "tracepoint" -> {
                for (String tp : facts.tracepoints()) {
                    String name = "tracepoint:" + tp;
                    if (!rest.test(tp) || !full.test(name)) continue;
                    List<String> details = List.of();
                    if (verbose) {
                        int c = tp.indexOf(':');
                        details = facts.tracepoint(tp.substring(0, c), tp.substring(c + 1)).map(ProbeLister::fields).orElse(List.of());
                    }
                    out.put(name, new Entry(name, details));
                }
            }
            case "rawtracepoint" -> {
                if (facts.unsupported(ProbeFamily.RAWTRACEPOINT).isPresent()) return;
                for (String n : AttachPoints.rawTracepoints(facts)) add(out, "rawtracepoint:" + n, n, rest, full);
            }
            case "kprobe" -> {
                if (facts.unsupported(ProbeFamily.KPROBE).isPresent()) return;
                for (String f : facts.kernelFunctions()) add(out, "kprobe:" + f, f, rest, full);
            }
            case "kfunc" -> {
                if (facts.unsupported(ProbeFamily.KFUNC).isPresent() || facts.btf().isEmpty()) return;
                Btf btf = facts.btf().get();
                for (String f : btf.names(Btf.FUNC)) {
                    String name = "kfunc:" + f;
                    if (!rest.test(f) || !full.test(name)) continue;
                    out.put(name, new Entry(name, verbose ? btf.function(f).map(fn -> params(btf, fn)).orElse(List.of()) : List.of()));
                }
            }
            case "software", "hardware" -> {
                boolean hw = provider.equals("hardware");
                if (facts.unsupported(hw ? ProbeFamily.HARDWARE : ProbeFamily.SOFTWARE).isPresent()) return;
                for (AttachPoints.PerfEventInfo i : hw ? AttachPoints.HARDWARE : AttachPoints.SOFTWARE) {
                    add(out, provider + ":" + i.name() + ":", i.name(), rest, full);
                    if (!i.alias().isEmpty()) add(out, provider + ":" + i.alias() + ":", i.alias(), rest, full);
                }
            }
            default -> { }
        }
    }

    private static void add(TreeMap<String, Entry> out, String name, String part, Predicate<String> rest, Predicate<String> full) {
        if (rest.test(part) && full.test(name)) out.put(name, new Entry(name, List.of()));
    }

    /** uprobe:FILE:FUNC, usdt:FILE:PROVIDER:NAME: the file's functions or USDT probes. */
    private static void userProvider(String provider, String rest, boolean verbose, KernelFacts facts, TreeMap<String, Entry> out)
            throws ListingException {
        int colon = rest.indexOf(':');
        String target = colon < 0 ? rest : rest.substring(0, colon);
        String what = colon < 0 ? "*" : rest.substring(colon + 1);
        if (target.isEmpty() || AttachPoints.hasWildcard(target))
            throw new ListingException(provider + " probes are listed per file: give its path, e.g. " + provider + ":/bin/bash:*");
        Optional<Binary> bin = facts.binary(target);
        if (bin.isEmpty()) throw new ListingException(provider + " target file '" + target + "' does not exist or is not executable");
        String path = bin.get().path();
        if (provider.equals("usdt")) {
            Predicate<String> m = glob(what.contains(":") ? what : "*:" + what);
            for (UsdtProbe u : bin.get().elf().usdtProbes()) {
                String pn = u.provider() + ":" + u.name();
                if (m.test(pn)) out.put("usdt:" + path + ":" + pn, new Entry("usdt:" + path + ":" + pn, List.of()));
            }
            return;
        }
        Predicate<String> m = glob(what);
        // bpftrace shows a uprobe's parameters from DWARF (none for uretprobes, nor without debuginfo).
        Optional<DebugInfo> dwarf = verbose && provider.equals("uprobe") ? bin.get().debugInfo() : Optional.empty();
        for (String f : bin.get().elf().functions().keySet()) {
            if (!m.test(f)) continue;
            List<String> params = dwarf.flatMap(d -> d.function(f)).map(ProbeLister::params).orElse(List.of());
            out.put(provider + ":" + path + ":" + f, new Entry(provider + ":" + path + ":" + f, params));
        }
    }

    /** A user-space function's parameters as bpftrace's {@code -lv} shows them from DWARF: type and name. */
    static List<String> params(DwarfType.Subprogram fn) {
        List<String> out = new ArrayList<>();
        for (DwarfType.Parameter p : fn.parameters()) {
            String type = DebugInfo.typeName(p.type());
            out.add(p.name().isEmpty() ? type : type + " " + p.name());
        }
        return out;
    }

    /** A tracepoint's fields as bpftrace's {@code -lv} shows them: the declaration, common fields left out. */
    static List<String> fields(TracepointFormat f) {
        List<String> out = new ArrayList<>();
        for (TracepointFormat.Field field : f.fields()) {
            if (field.common()) continue;
            String t = field.type();
            int bracket = t.indexOf('[');
            if (t.startsWith("__data_loc") || bracket < 0) out.add(t + " " + field.name());
            else out.add(t.substring(0, bracket).trim() + " " + field.name() + t.substring(bracket));
        }
        return out;
    }

    /** A kernel function's arguments and return value, as bpftrace's {@code -lv} shows them from BTF. */
    static List<String> params(Btf btf, Btf.Function fn) {
        List<String> out = new ArrayList<>();
        for (Btf.Param p : fn.params()) {
            if (p.type() == 0) break;
            out.add(btf.typeName(p.type()) + " " + p.name());
        }
        if (fn.returnType() != 0) out.add(btf.typeName(fn.returnType()) + " retval");
        return out;
    }

    private static Predicate<String> glob(String g) {
        if (g.isEmpty()) return s -> true;
        Pattern p = AttachPoints.glob(g);
        return s -> p.matcher(s).matches();
    }

    /** A search without a provider: a glob over the whole name, or a substring when it has no wildcard. */
    private static Predicate<String> anywhere(String pattern) {
        if (AttachPoints.hasWildcard(pattern)) return glob(pattern);
        return s -> s.contains(pattern);
    }
}
