package dev.fleettrace.compiler.facts.dwarf;

import dev.fleettrace.compiler.facts.elf.ElfException;
import dev.fleettrace.compiler.facts.elf.ElfFile;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;

/**
 * The DWARF debugging information of one ELF file ({@code .debug_info} and the sections it refers to):
 * functions' parameters and their types, for uprobes' {@code args} and {@code -lv}. Pure: it reads the
 * ELF file it is given. Read lazily and once per file.
 *
 * <p>DWARF 2 to 5, 32- and 64-bit format. {@link #of} only checks the units' headers; the first
 * {@link #function} call indexes subprogram names in one pass over the DIEs, skipping every attribute
 * it does not need; types are decoded on demand from their DIE and cached by offset. Malformed DWARF
 * makes {@link #function} empty and {@link #members} empty, never an exception.
 */
public final class DebugInfo {

    // DW_TAG_*
    static final int TAG_ARRAY = 0x01, TAG_CLASS = 0x02, TAG_ENUMERATION = 0x04, TAG_FORMAL_PARAMETER = 0x05, TAG_MEMBER = 0x0d,
            TAG_POINTER = 0x0f, TAG_STRUCTURE = 0x13, TAG_TYPEDEF = 0x16, TAG_UNION = 0x17, TAG_SUBRANGE = 0x21, TAG_BASE = 0x24,
            TAG_CONST = 0x26, TAG_SUBPROGRAM = 0x2e, TAG_VOLATILE = 0x35, TAG_RESTRICT = 0x37, TAG_ATOMIC = 0x47;
    // DW_AT_*
    static final int AT_SIBLING = 0x01, AT_NAME = 0x03, AT_BYTE_SIZE = 0x0b, AT_BIT_OFFSET = 0x0c, AT_BIT_SIZE = 0x0d,
            AT_LOWER_BOUND = 0x22, AT_UPPER_BOUND = 0x2f, AT_ABSTRACT_ORIGIN = 0x31, AT_COUNT = 0x37, AT_DATA_MEMBER_LOCATION = 0x38,
            AT_DECLARATION = 0x3c, AT_ENCODING = 0x3e, AT_SPECIFICATION = 0x47, AT_TYPE = 0x49, AT_DATA_BIT_OFFSET = 0x6b,
            AT_LINKAGE_NAME = 0x6e, AT_STR_OFFSETS_BASE = 0x72, AT_MIPS_LINKAGE_NAME = 0x2007;
    // DW_FORM_*
    static final int FORM_ADDR = 0x01, FORM_BLOCK2 = 0x03, FORM_BLOCK4 = 0x04, FORM_DATA2 = 0x05, FORM_DATA4 = 0x06, FORM_DATA8 = 0x07,
            FORM_STRING = 0x08, FORM_BLOCK = 0x09, FORM_BLOCK1 = 0x0a, FORM_DATA1 = 0x0b, FORM_FLAG = 0x0c, FORM_SDATA = 0x0d,
            FORM_STRP = 0x0e, FORM_UDATA = 0x0f, FORM_REF_ADDR = 0x10, FORM_REF1 = 0x11, FORM_REF2 = 0x12, FORM_REF4 = 0x13,
            FORM_REF8 = 0x14, FORM_REF_UDATA = 0x15, FORM_INDIRECT = 0x16, FORM_SEC_OFFSET = 0x17, FORM_EXPRLOC = 0x18,
            FORM_FLAG_PRESENT = 0x19, FORM_STRX = 0x1a, FORM_ADDRX = 0x1b, FORM_REF_SUP4 = 0x1c, FORM_STRP_SUP = 0x1d,
            FORM_DATA16 = 0x1e, FORM_LINE_STRP = 0x1f, FORM_REF_SIG8 = 0x20, FORM_IMPLICIT_CONST = 0x21, FORM_LOCLISTX = 0x22,
            FORM_RNGLISTX = 0x23, FORM_REF_SUP8 = 0x24, FORM_STRX1 = 0x25, FORM_STRX2 = 0x26, FORM_STRX3 = 0x27, FORM_STRX4 = 0x28,
            FORM_ADDRX1 = 0x29, FORM_ADDRX2 = 0x2a, FORM_ADDRX3 = 0x2b, FORM_ADDRX4 = 0x2c, FORM_GNU_ADDR_INDEX = 0x1f01,
            FORM_GNU_STR_INDEX = 0x1f02, FORM_GNU_REF_ALT = 0x1f20, FORM_GNU_STRP_ALT = 0x1f21;
    // DW_UT_*
    static final int UT_COMPILE = 1, UT_TYPE = 2, UT_PARTIAL = 3, UT_SKELETON = 4, UT_SPLIT_COMPILE = 5, UT_SPLIT_TYPE = 6;
    private static final int DW_OP_PLUS_UCONST = 0x23;

    /** A reference fleettrace cannot follow: into a type unit (ref_sig8) or a supplementary file (dwz). */
    private static final long UNRESOLVABLE = -2;
    /** How many abstract_origin/specification links and nested types are followed: only malformed DWARF goes deeper. */
    private static final int MAX_LINKS = 8, MAX_TYPE_DEPTH = 64;

