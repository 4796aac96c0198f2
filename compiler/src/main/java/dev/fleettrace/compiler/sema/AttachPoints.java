package dev.fleettrace.compiler.sema;

import dev.fleettrace.compiler.ast.AttachPointSpec;
import dev.fleettrace.compiler.diag.Diagnostics;
import dev.fleettrace.compiler.facts.Binary;
import dev.fleettrace.compiler.facts.KernelFacts;
import dev.fleettrace.compiler.facts.ProbeFamily;
import dev.fleettrace.compiler.facts.TracepointFormat;
import dev.fleettrace.compiler.facts.btf.Btf;
import dev.fleettrace.compiler.facts.elf.ElfFile;
import dev.fleettrace.compiler.facts.elf.UsdtProbe;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses attach points ({@code t:syscalls:sys_enter_*}, {@code u:/bin/bash:readline}) and expands
 * wildcards against the kernel's facts, with bpftrace's wording for what is wrong.
 */
public final class AttachPoints {
    private AttachPoints() {}

    /** Expands one attach point; reports an error (with the bpftrace wording) and returns nothing when it is bad. */
    static List<ProbeTarget> resolve(AttachPointSpec spec, KernelFacts facts, Diagnostics diags, boolean kernelFactsKnown, List<String> params) {
        String raw = substitute(spec.raw(), params);
        if (raw.equals("BEGIN")) return List.of(new ProbeTarget.Begin());
        if (raw.equals("END")) return List.of(new ProbeTarget.End());
        String[] parts = raw.split(":", -1);
        String provider = canonicalProvider(parts[0]);
        if (provider == null) {
            diags.error(spec.span(), "Invalid probe type: " + parts[0]);
            return List.of();
        }
        Resolver r = new Resolver(spec, facts, diags, kernelFactsKnown);
        return switch (provider) {
            case "tracepoint" -> r.tracepoints(parts);
            case "interval" -> r.interval(parts);
            case "kprobe", "kretprobe" -> r.kprobe(parts, provider.equals("kretprobe"));
            case "uprobe", "uretprobe" -> r.uprobe(parts, provider.equals("uretprobe"));
            case "usdt" -> r.usdt(parts);
            case "kfunc", "kretfunc" -> r.kfunc(parts, provider.equals("kretfunc"));
            case "rawtracepoint" -> r.rawTracepoint(parts);
            case "profile" -> r.profile(parts);
            case "software", "hardware" -> r.perfEvent(parts, provider);
            default -> {
                diags.error(spec.span(), provider + " probes are not supported");
                yield List.of();
            }
        };
    }

