package dev.fleettrace.compiler.facts.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A 64-bit little-endian ELF file (an executable, PIE or not, or a shared library), as much of it as
 * probes and symbols need: sections, loadable segments, the symbols of {@code .symtab} and
 * {@code .dynsym}, and the SystemTap SDT notes (USDT probes). Pure: it parses the bytes it is given.
 */
public final class ElfFile {

    public static final int ET_EXEC = 2, ET_DYN = 3;
    static final int SHT_SYMTAB = 2, SHT_NOTE = 7, SHT_NOBITS = 8, SHT_DYNSYM = 11, PT_LOAD = 1;
    static final long SHF_COMPRESSED = 0x800;
    static final int ELFCOMPRESS_ZLIB = 1;
    static final int STT_OBJECT = 1, STT_FUNC = 2, STT_GNU_IFUNC = 10;

    /** A section header: name, type, load address, position and size in the file. */
    public record Section(String name, int type, long flags, long addr, long offset, long size, int link, long entsize) {}

    /** A loadable segment ({@code PT_LOAD}). */
    public record Segment(long offset, long vaddr, long filesz, long memsz, int flags) {
        public boolean executable() {
            return (flags & 1) != 0;
        }
    }

    /** A symbol: {@code value} is its link-time address. */
    public record Symbol(String name, long value, long size, int type, int bind, int shndx) {
        public boolean function() {
            return (type == STT_FUNC || type == STT_GNU_IFUNC) && shndx != 0;
        }
    }

    private final ByteBuffer b;
    private final int type;
    private final List<Section> sections;
    private final List<Segment> segments;
    private List<Symbol> functions; // by address, lazily
    private Map<String, Symbol> functionsByName;
    private List<UsdtProbe> usdt;

    private ElfFile(ByteBuffer b) {
        this.b = b.order(ByteOrder.LITTLE_ENDIAN);
        if (b.limit() < 64 || b.getInt(0) != 0x464c457f) throw new ElfException("not an ELF file");
        if (b.get(4) != 2) throw new ElfException("not a 64-bit ELF file");
        if (b.get(5) != 1) throw new ElfException("not a little-endian ELF file");
        this.type = Short.toUnsignedInt(b.getShort(16));
        this.sections = readSections();
        this.segments = readSegments();
    }

    /** Parses {@code bytes}; throws {@link ElfException} when they are not a 64-bit little-endian ELF file. */
    public static ElfFile parse(byte[] bytes) {
        return parse(ByteBuffer.wrap(bytes));
    }

    public static ElfFile parse(ByteBuffer bytes) {
        try {
            return new ElfFile(bytes.duplicate());
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new ElfException("truncated or malformed ELF file: " + e.getMessage());
        }
    }

    /** {@link #ET_EXEC} or {@link #ET_DYN} (PIE executables and shared libraries). */
    public int type() {
        return type;
    }

    public List<Section> sections() {
        return sections;
    }

