package dev.fleettrace.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The deterministic workload ({@code conformance/wl.c}): renames itself to NAME (its comm) and makes
 * an exact number of syscalls. Built once per checkout with gcc -g (uprobes read arguments by name from DWARF) into {@code target/wl} at the root.
 */
public final class Workload {
    private Workload() {}

    /** The repository root: the nearest folder above the working directory holding conformance/wl.c. */
    public static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("conformance/wl.c"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("conformance/wl.c not found above " + Path.of("").toAbsolutePath());
        return p;
    }

    /** Path of the built workload binary, building it when missing or older than its source. */
    public static Path binary() {
        return build("wl");
    }

    /**
     * The user-space workload ({@code conformance/pwl.c}): functions called a known number of times,
     * USDT probes (one behind a semaphore), libc calls; built into {@code target/pwl}.
     */
    public static Path userBinary() {
        return build("pwl");
    }

    /** Runs {@code pwl NAME MODE N HOLD_MS} to completion. */
    public static void runUser(String name, String mode, long n, long holdMs) {
        List<String> cmd = List.of(userBinary().toString(), name, mode, Long.toString(n), Long.toString(holdMs));
        try {
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("workload failed: " + cmd);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Builds {@code conformance/NAME.c} into {@code target/NAME} when missing or older than its source. */
    private static synchronized Path build(String name) {
        Path root = repoRoot();
        Path src = root.resolve("conformance/" + name + ".c");
        Path bin = root.resolve("target/" + name);
        try {
            if (!Files.exists(bin) || Files.getLastModifiedTime(bin).compareTo(Files.getLastModifiedTime(src)) < 0) {
                Files.createDirectories(bin.getParent());
                Process p = new ProcessBuilder("gcc", "-O2", "-g", "-o", bin.toString(), src.toString()).inheritIO().start();
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("gcc failed to build " + src);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot build the workload: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return bin;
    }

    /** Runs {@code wl NAME MODE N} to completion. */
    public static void run(String name, String mode, long n) {
        run(name, mode, n, java.util.Optional.empty());
    }

    /** Runs {@code wl NAME MODE N} to completion, pinned to {@code cpu} with taskset when given. */
    public static void run(String name, String mode, long n, java.util.Optional<Integer> cpu) {
        List<String> cmd = new ArrayList<>();
        cpu.ifPresent(c -> cmd.addAll(List.of("taskset", "-c", Integer.toString(c))));
        cmd.addAll(List.of(binary().toString(), name, mode, Long.toString(n)));
        try {
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("workload failed: " + cmd);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