    /** {@code $1}..{@code $N} inside an attach point, as bpftrace allows ({@code uprobe:$1:main}). */
    static String substitute(String raw, List<String> params) {
        if (raw.indexOf('$') < 0) return raw;
        Matcher m = Pattern.compile("\\$(\\d+)").matcher(raw);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            int i = Integer.parseInt(m.group(1));
            m.appendReplacement(sb, Matcher.quoteReplacement(i >= 1 && i <= params.size() ? params.get(i - 1) : ""));
        }
        return m.appendTail(sb).toString();
    }

    public static String canonicalProvider(String p) {
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
            case "kfunc", "f", "fentry" -> "kfunc";
            case "kretfunc", "fr", "fexit" -> "kretfunc";
            case "rawtracepoint", "rt" -> "rawtracepoint";
            case "watchpoint", "w" -> "watchpoint";
            default -> null;
        };
    }

    /** A software or hardware event bpftrace knows: its name, alias, perf config and default period. */
    public record PerfEventInfo(String name, String alias, int config, long defaultPeriod) {}

    /** bpftrace's software events (PERF_TYPE_SOFTWARE). */
    public static final List<PerfEventInfo> SOFTWARE = List.of(
            new PerfEventInfo("alignment-faults", "", 7, 1), new PerfEventInfo("bpf-output", "", 10, 1),
            new PerfEventInfo("context-switches", "cs", 3, 1000), new PerfEventInfo("cpu-clock", "cpu", 0, 1000000),
            new PerfEventInfo("cpu-migrations", "", 4, 1), new PerfEventInfo("dummy", "", 9, 1),
            new PerfEventInfo("emulation-faults", "", 8, 1), new PerfEventInfo("major-faults", "", 6, 1),
            new PerfEventInfo("minor-faults", "", 5, 100), new PerfEventInfo("page-faults", "faults", 2, 100),
            new PerfEventInfo("task-clock", "", 1, 1));

    /** bpftrace's hardware events (PERF_TYPE_HARDWARE). */
    public static final List<PerfEventInfo> HARDWARE = List.of(
            new PerfEventInfo("backend-stalls", "", 8, 1000000), new PerfEventInfo("branch-instructions", "branches", 4, 100000),
            new PerfEventInfo("branch-misses", "", 5, 100000), new PerfEventInfo("bus-cycles", "", 6, 100000),
            new PerfEventInfo("cache-misses", "", 3, 1000000), new PerfEventInfo("cache-references", "", 2, 1000000),
            new PerfEventInfo("cpu-cycles", "cycles", 0, 1000000), new PerfEventInfo("frontend-stalls", "", 7, 1000000),
            new PerfEventInfo("instructions", "", 1, 1000000), new PerfEventInfo("ref-cycles", "", 9, 1000000));

    static final int PERF_TYPE_HARDWARE = 0, PERF_TYPE_SOFTWARE = 1;

    /** One attach point being resolved: where to report, and what is known. */
    private record Resolver(AttachPointSpec spec, KernelFacts facts, Diagnostics diags, boolean known) {

        private List<ProbeTarget> error(String message) {
            diags.error(spec.span(), message);
            return List.of();
        }

        /** Reports why this kernel lacks the family, when the facts say so; true when it does. */
        private boolean unsupported(ProbeFamily family) {
            if (!known) return false;
            Optional<String> why = facts.unsupported(family);
            why.ifPresent(w -> diags.error(spec.span(), w));
            return why.isPresent();
        }

        List<ProbeTarget> tracepoints(String[] parts) {
            if (parts.length != 3) return error("tracepoint probe type requires 2 arguments");
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

        List<ProbeTarget> interval(String[] parts) {
            if (parts.length != 3) return error("interval probe type requires 2 arguments");
            long perUnit = unitNs(parts[1]);
            if (perUnit == 0) return error(parts[1] + " is not an accepted unit of time");
            long n;
            try {
                n = Long.parseLong(parts[2]);
            } catch (NumberFormatException e) {
                return error("interval: invalid count '" + parts[2] + "'");
            }
            if (n <= 0) return error("interval: the period must be positive");
            long period = perUnit < 0 ? 1_000_000_000L / n : perUnit * n;
            return List.of(new ProbeTarget.Interval(parts[1], n, period));
        }

        List<ProbeTarget> kprobe(String[] parts, boolean ret) {
            String type = ret ? "kretprobe" : "kprobe";
            // kprobe:FUNC, or kprobe:MODULE:FUNC (newer bpftrace): the module is not needed to attach.
            if (parts.length != 2 && parts.length != 3) return error(type + " probe type requires 1 argument");
            String func = parts[parts.length - 1];
            if (func.isEmpty()) return error(type + " probe type requires 1 argument");
            long offset = 0;
            int plus = func.indexOf('+');
            if (plus >= 0) {
                if (ret) return error("Offset not allowed");
                OptionalLong o = number(func.substring(plus + 1));
                if (o.isEmpty()) return error("Invalid offset '" + func.substring(plus + 1) + "'");
                offset = o.getAsLong();
                func = func.substring(0, plus);
            }
            if (unsupported(ProbeFamily.KPROBE)) return List.of();
            if (!hasWildcard(func)) return List.of(new ProbeTarget.Kprobe(func, offset, ret));
            List<ProbeTarget> out = new ArrayList<>();
            Pattern p = glob(func);
            for (String f : facts.kernelFunctions()) if (p.matcher(f).matches()) out.add(new ProbeTarget.Kprobe(f, 0, ret));
            if (out.isEmpty() && known) return error("No kernel functions match " + func + " (kprobe wildcards expand over available_filter_functions)");
            return out;
        }

        List<ProbeTarget> uprobe(String[] parts, boolean ret) {
            String type = ret ? "uretprobe" : "uprobe";
            if (parts.length != 3) return error(type + " probe type requires 2 arguments");
            String target = parts[1], func = parts[2];
            if (target.isEmpty()) return error(type + " probe type requires 2 arguments");
            if (func.isEmpty()) return error(type + " probe type requires 2 arguments");
            if (unsupported(ProbeFamily.UPROBE)) return List.of();
            Optional<Binary> bin = facts.binary(target);
            if (bin.isEmpty()) {
                if (known) diags.error(spec.span(), type + " target file '" + target + "' does not exist or is not executable");
                return List.of();
            }
            ElfFile elf = bin.get().elf();
            String path = bin.get().path();
            // An address: uprobe:PATH:0x1139.
            OptionalLong addr = func.startsWith("0x") || Character.isDigit(func.charAt(0)) ? number(func) : OptionalLong.empty();
            if (addr.isPresent()) {
                OptionalLong off = elf.fileOffset(addr.getAsLong());
                if (off.isEmpty()) return error("Could not resolve address: " + path + ":" + func);
                return List.of(new ProbeTarget.Uprobe(path, "", 0, addr.getAsLong(), off.getAsLong(), ret, elf.type() == ElfFile.ET_DYN));
            }
            long offset = 0;
            int plus = func.indexOf('+');
            if (plus >= 0) {
                if (ret) return error("Offset not allowed");
                OptionalLong o = number(func.substring(plus + 1));
                if (o.isEmpty()) return error("Invalid offset '" + func.substring(plus + 1) + "'");
                offset = o.getAsLong();
                func = func.substring(0, plus);
            }
            List<ProbeTarget> out = new ArrayList<>();
            if (!hasWildcard(func)) {
                ElfFile.Symbol s = elf.functions().get(func);
                if (s == null) return error("No function " + func + " in " + path + " (uprobes attach to the functions of .symtab and .dynsym)");
                if (s.size() > 0 && offset >= s.size()) return error("Offset " + offset + " is outside " + func + " (" + s.size() + " bytes)");
                out.add(uprobeAt(path, elf, func, offset, s.value() + offset, ret));
            } else {
                Pattern p = glob(func);
                for (var e : elf.functions().entrySet()) {
                    if (!p.matcher(e.getKey()).matches()) continue;
                    out.add(uprobeAt(path, elf, e.getKey(), 0, e.getValue().value(), ret));
                }
                if (out.isEmpty()) return error("No functions match " + func + " in " + path);
            }
            return out;
        }

        private ProbeTarget uprobeAt(String path, ElfFile elf, String func, long offset, long addr, boolean ret) {
            long fileOffset = elf.fileOffset(addr).orElse(addr);
            return new ProbeTarget.Uprobe(path, func, offset, addr, fileOffset, ret, elf.type() == ElfFile.ET_DYN);
        }

        List<ProbeTarget> usdt(String[] parts) {
            if (parts.length != 3 && parts.length != 4) return error("usdt probe type requires 2 or 3 arguments");
            String target = parts[1];
            String provider = parts.length == 4 ? parts[2] : "*";
            String name = parts[parts.length - 1];
            if (unsupported(ProbeFamily.UPROBE)) return List.of();
            Optional<Binary> bin = facts.binary(target);
            if (bin.isEmpty()) {
                if (known) diags.error(spec.span(), "usdt target file '" + target + "' does not exist or is not executable");
                return List.of();
            }
            ElfFile elf = bin.get().elf();
            Pattern pp = glob(provider), pn = glob(name);
            List<ProbeTarget> out = new ArrayList<>();
            // A probe inlined at several places has a note for each: each is an attach point.
            for (UsdtProbe u : elf.usdtProbes()) {
                if (!pp.matcher(u.provider()).matches() || !pn.matcher(u.name()).matches()) continue;
                OptionalLong off = elf.fileOffset(u.pc());
                if (off.isEmpty()) continue;
                long sem = u.semaphore() == 0 ? 0 : elf.fileOffset(u.semaphore()).orElse(0);
                out.add(new ProbeTarget.Usdt(bin.get().path(), u.provider(), u.name(), u.pc(), off.getAsLong(), sem, u.arguments(),
                        elf.type() == ElfFile.ET_DYN));
            }
            if (out.isEmpty()) return error("No USDT probe " + (parts.length == 4 ? provider + ":" : "") + name + " in " + bin.get().path());
            return out;
        }

        List<ProbeTarget> kfunc(String[] parts, boolean ret) {
            String type = ret ? "kretfunc" : "kfunc";
            if (parts.length != 2 && parts.length != 3) return error(type + " probe type requires 1 argument");
            String func = parts[parts.length - 1];
            if (func.isEmpty()) return error(type + " probe type requires 1 argument");
            if (unsupported(ProbeFamily.KFUNC)) return List.of();
            Optional<Btf> btf = facts.btf();
            if (btf.isEmpty()) {
                if (known) diags.error(spec.span(), "kfunc/kretfunc not available for your kernel version: it needs the kernel's BTF (/sys/kernel/btf/vmlinux)");
                return List.of();
            }
            List<ProbeTarget> out = new ArrayList<>();
            if (!hasWildcard(func)) {
                Optional<Btf.Function> f = btf.get().function(func);
                if (f.isEmpty()) return error("No BTF found for " + func + ": kfunc probes attach to kernel functions the kernel's BTF describes");
                out.add(new ProbeTarget.Kfunc(func, ret, f.get()));
            } else {
                Pattern p = glob(func);
                for (String n : new LinkedHashSet<>(btf.get().names(Btf.FUNC))) {
                    if (p.matcher(n).matches()) btf.get().function(n).ifPresent(f -> out.add(new ProbeTarget.Kfunc(n, ret, f)));
                }
                if (out.isEmpty()) return error("No kernel functions in BTF match " + func);
            }
            return out;
        }

        List<ProbeTarget> rawTracepoint(String[] parts) {
            if (parts.length != 2 && parts.length != 3) return error("rawtracepoint probe type requires 1 argument");
            String name = parts[parts.length - 1];
            if (name.isEmpty()) return error("rawtracepoint probe type requires 1 argument");
            if (unsupported(ProbeFamily.RAWTRACEPOINT)) return List.of();
            List<String> known = rawTracepoints(facts);
            if (!hasWildcard(name)) {
                if (this.known && !known.isEmpty() && !known.contains(name)) return error("rawtracepoint not found: " + name);
                return List.of(new ProbeTarget.RawTracepoint(name));
            }
            Pattern p = glob(name);
            List<ProbeTarget> out = new ArrayList<>();
            for (String n : known) if (p.matcher(n).matches()) out.add(new ProbeTarget.RawTracepoint(n));
            if (out.isEmpty() && this.known) return error("rawtracepoints not found: " + name);
            return out;
        }

        List<ProbeTarget> profile(String[] parts) {
            if (parts.length != 3) return error("profile probe type requires 2 arguments");
            long perUnit = unitNs(parts[1]);
            if (perUnit == 0) return error(parts[1] + " is not an accepted unit of time");
            OptionalLong n = number(parts[2]);
            if (n.isEmpty()) return error("profile: invalid count '" + parts[2] + "'");
            if (n.getAsLong() <= 0) return error("profile: the rate must be positive");
            if (unsupported(ProbeFamily.PROFILE)) return List.of();
            boolean hz = perUnit < 0;
            return List.of(new ProbeTarget.PerfEvent("profile", parts[1], parts[2], PERF_TYPE_SOFTWARE, 0,
                    hz ? n.getAsLong() : perUnit * n.getAsLong(), hz));
        }

        List<ProbeTarget> perfEvent(String[] parts, String provider) {
            boolean hw = provider.equals("hardware");
            if (parts.length != 2 && parts.length != 3) return error(provider + " probe type requires 1 or 2 arguments");
            String event = parts[1];
            Optional<PerfEventInfo> info = (hw ? HARDWARE : SOFTWARE).stream()
                    .filter(i -> i.name().equals(event) || (!i.alias().isEmpty() && i.alias().equals(event))).findFirst();
            if (info.isEmpty()) return error(event + " is not a " + provider + " probe");
            long period = info.get().defaultPeriod();
            String value = parts.length == 3 ? parts[2] : "";
            if (!value.isEmpty()) {
                OptionalLong n = number(value);
                if (n.isEmpty() || n.getAsLong() <= 0) return error(provider + ": invalid count '" + value + "'");
                period = n.getAsLong();
            }
            if (unsupported(hw ? ProbeFamily.HARDWARE : ProbeFamily.SOFTWARE)) return List.of();
            return List.of(new ProbeTarget.PerfEvent(provider, event, value, hw ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE,
                    info.get().config(), period, false));
        }
    }

    /** Raw tracepoint names: from the kernel's BTF ({@code btf_trace_NAME} typedefs), else the tracepoints' event names. */
    public static List<String> rawTracepoints(KernelFacts facts) {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        facts.btf().ifPresent(btf -> {
            for (String n : btf.names(Btf.TYPEDEF)) if (n.startsWith("btf_trace_")) out.add(n.substring("btf_trace_".length()));
        });
        if (out.isEmpty()) for (String tp : facts.tracepoints()) out.add(tp.substring(tp.indexOf(':') + 1));
        return out.stream().sorted().toList();
    }

    /** Nanoseconds per unit; -1 for hz (a rate), 0 when not a unit of time. */
    static long unitNs(String unit) {
        return switch (unit) {
            case "s" -> 1_000_000_000L;
            case "ms" -> 1_000_000L;
            case "us" -> 1_000L;
            case "hz" -> -1;
            default -> 0;
        };
    }

    static OptionalLong number(String s) {
        try {
            if (s.startsWith("0x") || s.startsWith("0X")) return OptionalLong.of(Long.parseUnsignedLong(s.substring(2), 16));
            return OptionalLong.of(Long.parseLong(s));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    public static boolean hasWildcard(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0;
    }

    public static Pattern glob(String g) {
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
