package dev.fleettrace.agent.kernel.pmu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel's perf event sources ({@code /sys/bus/event_source/devices}): whether it has a kprobe, uprobe
 * or hardware PMU, the PMU's dynamic type number, and where a flag sits in {@code config}
 * ({@code format/retprobe} reads {@code config:0}).
 */
public final class EventSources {
    public static final Path HOST = Path.of("/sys/bus/event_source/devices");

    private final Path root;

    public EventSources(Path root) {
        this.root = root;
    }

    public static EventSources host() {
        return new EventSources(HOST);
    }

    public Path root() {
        return root;
    }

    public boolean has(String pmu) {
        return Files.isRegularFile(root.resolve(pmu).resolve("type"));
    }

    /** The PMU's {@code type}, for perf_event_attr.type. */
    public OptionalInt type(String pmu) {
        try {
            return OptionalInt.of(Integer.parseInt(Files.readString(root.resolve(pmu).resolve("type")).trim()));
        } catch (IOException | NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /** Where a format field lies in perf_event_attr.config: its first bit (a {@code config:LO[-HI]} format). */
    public OptionalInt configBit(String pmu, String field) {
        try {
            Matcher m = FORMAT.matcher(Files.readString(root.resolve(pmu).resolve("format").resolve(field)).trim());
            return m.matches() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    private static final Pattern FORMAT = Pattern.compile("config:(\\d+)(?:-\\d+)?");

    /** A hardware PMU: {@code cpu} on x86 ({@code cpu_core}/{@code cpu_atom} on hybrid parts), the ARM PMUs elsewhere. */
    public boolean hasHardware() {
        if (has("cpu") || has("cpu_core") || has("cpu_atom")) return true;
        try (var s = Files.list(root)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith("armv8_pmu") || p.getFileName().toString().startsWith("armv7_"));
        } catch (IOException e) {
            return false;
        }
    }

    /** What the kernel lacks, and what to do instead. */
    public record Missing(String problem, String remedy) {
        /** Both on one line, for a diagnostic. */
        public String oneLine() {
            return problem + "; " + remedy;
        }
    }

    /** Why kprobes cannot attach here, or empty when the kprobe PMU exists. */
    public Optional<Missing> kprobesMissing(Path tracefs) {
        if (has("kprobe")) return Optional.empty();
        boolean legacy = tracefs != null && Files.exists(tracefs.resolve("kprobe_events"));
        return Optional.of(new Missing("kprobes are not available on this kernel: it is built without them (CONFIG_KPROBES is not set: no kprobe PMU in "
                + root + (legacy ? ")" : " and no kprobe_events in tracefs)"), "use a tracepoint or a rawtracepoint instead, or a kernel with kprobes"));
    }

    /** Why uprobes cannot attach here, or empty. */
    public Optional<Missing> uprobesMissing() {
        if (has("uprobe")) return Optional.empty();
        return Optional.of(new Missing("uprobes are not available on this kernel: it is built without them (CONFIG_UPROBE_EVENTS: no uprobe PMU in " + root + ")",
                "use a kernel with uprobes"));
    }

    /** Why hardware events cannot attach here, or empty. */
    public Optional<Missing> hardwareMissing() {
        if (hasHardware()) return Optional.empty();
        return Optional.of(new Missing("hardware events are not available: this machine exposes no hardware performance counters (no cpu PMU in "
                + root + "; virtual machines often have none)", "use software:cpu-clock or profile instead"));
    }
}