    /** Per ELF file: ElfFile instances are cached per path by the agent, so a file is read once. */
    private static final Map<ElfFile, Optional<DebugInfo>> CACHE = Collections.synchronizedMap(new WeakHashMap<>());

    private final ByteBuffer info, abbrev, str, lineStr, strOffsets;
    private final List<Unit> units;
    private final int[] unitStarts;
    private final Map<Integer, Abbrevs> abbrevTables = new HashMap<>();
    private final Map<Integer, DwarfType> types = new HashMap<>();
    /** Subprogram DIEs by name (DW_AT_name and linkage name), built by the first {@link #function} call. */
    private Map<String, List<Candidate>> functions;

    private DebugInfo(ByteBuffer info, ByteBuffer abbrev, ByteBuffer str, ByteBuffer lineStr, ByteBuffer strOffsets, List<Unit> units) {
        this.info = info;
        this.abbrev = abbrev;
        this.str = str;
        this.lineStr = lineStr;
        this.strOffsets = strOffsets;
        this.units = units;
        this.unitStarts = units.stream().mapToInt(Unit::start).toArray();
    }

    /** The debugging information of {@code elf}, or empty when it has no {@code .debug_info}. */
    public static Optional<DebugInfo> of(ElfFile elf) {
        Optional<DebugInfo> known = CACHE.get(elf);
        if (known != null) return known;
        // Read outside the lock: another file's read need not wait for this one. A racing read of the same file loses.
        Optional<DebugInfo> read = read(elf);
        synchronized (CACHE) {
            return CACHE.computeIfAbsent(elf, e -> read);
        }
    }

    private static Optional<DebugInfo> read(ElfFile elf) {
        try {
            Optional<ByteBuffer> info = elf.sectionData(".debug_info");
            Optional<ByteBuffer> abbrev = elf.sectionData(".debug_abbrev");
            if (info.isEmpty() || abbrev.isEmpty()) return Optional.empty();
            List<Unit> units = units(info.get(), abbrev.get().limit());
            if (units.isEmpty()) return Optional.empty();
            ByteBuffer none = ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
            return Optional.of(new DebugInfo(info.get(), abbrev.get(), elf.sectionData(".debug_str").orElse(none),
                    elf.sectionData(".debug_line_str").orElse(none), elf.sectionData(".debug_str_offsets").orElse(none), units));
        } catch (ElfException | DwarfException e) {
            return Optional.empty();
        }
    }

    /** The function named {@code name}: its definition when there is one, else a declaration; empty when DWARF has none. */
    public synchronized Optional<DwarfType.Subprogram> function(String name) {
        if (functions == null) functions = index();
        List<Candidate> found = functions.get(name);
        if (found == null) return Optional.empty();
        // Definitions first, then those naming their declaration or abstract instance, then declarations; each in file order.
        for (Candidate c : found.stream().sorted(Comparator.comparingInt(Candidate::rank).thenComparingInt(Candidate::offset)).toList()) {
            try {
                return Optional.of(new DwarfType.Subprogram(name, parameters(c.offset())));
            } catch (DwarfException | IndexOutOfBoundsException | BufferUnderflowException | ArithmeticException e) {
                // this DIE cannot be decoded: try the next
            }
        }
        return Optional.empty();
    }

    /** The members of a struct or union, in declaration order; empty for a declaration. */
    public synchronized List<DwarfType.Member> members(DwarfType.Composite c) {
        if (c.declaration()) return List.of();
        try {
            Die d = die(Math.toIntExact(c.dieOffset()));
            List<DwarfType.Member> out = new ArrayList<>();
            for (Die m : children(d)) {
                if (m.tag() == TAG_MEMBER && !m.flag(AT_DECLARATION)) out.add(member(m)); // a declaration: a C++ static member
            }
            return List.copyOf(out);
        } catch (DwarfException | IndexOutOfBoundsException | BufferUnderflowException | ArithmeticException e) {
            return List.of();
        }
    }

    /**
     * A type's name as bpftrace 0.17 prints it in {@code -lv} ({@code const char*}, {@code char* const},
     * {@code struct pt*}, {@code void*}, {@code <unknown type>} for what it does not name).
     */
    public static String typeName(DwarfType t) {
        return switch (t) {
            case null -> "void";
            case DwarfType.Base b -> b.name();
            case DwarfType.Typedef td -> td.name();
            case DwarfType.Pointer p -> typeName(p.target()) + "*";
            case DwarfType.Composite c -> (c.union() ? "union " : "struct ") + orAnonymous(c.name());
            case DwarfType.Enum e -> "enum " + orAnonymous(e.name());
            case DwarfType.Qualified(var q, var inner) when q == DwarfType.Qualifier.CONST ->
                    inner instanceof DwarfType.Pointer ? typeName(inner) + " const" : "const " + typeName(inner);
            // bpftrace 0.17 names no other qualifier, nor arrays or function types.
            case DwarfType.Qualified q -> "<unknown type>";
            case DwarfType.Array a -> "<unknown type>";
            case DwarfType.Other o -> "<unknown type>";
        };
    }

