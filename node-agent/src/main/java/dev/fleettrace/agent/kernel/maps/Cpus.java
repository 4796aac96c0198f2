package dev.fleettrace.agent.kernel.maps;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The possible CPUs. Per-CPU maps hand back one value slot per possible CPU (not online: a CPU that
 * may be hot-plugged later has a slot), in the order of the possible mask.
 */
public final class Cpus {
    private Cpus() {}

    private static final Path POSSIBLE = Path.of("/sys/devices/system/cpu/possible");
    private static volatile int possible;

    /** Number of possible CPUs on this host, read once. */
    public static int possible() {
        int n = possible;
        if (n == 0) {
            try {
                n = count(Files.readString(POSSIBLE));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + POSSIBLE, e);
            }
            possible = n;
        }
        return n;
    }

    /** CPUs in a kernel cpu list such as {@code 0-3,5,7-8} (the kernel sizes per-CPU buffers by this count). */
    public static int count(String list) {
        String s = list.trim();
        if (s.isEmpty()) throw new IllegalArgumentException("empty cpu list");
        int n = 0;
        for (String part : s.split(",")) {
            int dash = part.indexOf('-');
            if (dash < 0) {
                Integer.parseInt(part.trim());
                n++;
            } else {
                int lo = Integer.parseInt(part.substring(0, dash).trim()), hi = Integer.parseInt(part.substring(dash + 1).trim());
                if (hi < lo) throw new IllegalArgumentException("bad cpu range " + part);
                n += hi - lo + 1;
            }
        }
        return n;
    }

    private static final Path ONLINE = Path.of("/sys/devices/system/cpu/online");

    /** The CPUs online now, by number: sampling perf events (profile, software, hardware) open one per CPU. */
    public static java.util.List<Integer> online() {
        try {
            return list(Files.readString(ONLINE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + ONLINE, e);
        }
    }

    /** The CPU numbers of a kernel cpu list such as {@code 0-3,5}. */
    public static java.util.List<Integer> list(String list) {
        java.util.List<Integer> out = new java.util.ArrayList<>();
        for (String part : list.trim().split(",")) {
            if (part.isBlank()) continue;
            int dash = part.indexOf('-');
            if (dash < 0) {
                out.add(Integer.parseInt(part.trim()));
            } else {
                int lo = Integer.parseInt(part.substring(0, dash).trim()), hi = Integer.parseInt(part.substring(dash + 1).trim());
                for (int c = lo; c <= hi; c++) out.add(c);
            }
        }
        return out;
    }
}
