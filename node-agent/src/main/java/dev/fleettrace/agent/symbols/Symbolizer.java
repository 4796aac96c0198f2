package dev.fleettrace.agent.symbols;

import dev.fleettrace.agent.kernel.maps.BpfMap;
import dev.fleettrace.compiler.facts.elf.ElfFile;
import dev.fleettrace.plan.CanonicalKey;
import dev.fleettrace.plan.SymbolResolver;
import dev.fleettrace.plan.Symbolic;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * Resolves a program's stacks and symbols into the text bpftrace 0.17 prints: a stack's frames one a line
 * ({@code sym+off}, indented by 4 in map keys and 8 elsewhere; perf mode {@code \taddr sym+off} and, for
 * user frames, {@code (module)}), a symbol's name, and {@code 0x...} for what cannot be resolved (a
 * process that has exited, a stripped file). Not thread-safe: one per reader.
 */
public final class Symbolizer implements SymbolResolver {
    private static final int CACHE_LIMIT = 1 << 16;

    private final IntFunction<BpfMap> maps;
    private final Kallsyms kallsyms;
    private final Map<Long, long[]> frames = new HashMap<>();
    private final Map<Integer, Optional<ProcessMaps>> processes = new HashMap<>();

    /** {@code maps} gives the program's maps by plan index (the stack trace maps among them). */
    public Symbolizer(IntFunction<BpfMap> maps) {
        this(maps, null);
    }

    Symbolizer(IntFunction<BpfMap> maps, Kallsyms kallsyms) {
        this.maps = maps;
        this.kallsyms = kallsyms;
    }

    private Kallsyms kernel() {
        return kallsyms != null ? kallsyms : Kallsyms.host();
    }

    /** Forgets what processes looked like: call once per read, as processes come, go and map files. */
    public void refresh() {
        processes.clear();
        if (frames.size() > CACHE_LIMIT) frames.clear();
    }

    private long refreshed = System.nanoTime();

    @Override
    public byte[] text(Symbolic s, byte[] raw, int offset, boolean key) {
        if (System.nanoTime() - refreshed > 1_000_000_000L) {
            refresh();
            refreshed = System.nanoTime();
        }
        long value = CanonicalKey.readInt(raw, offset, 8, true);
        int pid = s.kind().user() ? (int) CanonicalKey.readInt(raw, offset + 8, 8, false) : 0;
        String text = switch (s.kind()) {
            case KSYM -> kernel().resolve(value).map(Kallsyms.Resolved::name).orElse(hex(value));
            case USYM -> user(pid, value).map(r -> r.symbol().name()).orElse(hex(value));
            case KSTACK, USTACK -> stack(s, value, pid, key);
            case USERNAME -> HostValues.userName(value);
            case INET -> HostValues.inet(value, raw, offset + 8);
        };
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private String stack(Symbolic s, long id, int pid, boolean key) {
        // A negative id is the helper's error (the stack was not collected): bpftrace prints an empty stack.
        if (id < 0) return "";
        long[] ips = frames(s.stackMap(), (int) id, s.limit());
        if (ips.length == 0) return "";
        StringBuilder sb = new StringBuilder("\n");
        boolean user = s.kind().user();
        for (long ip : ips) {
            if (s.mode() == Symbolic.StackMode.PERF) {
                sb.append('\t').append(Long.toHexString(ip)).append(' ');
                if (user) {
                    Optional<UserSymbol> u = user(pid, ip);
                    sb.append(u.map(UserSymbol::withOffset).orElse(hex(ip))).append(" (").append(u.map(UserSymbol::path).orElse("[unknown]")).append(')');
                } else {
                    sb.append(kernelFrame(ip));
                }
            } else {
                sb.append(" ".repeat(key ? 4 : 8));
                sb.append(user ? user(pid, ip).map(UserSymbol::withOffset).orElse(hex(ip)) : kernelFrame(ip));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private String kernelFrame(long ip) {
        return kernel().resolve(ip).map(r -> r.name() + "+" + r.offset()).orElse(hex(ip));
    }

    /** The frames of stack {@code id} in stack map {@code map}: up to {@code limit} addresses, innermost first. */
    private long[] frames(int map, int id, int limit) {
        long cacheKey = ((long) map << 32) | (id & 0xffffffffL);
        long[] f = frames.get(cacheKey);
        if (f != null) return f;
        BpfMap m = maps.apply(map);
        byte[] key = {(byte) id, (byte) (id >>> 8), (byte) (id >>> 16), (byte) (id >>> 24)};
        byte[] value = new byte[m.valueSize()];
        if (!m.lookup(key, value)) return new long[0];
        int n = 0;
        int max = Math.min(limit, value.length / 8);
        while (n < max && CanonicalKey.readInt(value, 8 * n, 8, false) != 0) n++;
        f = new long[n];
        for (int i = 0; i < n; i++) f[i] = CanonicalKey.readInt(value, 8 * i, 8, false);
        frames.put(cacheKey, f);
        return f;
    }

    /** A user address resolved: the function, the offset into it, and the file. */
    record UserSymbol(ElfFile.Symbol symbol, long offset, String path) {
        String withOffset() {
            return symbol.name() + "+" + offset;
        }
    }

    private Optional<UserSymbol> user(int pid, long addr) {
        Optional<ProcessMaps> pm = processes.computeIfAbsent(pid, ProcessMaps::of);
        // Through the process's root: a containerised process's paths are its mount namespace's.
        return pm.flatMap(m -> m.locate(addr)).flatMap(loc -> ElfFiles.get(Path.of("/proc", Integer.toString(pid), "root", loc.path())).flatMap(elf ->
                elf.vaddrOfOffset(loc.fileOffset()).stream().boxed().findFirst().flatMap(elf::function)
                        .map(l -> new UserSymbol(l.symbol(), l.offset(), loc.path()))));
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
