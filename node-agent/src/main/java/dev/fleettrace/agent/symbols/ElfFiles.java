package dev.fleettrace.agent.symbols;

import dev.fleettrace.compiler.facts.elf.ElfException;
import dev.fleettrace.compiler.facts.elf.ElfFile;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ELF files read once and kept while unchanged (same size and modification time): the binaries probes
 * name and the files processes map. Mapped read-only, not copied.
 */
public final class ElfFiles {
    private ElfFiles() {}

    private record Entry(long size, long mtime, ElfFile elf) {}

    private static final ConcurrentHashMap<Path, Entry> CACHE = new ConcurrentHashMap<>();

    /** The ELF file at {@code path}, or empty when it is missing, unreadable or not 64-bit little-endian ELF. */
    public static Optional<ElfFile> get(Path path) {
        try {
            BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class);
            if (!attrs.isRegularFile()) return Optional.empty();
            long mtime = attrs.lastModifiedTime().toMillis();
            Entry e = CACHE.get(path);
            if (e != null && e.size() == attrs.size() && e.mtime() == mtime) return Optional.of(e.elf());
            ElfFile elf;
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                elf = ElfFile.parse(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()));
            }
            if (CACHE.size() > 512) CACHE.clear();
            CACHE.put(path, new Entry(attrs.size(), mtime, elf));
            return Optional.of(elf);
        } catch (IOException | ElfException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }
}