    private static String orAnonymous(String name) {
        return name.isEmpty() ? "<anonymous>" : name;
    }

    // ---- units and abbreviations

    /** A unit's header: {@code [start, end)} in {@code .debug_info}, its first DIE at {@code dieStart}. */
    private record Unit(int start, int end, int dieStart, int version, int unitType, int offsetSize, int addrSize, int abbrevOffset,
            long[] strOffsetsBase) {}

    /**
     * Every unit's header. Garbage in the first header means no usable DWARF ({@link DwarfException});
     * garbage later (padding, a truncated section) ends the list there.
     */
    private static List<Unit> units(ByteBuffer info, int abbrevSize) {
        List<Unit> out = new ArrayList<>();
        int pos = 0;
        while (pos < info.limit()) {
            try {
                Reader r = new Reader(info, pos);
                long length = r.u32();
                int offsetSize = 4;
                if (length == 0xffffffffL) {
                    length = r.u64();
                    offsetSize = 8;
                } else if (length >= 0xfffffff0L) {
                    throw new DwarfException("reserved unit length at " + pos);
                }
                if (length < 2 || length > info.limit() - r.pos) throw new DwarfException("unit at " + pos + " runs past .debug_info");
                int end = r.pos + (int) length;
                int version = r.u16();
                int unitType = UT_COMPILE, addrSize;
                long abbrevOffset;
                if (version >= 5) {
                    unitType = r.u8();
                    addrSize = r.u8();
                    abbrevOffset = r.offset(offsetSize);
                    switch (unitType) {
                        case UT_COMPILE, UT_PARTIAL -> {}
                        case UT_TYPE, UT_SPLIT_TYPE -> r.pos += 8 + offsetSize; // type signature, type offset
                        case UT_SKELETON, UT_SPLIT_COMPILE -> r.pos += 8; // dwo id
                        default -> throw new DwarfException("unknown unit type " + unitType + " at " + pos);
                    }
                } else {
                    abbrevOffset = r.offset(offsetSize);
                    addrSize = r.u8();
                }
                if (version < 2 || version > 5) throw new DwarfException("DWARF version " + version + " at " + pos);
                if (addrSize < 1 || addrSize > 8) throw new DwarfException("address size " + addrSize + " at " + pos);
                if (abbrevOffset < 0 || abbrevOffset >= abbrevSize) throw new DwarfException("abbreviations offset out of range at " + pos);
                if (r.pos > end) throw new DwarfException("unit header at " + pos + " longer than its unit");
                out.add(new Unit(pos, end, r.pos, version, unitType, offsetSize, addrSize, (int) abbrevOffset, new long[] {-1}));
                pos = end;
            } catch (DwarfException | IndexOutOfBoundsException e) {
                if (out.isEmpty()) throw e instanceof DwarfException d ? d : new DwarfException("truncated unit header");
                break;
            }
        }
        return out;
    }

    private Unit unitAt(int offset) {
        int i = Arrays.binarySearch(unitStarts, offset);
        if (i < 0) i = -i - 2;
        if (i < 0 || offset >= units.get(i).end()) throw new DwarfException("offset " + offset + " is in no unit");
        return units.get(i);
    }

    /** An abbreviation: a DIE's tag, whether it has children, and its attributes' names and forms. */
    private static final class Abbrev {
        final int tag;
        final boolean children;
        final int[] attrs, forms;
        final long[] implicitConsts;
        /** The size of all attribute values when every form has a fixed size in units of shape {@link #shape}, else -1. */
        private int fixedSize, shape = -1;

        Abbrev(int tag, boolean children, int[] attrs, int[] forms, long[] implicitConsts) {
            this.tag = tag;
            this.children = children;
            this.attrs = attrs;
            this.forms = forms;
            this.implicitConsts = implicitConsts;
        }

        int tag() {
            return tag;
        }

        boolean children() {
            return children;
        }

        int[] attrs() {
            return attrs;
        }

        int[] forms() {
            return forms;
        }

        long[] implicitConsts() {
            return implicitConsts;
        }

        /** Computed once per unit shape (in practice once): most DIEs are then skipped in one step. */
        int fixedSize(Unit u) {
            int key = u.offsetSize() << 8 | u.addrSize() << 1 | (u.version() <= 2 ? 1 : 0);
            if (shape != key) {
                int size = 0;
                for (int form : forms) {
                    int n = formSize(form, u);
                    if (n < 0) {
                        size = -1;
                        break;
                    }
                    size += n;
                }
                fixedSize = size;
                shape = key;
            }
            return fixedSize;
        }
    }

