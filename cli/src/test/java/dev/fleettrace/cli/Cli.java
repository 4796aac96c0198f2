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

    /**
     * Our programs and maps ({@code ft_*} programs, {@code m<N>_*} maps) loaded in the kernel that no live
     * process holds. Other worktrees' jobs run at the same time on this kernel: what a live process holds
     * (a descriptor in /proc/PID/fdinfo, a perf event in bpftool perf, and the maps of such a program) is
     * theirs, or a job still running; a job that has ended must leave nothing else behind.
     */
    static List<String> leftInKernel() throws IOException, InterruptedException {
        java.util.Set<Integer> heldProgs = new java.util.HashSet<>(), heldMaps = new java.util.HashSet<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path proc : (Iterable<Path>) procs::iterator) {
                if (!proc.getFileName().toString().matches("\\d+")) continue;
                try (var fds = Files.list(proc.resolve("fdinfo"))) {
                    for (Path fd : (Iterable<Path>) fds::iterator) {
                        String info;
                        try {
                            info = Files.readString(fd);
                        } catch (IOException e) {
                            continue;
                        }
                        for (String line : info.split("\n")) {
                            if (line.startsWith("prog_id:")) heldProgs.add(Integer.parseInt(line.substring(8).trim()));
                            if (line.startsWith("map_id:")) heldMaps.add(Integer.parseInt(line.substring(7).trim()));
                        }
                    }
                } catch (IOException | java.io.UncheckedIOException e) {
                    // The process ended meanwhile, or is not ours to read.
                }
            }
        }
        var perf = java.util.regex.Pattern.compile("\"prog_id\":(\\d+)").matcher(bpftool("-j", "perf"));
        while (perf.find()) heldProgs.add(Integer.parseInt(perf.group(1)));
        List<String> left = new ArrayList<>();
        for (String block : bpftool("prog", "show").split("\n(?=\\d+: )")) {
            var m = java.util.regex.Pattern.compile("^(\\d+): .*\\bname (ft_\\w+)\\b", java.util.regex.Pattern.DOTALL).matcher(block);
            if (!m.find()) continue;
            int id = Integer.parseInt(m.group(1));
            var maps = java.util.regex.Pattern.compile("map_ids ([\\d,]+)").matcher(block);
            if (heldProgs.contains(id)) {
                if (maps.find()) for (String mid : maps.group(1).split(",")) heldMaps.add(Integer.parseInt(mid));
                continue;
            }
            left.add(block.lines().findFirst().orElse(block).trim());
        }
        for (String block : bpftool("map", "show").split("\n(?=\\d+: )")) {
            var m = java.util.regex.Pattern.compile("^(\\d+): .*\\bname (m\\d+_\\w*|ft_events)\\b").matcher(block);
            if (m.find() && !heldMaps.contains(Integer.parseInt(m.group(1)))) left.add(block.lines().findFirst().orElse(block).trim());
        }
        return left;
    }

    /** Our programs and maps loaded in the kernel now, whoever holds them (a job of ours that is running included). */
    static List<String> loadedInKernel() throws IOException, InterruptedException {
        List<String> all = new ArrayList<>();
        for (String what : List.of("prog", "map")) {
            for (String line : bpftool(what, "show").split("\n")) if (line.matches(".*\\bname (ft_\\w+|m\\d+_\\w*|ft_events)\\b.*")) all.add(line.trim());
        }
        return all;
    }

    private static String bpftool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bpftool"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return s;
    }
}
