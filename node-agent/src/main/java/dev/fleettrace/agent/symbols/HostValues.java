package dev.fleettrace.agent.symbols;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Kernel values that only mean something on their host, turned into bpftrace's text there: a uid into
 * its user name ({@code username}), an address family and address bytes into inet_ntop's text
 * ({@code ntop}).
 */
final class HostValues {
    private HostValues() {}

    private static final long RELOAD_NS = 5_000_000_000L;
    private static Map<Long, String> users = Map.of();
    private static long loaded = Long.MIN_VALUE;

    /** The name of {@code uid} in /etc/passwd (read again every few seconds); the number when it has none. */
    static synchronized String userName(long uid) {
        long now = System.nanoTime();
        if (loaded == Long.MIN_VALUE || now - loaded > RELOAD_NS) {
            users = passwd(Path.of("/etc/passwd"));
            loaded = now;
        }
        String name = users.get(uid);
        return name != null ? name : Long.toString(uid);
    }

    static Map<Long, String> passwd(Path file) {
        Map<Long, String> m = new HashMap<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
                String[] f = line.split(":", -1);
                if (f.length < 3) continue;
                try {
                    m.putIfAbsent(Long.parseLong(f[2]), f[0]);
                } catch (NumberFormatException e) {
                    // not an entry (a NIS "+" line): skip it
                }
            }
        } catch (IOException e) {
            // no user database: uids print as numbers
        }
        return m;
    }

    static final int AF_INET = 2, AF_INET6 = 10;

    /** inet_ntop's text of the address at {@code offset} of {@code raw} (4 or 16 bytes); empty for another family, as bpftrace. */
    static String inet(long af, byte[] raw, int offset) {
        if (af == AF_INET) return dotted(raw, offset);
        if (af != AF_INET6) return "";
        int[] w = new int[8];
        for (int i = 0; i < 8; i++) w[i] = ((raw[offset + 2 * i] & 0xff) << 8) | (raw[offset + 2 * i + 1] & 0xff);
        // The longest run of two or more zero words becomes "::" (the first of equal runs), as glibc's inet_ntop.
        int best = -1, bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (w[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && w[j] == 0) j++;
            if (j - i > bestLen) {
                best = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestLen < 2) best = -1;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (best >= 0 && i >= best && i < best + bestLen) {
                if (i == best) sb.append(':');
                continue;
            }
            if (i != 0) sb.append(':');
            // An IPv4-compatible or -mapped address ends in dotted form.
            if (i == 6 && best == 0 && (bestLen == 6 || (bestLen == 5 && w[5] == 0xffff))) {
                sb.append(dotted(raw, offset + 12));
                return sb.toString();
            }
            sb.append(Integer.toHexString(w[i]));
        }
        if (best >= 0 && best + bestLen == 8) sb.append(':');
        return sb.toString();
    }

    private static String dotted(byte[] raw, int offset) {
        return (raw[offset] & 0xff) + "." + (raw[offset + 1] & 0xff) + "." + (raw[offset + 2] & 0xff) + "." + (raw[offset + 3] & 0xff);
    }
}