    /** The size of a value of form {@code form} in unit {@code u}, -1 when it varies (LEB128, strings, blocks, indirect). */
    private static int formSize(int form, Unit u) {
        return switch (form) {
            case FORM_FLAG_PRESENT, FORM_IMPLICIT_CONST -> 0;
            case FORM_DATA1, FORM_FLAG, FORM_REF1, FORM_STRX1, FORM_ADDRX1 -> 1;
            case FORM_DATA2, FORM_REF2, FORM_STRX2, FORM_ADDRX2 -> 2;
            case FORM_STRX3, FORM_ADDRX3 -> 3;
            case FORM_DATA4, FORM_REF4, FORM_STRX4, FORM_ADDRX4, FORM_REF_SUP4 -> 4;
            case FORM_DATA8, FORM_REF8, FORM_REF_SIG8, FORM_REF_SUP8 -> 8;
            case FORM_DATA16 -> 16;
            case FORM_ADDR -> u.addrSize();
            case FORM_STRP, FORM_LINE_STRP, FORM_SEC_OFFSET, FORM_STRP_SUP, FORM_GNU_REF_ALT, FORM_GNU_STRP_ALT -> u.offsetSize();
            case FORM_REF_ADDR -> u.version() <= 2 ? u.addrSize() : u.offsetSize();
            default -> -1;
        };
    }

    /** One abbreviation table; codes are usually 1..n, so an array. */
    private record Abbrevs(Abbrev[] dense, Map<Long, Abbrev> sparse) {
        Abbrev get(long code) {
            Abbrev a = code > 0 && code < dense.length ? dense[(int) code] : sparse.get(code);
            if (a == null) throw new DwarfException("unknown abbreviation code " + code);
            return a;
        }
    }

    private Abbrevs abbrevs(Unit u) {
        Abbrevs table = abbrevTables.get(u.abbrevOffset());
        if (table == null) {
            table = readAbbrevs(u.abbrevOffset());
            abbrevTables.put(u.abbrevOffset(), table);
        }
        return table;
    }

    private Abbrevs readAbbrevs(int offset) {
        try {
            Reader r = new Reader(abbrev, offset);
            List<Abbrev> dense = new ArrayList<>();
            Map<Long, Abbrev> sparse = new HashMap<>();
            while (true) {
                long code = r.uleb();
                if (code == 0) break;
                int tag = (int) r.uleb();
                boolean children = r.u8() != 0;
                List<long[]> specs = new ArrayList<>();
                while (true) {
                    int attr = (int) r.uleb(), form = (int) r.uleb();
                    if (attr == 0 && form == 0) break;
                    specs.add(new long[] {attr, form, form == FORM_IMPLICIT_CONST ? r.sleb() : 0});
                }
                Abbrev a = new Abbrev(tag, children, specs.stream().mapToInt(s -> (int) s[0]).toArray(),
                        specs.stream().mapToInt(s -> (int) s[1]).toArray(), specs.stream().mapToLong(s -> s[2]).toArray());
                if (code < 1 << 16) {
                    while (dense.size() <= code) dense.add(null);
                    dense.set((int) code, a);
                } else {
                    sparse.put(code, a);
                }
            }
            return new Abbrevs(dense.toArray(Abbrev[]::new), sparse);
        } catch (IndexOutOfBoundsException e) {
            throw new DwarfException("truncated abbreviation table at " + offset);
        }
    }

    // ---- attribute values

    /**
     * Reads the value of an attribute of form {@code form} at {@code r} and moves past it: a constant,
     * flag, offset or index as is, a CU-relative reference made global ({@link #UNRESOLVABLE} when it
     * cannot be), the position of an inline string, or the position of a block's data.
     */
    private long value(Reader r, int form, Unit u) {
        return switch (form) {
            case FORM_ADDR -> r.unsigned(u.addrSize());
            case FORM_DATA1, FORM_FLAG, FORM_STRX1, FORM_ADDRX1 -> r.u8();
            case FORM_DATA2, FORM_STRX2, FORM_ADDRX2 -> r.u16();
            case FORM_STRX3, FORM_ADDRX3 -> r.unsigned(3);
            case FORM_DATA4, FORM_STRX4, FORM_ADDRX4 -> r.u32();
            case FORM_DATA8 -> r.u64();
            case FORM_DATA16 -> {
                r.pos += 16;
                yield 0;
            }
            case FORM_SDATA -> r.sleb();
            case FORM_UDATA, FORM_STRX, FORM_ADDRX, FORM_LOCLISTX, FORM_RNGLISTX, FORM_GNU_ADDR_INDEX, FORM_GNU_STR_INDEX -> r.uleb();
            case FORM_STRING -> {
                int at = r.pos;
                r.skipCString();
                yield at;
            }
            case FORM_STRP, FORM_LINE_STRP, FORM_SEC_OFFSET, FORM_STRP_SUP, FORM_GNU_STRP_ALT -> r.offset(u.offsetSize());
            case FORM_REF_ADDR -> r.offset(u.version() <= 2 ? u.addrSize() : u.offsetSize());
            case FORM_REF1 -> u.start() + r.u8();
            case FORM_REF2 -> u.start() + r.u16();
            case FORM_REF4 -> u.start() + r.u32();
            case FORM_REF8 -> u.start() + r.u64();
            case FORM_REF_UDATA -> u.start() + r.uleb();
            case FORM_REF_SIG8, FORM_REF_SUP8 -> {
                r.pos += 8;
                yield UNRESOLVABLE;
            }
            case FORM_REF_SUP4 -> {
                r.pos += 4;
                yield UNRESOLVABLE;
            }
            case FORM_GNU_REF_ALT -> {
                r.offset(u.offsetSize());
                yield UNRESOLVABLE;
            }
            case FORM_BLOCK1 -> r.block(r.u8());
            case FORM_BLOCK2 -> r.block(r.u16());
            case FORM_BLOCK4 -> r.block(r.u32());
            case FORM_BLOCK, FORM_EXPRLOC -> r.block(r.uleb());
            case FORM_FLAG_PRESENT -> 1;
            default -> throw new DwarfException("unknown attribute form 0x" + Integer.toHexString(form));
        };
    }

