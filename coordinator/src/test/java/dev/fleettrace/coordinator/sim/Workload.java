package dev.fleettrace.coordinator.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * The syscalls {@code conformance/wl.c} makes after it renamed itself, as tracepoint events, computed
 * from its formulas (so fixtures are reproduced from the workload, not from the recorded numbers).
 * glibc's open() is an openat(AT_FDCWD, ...): lseek mode opens /dev/null first, read mode /dev/zero.
 */
public final class Workload {
    private Workload() {}

    public sealed interface Event {}

    public record Getppid() implements Event {}

    public record Lseek(long offset, long whence) implements Event {}

    /**
     * @param dfd AT_FDCWD (-100) as bpftrace 0.17 reads the 8-byte tracepoint field: 4294967196
     *            (recorded: hist(args->dfd) prints [2G, 4G))
     */
    public record Openat(String filename, long dfd) implements Event {}

    public record Read(long count) implements Event {}

    /**
     * One call of {@code pwl_work(i)} in {@code conformance/pwl.c}: it returns {@code 2i+1} and fires usdt
     * {@code pwl:tick(i, i % 7, 2i+1, 3i)}, and {@code pwl:guarded(i)} while a tracer holds its semaphore.
     */
    public record Work(long i) implements Event {
        public long ret() {
            return 2 * i + 1;
        }
    }

    /**
     * One call of {@code pwl_typed(...)} in pwl's typed mode: its arguments as C converts them
     * ({@code (signed char)(-i - 1)}, {@code (unsigned short)(65535 - i)}, ...).
     */
    public record Typed(long i) implements Event {
        private static final String[] NAMES = {"alpha", "beta", "gamma"};

        public long sc() {
            return (byte) (-i - 1);
        }

        public long us() {
            return (65535 - i) & 0xffff;
        }

        public long big() {
            return -3000000000L * (i + 1);
        }

        public String name() {
            return NAMES[(int) (i % 3)];
        }

        public long flag() {
            return (200 + i) & 0xff;
        }
    }

    /** {@code malloc(12345)} in pwl's malloc mode. */
    public record Malloc(long size) implements Event {}

    public static final long AT_FDCWD_FIELD = 0xffffff9cL;

    public static List<Event> run(String mode, int n) {
        List<Event> out = new ArrayList<>();
        switch (mode) {
            case "getppid" -> getppid(out, n);
            case "lseek" -> lseek(out, n);
            case "openat" -> openat(out, n);
            case "read" -> read(out, n);
            case "mixed" -> {
                getppid(out, n);
                lseek(out, n);
                openat(out, n);
                read(out, n);
            }
            default -> throw new IllegalArgumentException(mode);
        }
        return out;
    }

    /** {@code workload} file contents: "NAME MODE N" (wl), or "pwl NAME MODE N" (the user-space workload). */
    public static List<Event> run(String workloadLine) {
        String[] w = workloadLine.trim().split("\\s+");
        if (w[0].equals("pwl")) return pwl(w[1], w[2], Integer.parseInt(w[3]));
        if (!w[0].equals("bpfwl") && !w[0].equals("probewl")) throw new IllegalArgumentException("cases filter on comm bpfwl or probewl: " + workloadLine);
        return run(w[1], Integer.parseInt(w[2]));
    }

    private static List<Event> pwl(String name, String mode, int n) {
        if (!name.equals("probewl")) throw new IllegalArgumentException("pwl cases filter on comm probewl: " + name);
        List<Event> out = new ArrayList<>();
        switch (mode) {
            case "calls" -> {
                for (long i = 0; i < n; i++) out.add(new Work(i));
            }
            case "malloc" -> {
                for (int i = 0; i < n; i++) out.add(new Malloc(12345));
            }
            case "typed" -> {
                for (long i = 0; i < n; i++) out.add(new Typed(i));
            }
            default -> throw new IllegalArgumentException(mode);
        }
        return out;
    }

    private static void getppid(List<Event> out, int n) {
        for (int i = 0; i < n; i++) out.add(new Getppid());
    }

    private static void lseek(List<Event> out, int n) {
        out.add(new Openat("/dev/null", AT_FDCWD_FIELD));
        for (long i = 0; i < n; i++) out.add(new Lseek((i * 37) % 100000, i % 3));
    }

    private static void openat(List<Event> out, int n) {
        for (long i = 0; i < n; i++) out.add(new Openat("/tmp/wl-missing-" + (i % 5), AT_FDCWD_FIELD));
    }

    private static void read(List<Event> out, int n) {
        out.add(new Openat("/dev/zero", AT_FDCWD_FIELD));
        for (long i = 0; i < n; i++) out.add(new Read((i * 131) % 8192 + 1));
    }
}
