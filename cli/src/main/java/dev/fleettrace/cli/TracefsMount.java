package dev.fleettrace.cli;

import dev.fleettrace.agent.kernel.tracefs.Tracefs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A fresh machine may boot without tracefs mounted. Run as root, fleettrace mounts it where the
 * kernel expects it (as a DaemonSet's host mount would) and says so; without root it leaves the
 * system alone and the kernel layer's message says what to do.
 */
final class TracefsMount {
    private TracefsMount() {}

    static final Path TRACING = Path.of("/sys/kernel/tracing");

    static void ensure() {
        if (Tracefs.locate().isPresent() || !Files.isDirectory(TRACING)) return;
        try {
            Process p = new ProcessBuilder("mount", "-t", "tracefs", "nodev", TRACING.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && Tracefs.locate().isPresent()) {
                System.err.println("fleettrace: mounted tracefs at " + TRACING);
            } else if (!out.isEmpty()) {
                System.err.println("fleettrace: could not mount tracefs at " + TRACING + ": " + out);
            }
        } catch (Exception e) {
            // No mount(8): the kernel layer reports tracefs missing, with the command to run.
        }
    }
}