    /** The string an attribute of form {@code form} with {@link #value} {@code v} names; "" when it is in another file. */
    private String string(Unit u, int form, long v) {
        return switch (form) {
            case FORM_STRING -> cString(info, v);
            case FORM_STRP -> cString(str, v);
            case FORM_LINE_STRP -> cString(lineStr, v);
            case FORM_STRX, FORM_STRX1, FORM_STRX2, FORM_STRX3, FORM_STRX4 -> {
                long at = strOffsetsBase(u) + v * u.offsetSize();
                if (at < 0 || at + u.offsetSize() > strOffsets.limit()) throw new DwarfException("string index " + v + " out of range");
                yield cString(str, new Reader(strOffsets, (int) at).offset(u.offsetSize()));
            }
            default -> ""; // a supplementary (dwz) or split-DWARF file's string
        };
    }

    /** DW_AT_str_offsets_base of the unit's root DIE; past the section's header when absent. */
    private long strOffsetsBase(Unit u) {
        long base = u.strOffsetsBase()[0];
        if (base < 0) {
            Die root = die(u, u.dieStart());
            int i = root == null ? -1 : root.index(AT_STR_OFFSETS_BASE);
            base = i >= 0 ? root.values()[i] : u.offsetSize() == 8 ? 16 : 8;
            u.strOffsetsBase()[0] = base;
        }
        return base;
    }

    private static String cString(ByteBuffer b, long offset) {
        if (offset < 0 || offset >= b.limit()) throw new DwarfException("string offset " + offset + " out of range");
        int start = (int) offset, end = start;
        while (end < b.limit() && b.get(end) != 0) end++;
        byte[] s = new byte[end - start];
        b.get(start, s);
        return new String(s, StandardCharsets.UTF_8);
    }

    // ---- DIEs

    /** A decoded DIE: its attributes' forms and {@link #value}s; {@code next} is where its children or next sibling start. */
    private record Die(Unit unit, int offset, int tag, boolean children, int next, int[] attrs, int[] forms, long[] values, int[] ends) {
        int index(int attr) {
            for (int i = 0; i < attrs.length; i++) if (attrs[i] == attr) return i;
            return -1;
        }

        boolean has(int attr) {
            return index(attr) >= 0;
        }

        boolean flag(int attr) {
            int i = index(attr);
            return i >= 0 && values[i] != 0;
        }

        /** A constant attribute's value, {@code otherwise} when absent or not a constant (an expression, a reference). */
        long constant(int attr, long otherwise) {
            int i = index(attr);
            if (i < 0) return otherwise;
            return switch (forms[i]) {
                case FORM_DATA1, FORM_DATA2, FORM_DATA4, FORM_DATA8, FORM_SDATA, FORM_UDATA, FORM_IMPLICIT_CONST -> values[i];
                default -> otherwise;
            };
        }

        /** A reference attribute's target (global offset), -1 when absent, {@link #UNRESOLVABLE} when elsewhere. */
        long ref(int attr) {
            int i = index(attr);
            if (i < 0) return -1;
            return switch (forms[i]) {
                case FORM_REF_ADDR, FORM_REF1, FORM_REF2, FORM_REF4, FORM_REF8, FORM_REF_UDATA -> values[i];
                default -> UNRESOLVABLE;
            };
        }
    }

    private Die die(int offset) {
        Die d = die(unitAt(offset), offset);
        if (d == null) throw new DwarfException("null entry at " + offset);
        return d;
    }

    /** The DIE at {@code offset} in unit {@code u}; null for a null entry (the end of a list of siblings). */
    private Die die(Unit u, int offset) {
        if (offset < u.dieStart() || offset >= u.end()) throw new DwarfException("DIE offset " + offset + " outside its unit");
        try {
            Reader r = new Reader(info, offset);
            long code = r.uleb();
            if (code == 0) return null;
            Abbrev a = abbrevs(u).get(code);
            int n = a.attrs().length;
            int[] forms = new int[n], ends = new int[n];
            long[] values = new long[n];
            for (int i = 0; i < n; i++) {
                int form = a.forms()[i];
                if (form == FORM_INDIRECT) form = (int) r.uleb();
                forms[i] = form;
                values[i] = form == FORM_IMPLICIT_CONST ? a.implicitConsts()[i] : value(r, form, u);
                ends[i] = r.pos;
            }
            if (r.pos > u.end()) throw new DwarfException("DIE at " + offset + " runs past its unit");
            return new Die(u, offset, a.tag(), a.children(), r.pos, a.attrs(), forms, values, ends);
        } catch (IndexOutOfBoundsException | BufferUnderflowException e) {
            throw new DwarfException("truncated DIE at " + offset);
        }
    }

