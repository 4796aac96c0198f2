package dev.fleettrace.agent.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code system()} (allowed with --unsafe): runs the command on this agent's host through {@code /bin/sh -c},
 * as bpftrace does, and returns its standard output for the host's output stream. Like bpftrace it
 * waits for the command: events after it follow its output.
 */
final class SystemCommand {
    private SystemCommand() {}

    static String run(String command) {
        try {
            Process p = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(false)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            byte[] out = p.getInputStream().readAllBytes();
            p.waitFor();
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
