package dev.fleettrace.cli;

import dev.fleettrace.testkit.Workload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code bin/fleettrace} as a user would, in its own process, and collects what it printed. */
final class Cli {
    private Cli() {}

    record Result(int exit, String stdout, String stderr, Duration took) {}

    static Path launcher() {
        return Workload.repoRoot().resolve("bin/fleettrace");
    }

    static Result run(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher().toString());
        cmd.addAll(List.of(args));
        return exec(cmd, timeout);
    }

    static Result exec(List<String> cmd, Duration timeout) throws IOException, InterruptedException {
        Path out = Files.createTempFile("ft-out", ".txt"), err = Files.createTempFile("ft-err", ".txt");
        try {
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).directory(Workload.repoRoot().toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("timed out after " + timeout + ": " + cmd + "\nstderr:\n" + Files.readString(err, StandardCharsets.ISO_8859_1));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1), Files.readString(err, StandardCharsets.ISO_8859_1),
                    Duration.ofNanos(System.nanoTime() - t0));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Names of our programs and maps still loaded in the kernel ({@code ft_*} programs, {@code m<N>_*} maps). */
    static List<String> leftInKernel() throws IOException, InterruptedException {
        List<String> left = new ArrayList<>();
        for (String what : List.of("prog", "map")) {
            Process p = new ProcessBuilder("bpftool", what, "show").redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            for (String line : s.split("\n")) if (line.matches(".*\\bname (ft_\\w+|m\\d+_\\w*|ft_events)\\b.*")) left.add(line.trim());
        }
        return left;
    }
}