    /** The children of {@code d}, in order. */
    private List<Die> children(Die d) {
        List<Die> out = new ArrayList<>();
        if (!d.children()) return out;
        int pos = d.next();
        while (true) {
            Die c = die(d.unit(), pos);
            if (c == null) return out;
            out.add(c);
            pos = siblingOf(c);
        }
    }

    /** Where the DIE after {@code d} and its children starts. */
    private int siblingOf(Die d) {
        if (!d.children()) return d.next();
        long sibling = d.ref(AT_SIBLING);
        if (sibling > d.offset() && sibling < d.unit().end()) return (int) sibling;
        Unit u = d.unit();
        Abbrevs abbrevs = abbrevs(u);
        Reader r = new Reader(info, d.next());
        try {
            for (int depth = 1; depth > 0; ) {
                if (r.pos >= u.end()) throw new DwarfException("children of the DIE at " + d.offset() + " run past its unit");
                long code = r.uleb();
                if (code == 0) {
                    depth--;
                    continue;
                }
                Abbrev a = abbrevs.get(code);
                skipAttributes(r, a, u);
                if (a.children()) depth++;
            }
        } catch (IndexOutOfBoundsException | BufferUnderflowException e) {
            throw new DwarfException("truncated DIE in the children of " + d.offset());
        }
        return r.pos;
    }

    private void skipAttributes(Reader r, Abbrev a, Unit u) {
        int fixed = a.fixedSize(u);
        if (fixed >= 0) {
            r.pos += fixed;
            return;
        }
        int[] forms = a.forms();
        for (int form : forms) {
            if (form == FORM_INDIRECT) form = (int) r.uleb();
            if (form != FORM_IMPLICIT_CONST) value(r, form, u);
        }
    }

    /** The DIE giving {@code d}'s attribute {@code attr}: {@code d}, or the declaration or abstract instance it completes. */
    private Die integrate(Die d, int attr) {
        for (int i = 0; i < MAX_LINKS && d != null; i++) {
            if (d.has(attr)) return d;
            long ref = d.ref(AT_ABSTRACT_ORIGIN);
            if (ref == -1) ref = d.ref(AT_SPECIFICATION);
            if (ref < 0) return null;
            d = die(Math.toIntExact(ref));
        }
        return null;
    }

    private String name(Die d) {
        Die holder = integrate(d, AT_NAME);
        if (holder == null) return "";
        int i = holder.index(AT_NAME);
        return string(holder.unit(), holder.forms()[i], holder.values()[i]);
    }

    // ---- functions

    /** A DIE naming a function; {@code rank} 0 for a definition, 1 for one naming itself through another DIE, 2 for a declaration. */
    private record Candidate(int offset, int rank) {}

    /** Every subprogram DIE by name, in one pass over the DIEs decoding only a subprogram's names and links. */
    private Map<String, List<Candidate>> index() {
        Map<String, List<Candidate>> out = new HashMap<>();
        List<int[]> unnamed = new ArrayList<>(); // definitions that name themselves through another DIE: {offset, target}
        for (Unit u : units) {
            try {
                indexUnit(u, out, unnamed);
            } catch (DwarfException | IndexOutOfBoundsException | BufferUnderflowException | ArithmeticException e) {
                // this unit is malformed: what was indexed of it stays, the next units are read
            }
        }
        for (int[] link : unnamed) {
            try {
                Die target = die(link[1]);
                for (int i = 0; i < MAX_LINKS && target != null; i++) {
                    if (target.has(AT_NAME) || linkageIndex(target) >= 0) {
                        addNames(out, target, new Candidate(link[0], 1));
                        break;
                    }
                    long ref = target.ref(AT_SPECIFICATION);
                    if (ref == -1) ref = target.ref(AT_ABSTRACT_ORIGIN);
                    target = ref >= 0 ? die(Math.toIntExact(ref)) : null;
                }
            } catch (DwarfException | IndexOutOfBoundsException | ArithmeticException e) {
                // a broken link: that definition stays unnamed
            }
        }
        return out;
    }

    private void indexUnit(Unit u, Map<String, List<Candidate>> out, List<int[]> unnamed) {
        Abbrevs abbrevs = abbrevs(u);
        Reader r = new Reader(info, u.dieStart());
        while (r.pos < u.end()) {
            int offset = r.pos;
            long code = r.uleb();
            if (code == 0) continue;
            Abbrev a = abbrevs.get(code);
            if (a.tag() != TAG_SUBPROGRAM) {
                skipAttributes(r, a, u);
                continue;
            }
            String name = null, linkage = null;
            boolean declaration = false;
            long link = -1;
            for (int i = 0; i < a.forms().length; i++) {
                int form = a.forms()[i];
                if (form == FORM_INDIRECT) form = (int) r.uleb();
                long v = form == FORM_IMPLICIT_CONST ? a.implicitConsts()[i] : value(r, form, u);
                switch (a.attrs()[i]) {
                    case AT_NAME -> name = string(u, form, v);
                    case AT_LINKAGE_NAME, AT_MIPS_LINKAGE_NAME -> linkage = string(u, form, v);
                    case AT_DECLARATION -> declaration = v != 0;
                    case AT_SPECIFICATION, AT_ABSTRACT_ORIGIN -> link = isReference(form) ? v : UNRESOLVABLE;
                    default -> {}
                }
            }
            Candidate c = new Candidate(offset, declaration ? 2 : 0);
            if (name != null && !name.isEmpty()) out.computeIfAbsent(name, k -> new ArrayList<>(1)).add(c);
            if (linkage != null && !linkage.isEmpty() && !linkage.equals(name)) out.computeIfAbsent(linkage, k -> new ArrayList<>(1)).add(c);
            if (name == null && linkage == null && !declaration && link >= 0 && link <= Integer.MAX_VALUE) unnamed.add(new int[] {offset, (int) link});
        }
    }

