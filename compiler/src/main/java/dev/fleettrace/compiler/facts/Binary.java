package dev.fleettrace.compiler.facts;

import dev.fleettrace.compiler.facts.elf.ElfFile;

/** An ELF file a user-space probe names: where it was found, and its contents. */
public record Binary(String path, ElfFile elf) {}
