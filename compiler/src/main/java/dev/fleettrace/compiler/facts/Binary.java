package dev.fleettrace.compiler.facts;

import dev.fleettrace.compiler.facts.dwarf.DebugInfo;
import dev.fleettrace.compiler.facts.elf.ElfFile;
import java.util.Optional;

/**
 * An ELF file a user-space probe names: where it was found, its contents, and the ELF file holding its
 * DWARF ({@code debug}: the file itself, or a separate debug file found by build id or debuglink).
 */
public record Binary(String path, ElfFile elf, ElfFile debug) {

    public Binary(String path, ElfFile elf) {
        this(path, elf, elf);
    }

    /** Its DWARF, when it has any: functions' parameters for uprobes' {@code args} and {@code -lv}. */
    public Optional<DebugInfo> debugInfo() {
        return debug == null ? Optional.empty() : DebugInfo.of(debug);
    }
}