    private static boolean isReference(int form) {
        return switch (form) {
            case FORM_REF_ADDR, FORM_REF1, FORM_REF2, FORM_REF4, FORM_REF8, FORM_REF_UDATA -> true;
            default -> false;
        };
    }

    private static int linkageIndex(Die d) {
        int i = d.index(AT_LINKAGE_NAME);
        return i >= 0 ? i : d.index(AT_MIPS_LINKAGE_NAME);
    }

    private void addNames(Map<String, List<Candidate>> out, Die named, Candidate c) {
        String name = named.has(AT_NAME) ? string(named.unit(), named.forms()[named.index(AT_NAME)], named.values()[named.index(AT_NAME)]) : "";
        int li = linkageIndex(named);
        String linkage = li >= 0 ? string(named.unit(), named.forms()[li], named.values()[li]) : "";
        if (!name.isEmpty()) out.computeIfAbsent(name, k -> new ArrayList<>(1)).add(c);
        if (!linkage.isEmpty() && !linkage.equals(name)) out.computeIfAbsent(linkage, k -> new ArrayList<>(1)).add(c);
    }

    /** The formal parameters of the subprogram at {@code offset}; their names and types may be on the DIEs they complete. */
    private List<DwarfType.Parameter> parameters(int offset) {
        try {
            Die d = die(offset);
            if (d.tag() != TAG_SUBPROGRAM) throw new DwarfException("no subprogram at " + offset);
            List<DwarfType.Parameter> out = new ArrayList<>();
            for (Die c : children(d)) {
                if (c.tag() != TAG_FORMAL_PARAMETER) continue;
                Die typed = integrate(c, AT_TYPE);
                out.add(new DwarfType.Parameter(name(c), typed == null ? null : typeAt(typed.ref(AT_TYPE), 0)));
            }
            return out;
        } catch (ArithmeticException e) {
            throw new DwarfException("reference out of range in the subprogram at " + offset);
        }
    }

    // ---- types

    /** The type whose DIE is at {@code ref}; null for none (void). */
    private DwarfType typeAt(long ref, int depth) {
        if (ref == -1) return null;
        if (ref < 0 || ref > Integer.MAX_VALUE || depth > MAX_TYPE_DEPTH) return new DwarfType.Other(0);
        int offset = (int) ref;
        DwarfType known = types.get(offset);
        if (known != null) return known;
        Die d = die(offset);
        DwarfType t = switch (d.tag()) {
            case TAG_BASE -> new DwarfType.Base(name(d), (int) d.constant(AT_BYTE_SIZE, 0), (int) d.constant(AT_ENCODING, 0));
            case TAG_POINTER -> new DwarfType.Pointer(typeAt(d.ref(AT_TYPE), depth + 1));
            case TAG_CONST -> new DwarfType.Qualified(DwarfType.Qualifier.CONST, typeAt(d.ref(AT_TYPE), depth + 1));
            case TAG_VOLATILE -> new DwarfType.Qualified(DwarfType.Qualifier.VOLATILE, typeAt(d.ref(AT_TYPE), depth + 1));
            case TAG_RESTRICT -> new DwarfType.Qualified(DwarfType.Qualifier.RESTRICT, typeAt(d.ref(AT_TYPE), depth + 1));
            case TAG_ATOMIC -> new DwarfType.Qualified(DwarfType.Qualifier.ATOMIC, typeAt(d.ref(AT_TYPE), depth + 1));
            case TAG_TYPEDEF -> new DwarfType.Typedef(name(d), typeAt(d.ref(AT_TYPE), depth + 1));
            case TAG_STRUCTURE, TAG_CLASS, TAG_UNION ->
                    new DwarfType.Composite(d.tag() == TAG_UNION, name(d), (int) d.constant(AT_BYTE_SIZE, 0), offset, d.flag(AT_DECLARATION));
            case TAG_ENUMERATION -> new DwarfType.Enum(name(d), (int) d.constant(AT_BYTE_SIZE, 0));
            case TAG_ARRAY -> array(d, depth);
            default -> new DwarfType.Other(d.tag());
        };
        types.put(offset, t);
        return t;
    }

