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
 * ELF files read once and kept while unchanged: the binaries probes name and the files processes map.
 * Keyed by the file itself (device and inode, size, modification time), so the same library reached
 * through different paths ({@code /proc/PID/root/...} of processes in other mount namespaces) is read
 * once. Mapped read-only, not copied.
 */
public final class ElfFiles {
    private ElfFiles() {}

    private record Key(Object fileKey, long size, long mtime) {}

    private static final ConcurrentHashMap<Key, ElfFile> CACHE = new ConcurrentHashMap<>();

    /** The ELF file at {@code path}, or empty when it is missing, unreadable or not 64-bit little-endian ELF. */
    public static Optional<ElfFile> get(Path path) {
        try {
            BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class);
            if (!attrs.isRegularFile()) return Optional.empty();
            Key key = new Key(attrs.fileKey() != null ? attrs.fileKey() : path.toRealPath(), attrs.size(), attrs.lastModifiedTime().toMillis());
            ElfFile cached = CACHE.get(key);
            if (cached != null) return Optional.of(cached);
            ElfFile elf;
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                elf = ElfFile.parse(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()));
            }
            if (CACHE.size() > 512) CACHE.clear();
            CACHE.put(key, elf);
            return Optional.of(elf);
        } catch (IOException | ElfException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }
}
