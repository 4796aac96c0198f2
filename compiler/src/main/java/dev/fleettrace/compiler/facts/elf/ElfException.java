package dev.fleettrace.compiler.facts.elf;

/** The bytes are not an ELF file fleettrace can read (not ELF, not 64-bit little-endian, truncated). */
public final class ElfException extends RuntimeException {
    public ElfException(String message) {
        super(message);
    }
}