    private DwarfType array(Die d, int depth) {
        List<Long> counts = new ArrayList<>();
        for (Die c : children(d)) {
            if (c.tag() != TAG_SUBRANGE) continue;
            long count = c.constant(AT_COUNT, -1);
            if (count < 0) {
                long upper = c.constant(AT_UPPER_BOUND, Long.MIN_VALUE);
                count = upper == Long.MIN_VALUE ? -1 : upper - c.constant(AT_LOWER_BOUND, 0) + 1;
            }
            counts.add(count < 0 ? -1 : count);
        }
        return new DwarfType.Array(typeAt(d.ref(AT_TYPE), depth + 1), counts);
    }

    private DwarfType.Member member(Die m) {
        DwarfType type = typeAt(m.ref(AT_TYPE), 0);
        long location = memberLocation(m);
        int bitSize = (int) m.constant(AT_BIT_SIZE, 0);
        if (bitSize <= 0) return new DwarfType.Member(name(m), type, location, 0, 0);
        long bit; // from the start of the struct, little-endian
        if (m.has(AT_DATA_BIT_OFFSET)) {
            bit = m.constant(AT_DATA_BIT_OFFSET, 0);
        } else if (m.has(AT_BIT_OFFSET)) {
            // DWARF 2/3: bits from the most significant bit of a storage unit of DW_AT_byte_size bytes at the location.
            long storage = m.constant(AT_BYTE_SIZE, sizeOf(type));
            bit = location * 8 + storage * 8 - m.constant(AT_BIT_OFFSET, 0) - bitSize;
        } else {
            bit = location * 8;
        }
        // Both encodings normalized alike: bitOffset < 8 from the byte holding the field's lowest bit.
        return new DwarfType.Member(name(m), type, Math.floorDiv(bit, 8), bitSize, (int) Math.floorMod(bit, 8));
    }

    /** DW_AT_data_member_location: a constant, or (DWARF 2) an expression {@code DW_OP_plus_uconst N}; 0 when absent (unions). */
    private long memberLocation(Die m) {
        int i = m.index(AT_DATA_MEMBER_LOCATION);
        if (i < 0) return 0;
        return switch (m.forms()[i]) {
            case FORM_BLOCK1, FORM_BLOCK2, FORM_BLOCK4, FORM_BLOCK, FORM_EXPRLOC -> {
                Reader r = new Reader(info, (int) m.values()[i]);
                if (r.pos < m.ends()[i] && r.u8() == DW_OP_PLUS_UCONST) {
                    long n = r.uleb();
                    if (r.pos == m.ends()[i]) yield n;
                }
                yield 0; // another expression: not a fixed offset
            }
            default -> m.constant(AT_DATA_MEMBER_LOCATION, 0);
        };
    }

    private static long sizeOf(DwarfType t) {
        return switch (t) {
            case DwarfType.Base b -> b.byteSize();
            case DwarfType.Enum e -> e.byteSize();
            case DwarfType.Composite c -> c.byteSize();
            case DwarfType.Typedef td -> sizeOf(td.inner());
            case DwarfType.Qualified q -> sizeOf(q.inner());
            case null, default -> 0;
        };
    }

    // ---- bytes

    /** Little-endian reads at a position that moves; absolute gets, so readers of one buffer do not disturb each other. */
    private static final class Reader {
        final ByteBuffer b;
        int pos;

        Reader(ByteBuffer b, int pos) {
            this.b = b;
            this.pos = pos;
        }

        int u8() {
            return Byte.toUnsignedInt(b.get(pos++));
        }

        int u16() {
            int v = Short.toUnsignedInt(b.getShort(pos));
            pos += 2;
            return v;
        }

        long u32() {
            long v = Integer.toUnsignedLong(b.getInt(pos));
            pos += 4;
            return v;
        }

        long u64() {
            long v = b.getLong(pos);
            pos += 8;
            return v;
        }

        long unsigned(int size) {
            return switch (size) {
                case 1 -> u8();
                case 2 -> u16();
                case 4 -> u32();
                case 8 -> u64();
                default -> {
                    long v = 0;
                    for (int i = 0; i < size; i++) v |= (long) u8() << (8 * i);
                    yield v;
                }
            };
        }

        long offset(int size) {
            return size == 8 ? u64() : u32();
        }

        long uleb() {
            return leb(false);
        }

        long sleb() {
            return leb(true);
        }

        /** LEB128: 7 bits a byte, low first; a signed one extends the sign bit of its last byte. */
        private long leb(boolean signed) {
            long v = 0;
            int shift = 0;
            byte x;
            do {
                x = b.get(pos++);
                if (shift < 64) v |= (long) (x & 0x7f) << shift;
                shift += 7;
            } while (x < 0);
            if (signed && shift < 64 && (x & 0x40) != 0) v |= -1L << shift;
            return v;
        }

        void skipCString() {
            while (b.get(pos++) != 0) {}
        }

        /** Moves past a block of {@code length} bytes; returns where its data starts. */
        long block(long length) {
            int at = pos;
            if (length < 0 || length > b.limit() - pos) throw new DwarfException("block of " + length + " bytes runs past its section");
            pos += (int) length;
            return at;
        }
    }

    /** Malformed DWARF: caught inside; {@link #of} and {@link #function} are then empty. */
    static final class DwarfException extends RuntimeException {
        DwarfException(String message) {
            super(message, null, false, false);
        }
    }
}
