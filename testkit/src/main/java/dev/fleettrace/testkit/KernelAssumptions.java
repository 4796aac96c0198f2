package dev.fleettrace.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Tests that load programs into the kernel need root and tracefs. Where they are missing the test is
 * skipped with the reason printed, never faked.
 */
public final class KernelAssumptions {
    private KernelAssumptions() {}

    public static final Path TRACEFS = Path.of("/sys/kernel/tracing");

    public static void assumeBpf() {
        String why = missing();
        if (why != null) System.err.println("SKIPPED (kernel): " + why);
        Assumptions.assumeTrue(why == null, why);
    }

    /** Why kernel tests cannot run here, or null when they can. */
    public static String missing() {
        if (!"root".equals(System.getProperty("user.name"))) return "needs root to load BPF programs (run the tests as root, as .ci/run does)";
        if (!Files.isDirectory(TRACEFS.resolve("events"))) return "tracefs is not mounted at " + TRACEFS + " (mount -t tracefs nodev " + TRACEFS + ")";
        return null;
    }
}
