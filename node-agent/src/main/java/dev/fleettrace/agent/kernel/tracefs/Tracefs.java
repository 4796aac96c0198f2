package dev.fleettrace.agent.kernel.tracefs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** A mounted tracefs: tracepoint ids, formats and the list of events. */
public final class Tracefs {
    /** Where tracefs is looked for, in order: its own mount point, then the debugfs one of older systems. */
    public static final List<Path> LOCATIONS = List.of(Path.of("/sys/kernel/tracing"), Path.of("/sys/kernel/debug/tracing"));

    /** Tracepoint categories and names are C identifiers; anything else must not reach a path. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]+");

    private final Path root;

    public Tracefs(Path root) {
        this.root = root;
    }

    /** The first of {@link #LOCATIONS} with an {@code events} directory, or empty when tracefs is not mounted. */
    public static Optional<Tracefs> locate() {
        return LOCATIONS.stream().filter(p -> Files.isDirectory(p.resolve("events"))).findFirst().map(Tracefs::new);
    }

    /**
     * A location that exists but this process may not enter (tracefs is root-only by default): when
     * {@link #locate()} finds nothing, this tells "not allowed" from "not mounted".
     */
    public static Optional<Path> inaccessible() {
        return LOCATIONS.stream().filter(p -> Files.isDirectory(p) && !(Files.isReadable(p) && Files.isExecutable(p))).findFirst();
    }

    public Path root() {
        return root;
    }

    /** The tracepoint's id ({@code events/CAT/EVENT/id}), or empty when the kernel has no such tracepoint. */
    public OptionalLong tracepointId(String category, String event) {
        return read(category, event, "id").map(s -> OptionalLong.of(Long.parseLong(s.trim()))).orElse(OptionalLong.empty());
    }

    /** The text of the tracepoint's {@code format} file, or empty when the kernel has no such tracepoint. */
    public Optional<String> format(String category, String event) {
        return read(category, event, "format");
    }

    private Optional<String> read(String category, String event, String file) {
        if (!NAME.matcher(category).matches() || !NAME.matcher(event).matches()) return Optional.empty();
        try {
            return Optional.of(Files.readString(root.resolve("events").resolve(category).resolve(event).resolve(file)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " of tracepoint " + category + ":" + event, e);
        }
    }

    /** Every tracepoint as {@code category:event}: from {@code available_events}, else by walking {@code events/}. */
    public List<String> tracepoints() {
        Path available = root.resolve("available_events");
        try {
            if (Files.isReadable(available)) {
                try (Stream<String> lines = Files.lines(available)) {
                    return lines.map(String::strip).filter(l -> l.indexOf(':') > 0).toList();
                }
            }
            List<String> out = new ArrayList<>();
            try (DirectoryStream<Path> cats = Files.newDirectoryStream(root.resolve("events"), Files::isDirectory)) {
                for (Path cat : cats) {
                    try (DirectoryStream<Path> events = Files.newDirectoryStream(cat, p -> Files.exists(p.resolve("id")))) {
                        for (Path ev : events) out.add(cat.getFileName() + ":" + ev.getFileName());
                    }
                }
            }
            out.sort(null);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the tracepoints of " + root, e);
        }
    }

    @Override
    public String toString() {
        return "tracefs at " + root;
    }
}
