package dev.fleettrace.agent.kernel.pmu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Detection of perf event sources from a sysfs tree: with and without kprobes, uprobes and hardware counters. */
class EventSourcesTest {

    private static void pmu(Path root, String name, int type, String... formats) throws Exception {
        Path d = Files.createDirectories(root.resolve(name));
        Files.writeString(d.resolve("type"), type + "\n");
        for (int i = 0; i < formats.length; i += 2) {
            Files.createDirectories(d.resolve("format"));
            Files.writeString(d.resolve("format").resolve(formats[i]), formats[i + 1] + "\n");
        }
    }

    @Test
    void aKernelWithoutKprobesSaysSo(@TempDir Path root, @TempDir Path tracefs) throws Exception {
        pmu(root, "software", 1);
        pmu(root, "tracepoint", 2);
        pmu(root, "uprobe", 7, "retprobe", "config:0", "ref_ctr_offset", "config:32-63");
        EventSources s = new EventSources(root);
        var missing = s.kprobesMissing(tracefs).orElseThrow();
        assertTrue(missing.problem().contains("CONFIG_KPROBES is not set: no kprobe PMU in " + root + " and no kprobe_events in tracefs"), missing.problem());
        assertTrue(s.uprobesMissing().isEmpty());
        assertEquals(7, s.type("uprobe").orElseThrow());
        assertEquals(0, s.configBit("uprobe", "retprobe").orElseThrow());
        assertEquals(32, s.configBit("uprobe", "ref_ctr_offset").orElseThrow());
        assertFalse(s.hasHardware());
        assertTrue(s.hardwareMissing().orElseThrow().problem().contains("no hardware performance counters"));
    }

    @Test
    void aKernelWithKprobesAndCounters(@TempDir Path root) throws Exception {
        pmu(root, "kprobe", 6, "retprobe", "config:0");
        pmu(root, "cpu", 4);
        EventSources s = new EventSources(root);
        assertTrue(s.kprobesMissing(null).isEmpty());
        assertEquals(6, s.type("kprobe").orElseThrow());
        assertTrue(s.hasHardware());
        assertTrue(s.uprobesMissing().isPresent());
    }

    @Test
    void thisHost() {
        // Whatever this machine has, detection answers without failing; STACK.md says this kind has no kprobe PMU.
        EventSources s = EventSources.host();
        assertEquals(s.has("kprobe"), s.kprobesMissing(Path.of("/sys/kernel/tracing")).isEmpty());
    }
}
