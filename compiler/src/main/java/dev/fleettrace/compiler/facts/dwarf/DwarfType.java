package dev.fleettrace.compiler.facts.dwarf;

import java.util.List;

/**
 * A C type as DWARF describes it ({@code .debug_info}), as much of it as uprobe arguments need: what
 * {@code -lv} prints and how {@code args->name} is read. Structs and unions carry their DIE's offset;
 * their members are read on demand ({@link DebugInfo#members}), so self-referencing types stay finite.
 */
public sealed interface DwarfType {

    /** DW_ATE_* encodings of base types. */
    int ATE_BOOLEAN = 0x02, ATE_FLOAT = 0x04, ATE_SIGNED = 0x05, ATE_SIGNED_CHAR = 0x06, ATE_UNSIGNED = 0x07, ATE_UNSIGNED_CHAR = 0x08;

    /** {@code int}, {@code long unsigned int}, {@code _Bool}, {@code double}: DW_TAG_base_type. */
    record Base(String name, int byteSize, int encoding) implements DwarfType {}

    /** {@code T*}; {@code target} null for {@code void*}. */
    record Pointer(DwarfType target) implements DwarfType {}

    /** {@code const}, {@code volatile}, {@code restrict} or {@code _Atomic} T; {@code inner} null for void. */
    record Qualified(Qualifier qualifier, DwarfType inner) implements DwarfType {}

    enum Qualifier { CONST, VOLATILE, RESTRICT, ATOMIC }

    /** {@code typedef inner name}; {@code inner} null for a typedef of void. */
    record Typedef(String name, DwarfType inner) implements DwarfType {}

    /**
     * A struct or union: {@code name} empty when anonymous; {@code dieOffset} finds its members.
     * {@code declaration}: only declared here ({@code struct x;}), its members elsewhere or nowhere.
     */
    record Composite(boolean union, String name, int byteSize, long dieOffset, boolean declaration) implements DwarfType {}

    /** An enumeration of {@code byteSize} bytes. */
    record Enum(String name, int byteSize) implements DwarfType {}

    /** {@code element[counts[0]][counts[1]]...}; a count of -1 when unknown ({@code int a[]}). */
    record Array(DwarfType element, List<Long> counts) implements DwarfType {
        public Array {
            counts = List.copyOf(counts);
        }
    }

    /** Anything else (function types, pointers to members...): {@code tag} is its DW_TAG_*. */
    record Other(int tag) implements DwarfType {}

    /** A struct or union member: a bitfield when {@code bitSize > 0}, {@code bitOffset} bits past {@code byteOffset}. */
    record Member(String name, DwarfType type, long byteOffset, int bitSize, int bitOffset) {}

    /** A formal parameter of a function; {@code name} empty when DWARF gives none. */
    record Parameter(String name, DwarfType type) {}

    /** A function (DW_TAG_subprogram) and its formal parameters, in order. */
    record Subprogram(String name, List<Parameter> parameters) {
        public Subprogram {
            parameters = List.copyOf(parameters);
        }
    }
}