    public Optional<Section> section(String name) {
        return sections.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public List<Segment> segments() {
        return segments;
    }

    /**
     * Whether section {@code name}, or for a {@code .debug_*} name its legacy {@code .zdebug_*} form, has
     * bytes in the file: a stripped binary and a separate debug file keep the other's sections as
     * {@code SHT_NOBITS} headers only.
     */
    public boolean hasBytes(String name) {
        java.util.function.Predicate<Section> stored = s -> s.type() != SHT_NOBITS && s.size() > 0;
        return section(name).filter(stored).isPresent()
                || name.startsWith(".debug_") && section(".zdebug_" + name.substring(".debug_".length())).filter(stored).isPresent();
    }

    /**
     * The contents of section {@code name}, little-endian, inflated when compressed ({@code SHF_COMPRESSED}
     * with zlib, or for a {@code .debug_*} name a legacy {@code .zdebug_*} section). Empty when there is
     * no such section, it has no bytes in the file ({@code SHT_NOBITS}, as in a stripped debug file), or
     * it is compressed with what the JDK cannot inflate (zstd). Throws {@link ElfException} when it is
     * out of the file's bounds or its compressed data is corrupt.
     */
    public Optional<ByteBuffer> sectionData(String name) {
        try {
            Optional<Section> found = section(name);
            if (found.isEmpty() && name.startsWith(".debug_")) {
                // gcc -gz=zlib-gnu: "ZLIB", the inflated size big-endian, a zlib stream.
                Optional<Section> z = section(".zdebug_" + name.substring(".debug_".length())).filter(s -> s.type() != SHT_NOBITS);
                if (z.isEmpty()) return Optional.empty();
                ByteBuffer raw = bytes(z.get());
                if (raw.limit() < 12 || raw.getInt(0) != 0x42494c5a) return Optional.of(raw); // not "ZLIB": stored as is
                return Optional.of(inflate(raw.slice(12, raw.limit() - 12), raw.order(ByteOrder.BIG_ENDIAN).getLong(4), name));
            }
            if (found.isEmpty() || found.get().type() == SHT_NOBITS) return Optional.empty();
            Section s = found.get();
            ByteBuffer raw = bytes(s);
            if ((s.flags() & SHF_COMPRESSED) == 0) return Optional.of(raw);
            // Elf64_Chdr: ch_type, ch_reserved, ch_size, ch_addralign, then the data.
            if (raw.limit() < 24) throw new ElfException("section " + name + ": truncated compression header");
            if (raw.getInt(0) != ELFCOMPRESS_ZLIB) return Optional.empty();
            return Optional.of(inflate(raw.slice(24, raw.limit() - 24), raw.getLong(8), name));
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new ElfException("section " + name + " is out of the file's bounds");
        }
    }

    private ByteBuffer bytes(Section s) {
        return b.slice(Math.toIntExact(s.offset()), Math.toIntExact(s.size())).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer inflate(ByteBuffer in, long size, String name) {
        if (size < 0 || size > Integer.MAX_VALUE - 8) throw new ElfException("section " + name + ": inflated size " + size + " is too large");
        byte[] out = new byte[(int) size];
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(in);
            int n = 0;
            while (n < out.length && !inflater.finished()) {
                int k = inflater.inflate(out, n, out.length - n);
                if (k == 0 && (inflater.needsInput() || inflater.needsDictionary())) break;
                n += k;
            }
            if (n != out.length) throw new ElfException("section " + name + ": compressed data shorter than its header says");
        } catch (DataFormatException e) {
            throw new ElfException("section " + name + ": corrupt compressed data (" + e.getMessage() + ")");
        } finally {
            inflater.end();
        }
        return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The GNU build id ({@code NT_GNU_BUILD_ID} note), lowercase hex: what names a separate debug file. */
    public Optional<String> buildId() {
        try {
            for (Section s : sections) {
                if (s.type() != SHT_NOTE) continue;
                long o = s.offset(), end = o + s.size();
                while (o + 12 <= end) {
                    int at = Math.toIntExact(o);
                    long namesz = Integer.toUnsignedLong(b.getInt(at)), descsz = Integer.toUnsignedLong(b.getInt(at + 4));
                    int ntype = b.getInt(at + 8);
                    long nameAt = o + 12, descAt = nameAt + align4(namesz);
                    o = descAt + align4(descsz);
                    if (ntype != 3 || namesz != 4 || !cString(nameAt).equals("GNU") || descsz == 0 || o > end) continue;
                    byte[] id = new byte[Math.toIntExact(descsz)];
                    b.get(Math.toIntExact(descAt), id);
                    return Optional.of(java.util.HexFormat.of().formatHex(id));
                }
            }
        } catch (IndexOutOfBoundsException | ArithmeticException e) {
            // a note out of the file's bounds: no build id
        }
        return Optional.empty();
    }

    private List<Section> readSections() {
        long shoff = b.getLong(40);
        int shentsize = Short.toUnsignedInt(b.getShort(58));
        int shnum = Short.toUnsignedInt(b.getShort(60));
        int shstrndx = Short.toUnsignedInt(b.getShort(62));
        if (shoff == 0 || shnum == 0) return List.of();
        record Raw(int name, int type, long flags, long addr, long offset, long size, int link, long entsize) {}
        List<Raw> raw = new ArrayList<>();
        for (int i = 0; i < shnum; i++) {
            int o = Math.toIntExact(shoff + (long) i * shentsize);
            raw.add(new Raw(b.getInt(o), b.getInt(o + 4), b.getLong(o + 8), b.getLong(o + 16), b.getLong(o + 24), b.getLong(o + 32),
                    b.getInt(o + 40), b.getLong(o + 56)));
        }
        long strOff = shstrndx < raw.size() ? raw.get(shstrndx).offset() : 0;
        List<Section> out = new ArrayList<>(raw.size());
        for (Raw r : raw)
            out.add(new Section(cString(strOff + Integer.toUnsignedLong(r.name())), r.type(), r.flags(), r.addr(), r.offset(), r.size(), r.link(), r.entsize()));
        return List.copyOf(out);
    }

    private List<Segment> readSegments() {
        long phoff = b.getLong(32);
        int phentsize = Short.toUnsignedInt(b.getShort(54));
        int phnum = Short.toUnsignedInt(b.getShort(56));
        List<Segment> out = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            int o = Math.toIntExact(phoff + (long) i * phentsize);
            if (b.getInt(o) != PT_LOAD) continue;
            out.add(new Segment(b.getLong(o + 8), b.getLong(o + 16), b.getLong(o + 32), b.getLong(o + 40), b.getInt(o + 4)));
        }
        return List.copyOf(out);
    }

    String cString(long off) {
        int start = Math.toIntExact(off);
        int end = start;
        while (end < b.limit() && b.get(end) != 0) end++;
        byte[] s = new byte[end - start];
        b.get(start, s);
        return new String(s, StandardCharsets.ISO_8859_1);
    }

    // ---- symbols

    /** Every symbol of {@code .symtab} then {@code .dynsym}. */
    public List<Symbol> symbols() {
        List<Symbol> out = new ArrayList<>();
        for (Section s : sections) {
            if (s.type() != SHT_SYMTAB && s.type() != SHT_DYNSYM) continue;
            if (s.link() >= sections.size() || s.entsize() == 0) continue;
            long strOff = sections.get(s.link()).offset();
            for (long o = s.offset() + s.entsize(); o + 24 <= s.offset() + s.size(); o += s.entsize()) {
                int at = Math.toIntExact(o);
                int info = Byte.toUnsignedInt(b.get(at + 4));
                String name = cString(strOff + Integer.toUnsignedLong(b.getInt(at)));
                if (name.isEmpty()) continue;
                out.add(new Symbol(name, b.getLong(at + 8), b.getLong(at + 16), info & 0xf, info >> 4, Short.toUnsignedInt(b.getShort(at + 6))));
            }
        }
        return out;
    }

    /**
     * Function symbols by name, {@code .symtab}'s first, versioned {@code .dynsym} names
     * ({@code malloc@@GLIBC_2.2.5}) under their plain name too, sorted by name.
     */
    public synchronized Map<String, Symbol> functions() {
        if (functionsByName == null) {
            Map<String, Symbol> byName = new LinkedHashMap<>();
            for (Symbol s : symbols()) {
                if (!s.function() || s.value() == 0) continue;
                String name = s.name();
                int at = name.indexOf('@');
                if (at > 0) name = name.substring(0, at);
                byName.putIfAbsent(name, at > 0 ? new Symbol(name, s.value(), s.size(), s.type(), s.bind(), s.shndx()) : s);
            }
            Map<String, Symbol> sorted = new LinkedHashMap<>();
            byName.keySet().stream().sorted().forEach(k -> sorted.put(k, byName.get(k)));
            functionsByName = java.util.Collections.unmodifiableMap(sorted);
            List<Symbol> byAddr = new ArrayList<>(byName.values());
            byAddr.sort(Comparator.comparingLong(Symbol::value).thenComparing(Symbol::name));
            functions = List.copyOf(byAddr);
        }
        return functionsByName;
    }

    /** The function containing link-time address {@code vaddr} and the offset into it, or empty. */
    public Optional<Located> function(long vaddr) {
        functions();
        List<Symbol> fs = functions;
        int lo = 0, hi = fs.size() - 1, found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(fs.get(mid).value(), vaddr) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (found < 0) return Optional.empty();
        Symbol s = fs.get(found);
        long off = vaddr - s.value();
        // A symbol of size 0 (hand-written assembly) covers up to the next one.
        if (s.size() > 0 && off >= s.size()) return Optional.empty();
        return Optional.of(new Located(s, off));
    }

    /** A symbol and an offset into it. */
    public record Located(Symbol symbol, long offset) {}

    /**
     * The file offset of link-time address {@code vaddr}, through the loadable segment holding it: what
     * the kernel's uprobe takes ({@code uprobe_path:offset}), for PIE and non-PIE files alike.
     */
    public OptionalLong fileOffset(long vaddr) {
        for (Segment s : segments) {
            if (Long.compareUnsigned(vaddr, s.vaddr()) >= 0 && Long.compareUnsigned(vaddr, s.vaddr() + s.memsz()) < 0)
                return OptionalLong.of(vaddr - s.vaddr() + s.offset());
        }
        return OptionalLong.empty();
    }

    /** The link-time address of file offset {@code offset}, through the executable segment holding it. */
    public OptionalLong vaddrOfOffset(long offset) {
        for (Segment s : segments) {
            if (Long.compareUnsigned(offset, s.offset()) >= 0 && Long.compareUnsigned(offset, s.offset() + s.filesz()) < 0)
                return OptionalLong.of(offset - s.offset() + s.vaddr());
        }
        return OptionalLong.empty();
    }

    // ---- USDT (SystemTap SDT notes)

    /** Every USDT probe of the {@code .note.stapsdt} notes, in file order. */
    public synchronized List<UsdtProbe> usdtProbes() {
        if (usdt == null) usdt = List.copyOf(readUsdt());
        return usdt;
    }

    private List<UsdtProbe> readUsdt() {
        List<UsdtProbe> out = new ArrayList<>();
        Optional<Section> notes = sections.stream().filter(s -> s.name().equals(".note.stapsdt") && s.type() == SHT_NOTE).findFirst();
        if (notes.isEmpty()) return out;
        long actualBase = section(".stapsdt.base").map(Section::addr).orElse(0L);
        long o = notes.get().offset(), end = o + notes.get().size();
        while (o + 12 <= end) {
            int at = Math.toIntExact(o);
            int namesz = b.getInt(at), descsz = b.getInt(at + 4), ntype = b.getInt(at + 8);
            long nameAt = o + 12;
            long descAt = nameAt + align4(namesz);
            o = descAt + align4(descsz);
            if (ntype != 3 || !cString(nameAt).equals("stapsdt") || descsz < 24) continue;
            int d = Math.toIntExact(descAt);
            long pc = b.getLong(d), base = b.getLong(d + 8), semaphore = b.getLong(d + 16);
            String provider = cString(descAt + 24);
            long nameOff = descAt + 24 + provider.length() + 1;
            String name = cString(nameOff);
            String args = nameOff + name.length() + 1 < descAt + descsz ? cString(nameOff + name.length() + 1) : "";
            // Prelinked files moved .stapsdt.base: the notes give addresses relative to the old base.
            if (actualBase != 0 && base != 0) {
                pc += actualBase - base;
                if (semaphore != 0) semaphore += actualBase - base;
            }
            out.add(new UsdtProbe(provider, name, pc, semaphore, UsdtArgument.parseAll(args), args));
        }
        return out;
    }

    private static long align4(long n) {
        return (n + 3) & ~3L;
    }

    @Override
    public String toString() {
        return "ELF " + (type == ET_EXEC ? "executable" : type == ET_DYN ? "shared object" : "type " + type) + " with "
                + sections.size() + " sections and " + segments.size() + " loadable segments";
    }
}
