package dev.fleettrace.agent.symbols;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A process's memory mappings ({@code /proc/PID/maps}): which file, at which offset, an address falls in. */
public final class ProcessMaps {

    /** One mapping of a file: {@code [start, end)} maps the file from {@code offset}. */
    public record Mapping(long start, long end, long offset, String path) {}

    /** Where a user address lies: the file and the offset in it. */
    public record Location(String path, long fileOffset) {}

    private final List<Mapping> mappings;

    ProcessMaps(List<Mapping> mappings) {
        this.mappings = List.copyOf(mappings);
    }

    /** The mappings of process {@code pid}, or empty when it is gone. */
    public static Optional<ProcessMaps> of(int pid) {
        try {
            return Optional.of(parse(Files.readString(Path.of("/proc", Integer.toString(pid), "maps"))));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Parses maps text: {@code 55d0c1d2e000-55d0c1d2f000 r-xp 00001000 08:01 1234   /usr/bin/x}. */
    public static ProcessMaps parse(String text) {
        List<Mapping> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+", 6);
            if (f.length < 6 || !f[5].startsWith("/")) continue;
            int dash = f[0].indexOf('-');
            try {
                out.add(new Mapping(Long.parseUnsignedLong(f[0].substring(0, dash), 16), Long.parseUnsignedLong(f[0].substring(dash + 1), 16),
                        Long.parseUnsignedLong(f[2], 16), f[5].endsWith(" (deleted)") ? f[5].substring(0, f[5].length() - 10) : f[5]));
            } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                // Not a mapping line.
            }
        }
        return new ProcessMaps(out);
    }

    public Optional<Location> locate(long addr) {
        for (Mapping m : mappings) {
            if (Long.compareUnsigned(addr, m.start()) >= 0 && Long.compareUnsigned(addr, m.end()) < 0)
                return Optional.of(new Location(m.path(), addr - m.start() + m.offset()));
        }
        return Optional.empty();
    }
}
