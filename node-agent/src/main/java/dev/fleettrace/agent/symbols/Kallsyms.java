package dev.fleettrace.agent.symbols;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** The kernel's symbols ({@code /proc/kallsyms}): addresses of names, and the symbol holding an address. */
public final class Kallsyms {
    private static final Path HOST = Path.of("/proc/kallsyms");
    private static volatile Kallsyms host;

    private final long[] addresses; // sorted
    private final String[] names;
    private final Map<String, Long> byName;

    /** A symbol and how far into it an address is. */
    public record Resolved(String name, long offset) {}

    private Kallsyms(long[] addresses, String[] names, Map<String, Long> byName) {
        this.addresses = addresses;
        this.names = names;
        this.byName = byName;
    }

    /** This host's symbols, read once (as root; other users see zero addresses, which are left out). */
    public static Kallsyms host() {
        Kallsyms k = host;
        if (k == null) {
            try {
                k = parse(Files.readString(HOST));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + HOST, e);
            }
            host = k;
        }
        return k;
    }

    /** Parses kallsyms text: {@code ffffffff81000000 T _stext [module]} lines. */
    public static Kallsyms parse(String text) {
        record Sym(long addr, String name) {}
        List<Sym> syms = new ArrayList<>();
        Map<String, Long> byName = new HashMap<>();
        for (String line : text.split("\n")) {
            int a = line.indexOf(' ');
            if (a <= 0 || line.length() < a + 4) continue;
            long addr;
            try {
                addr = Long.parseUnsignedLong(line.substring(0, a), 16);
            } catch (NumberFormatException e) {
                continue;
            }
            if (addr == 0) continue;
            int nameStart = a + 3;
            int end = line.indexOf('\t', nameStart);
            if (end < 0) end = line.indexOf(' ', nameStart);
            String name = (end < 0 ? line.substring(nameStart) : line.substring(nameStart, end)).trim();
            syms.add(new Sym(addr, name));
            byName.putIfAbsent(name, addr);
        }
        syms.sort((x, y) -> Long.compareUnsigned(x.addr(), y.addr()));
        long[] addrs = new long[syms.size()];
        String[] names = new String[syms.size()];
        for (int i = 0; i < syms.size(); i++) {
            addrs[i] = syms.get(i).addr();
            names[i] = syms.get(i).name();
        }
        return new Kallsyms(addrs, names, Map.copyOf(byName));
    }

    public OptionalLong address(String name) {
        Long a = byName.get(name);
        return a == null ? OptionalLong.empty() : OptionalLong.of(a);
    }

    /** The symbol at or below {@code addr}, or empty when it lies below every symbol. */
    public Optional<Resolved> resolve(long addr) {
        int lo = 0, hi = addresses.length - 1, found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(addresses[mid], addr) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (found < 0) return Optional.empty();
        return Optional.of(new Resolved(names[found], addr - addresses[found]));
    }

    public int size() {
        return addresses.length;
    }

    @Override
    public String toString() {
        return "kallsyms with " + addresses.length + " symbols";
    }
}
