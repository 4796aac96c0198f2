package dev.fleettrace.agent.kernel;

import dev.fleettrace.agent.kernel.features.KernelFeatures;
import dev.fleettrace.agent.kernel.maps.Cpus;
import dev.fleettrace.agent.kernel.pmu.EventSources;
import dev.fleettrace.agent.kernel.tracefs.Tracefs;
import dev.fleettrace.agent.symbols.ElfFiles;
import dev.fleettrace.agent.symbols.Kallsyms;
import dev.fleettrace.compiler.facts.Binary;
import dev.fleettrace.compiler.facts.KernelFacts;
import dev.fleettrace.compiler.facts.ProbeFamily;
import dev.fleettrace.compiler.facts.TracepointFormat;
import dev.fleettrace.compiler.facts.btf.Btf;
import dev.fleettrace.compiler.facts.btf.BtfException;
import dev.fleettrace.compiler.facts.elf.ElfException;
import dev.fleettrace.compiler.facts.elf.ElfFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * The facts of the kernel this agent runs on, read from tracefs, sysfs and procfs: tracepoint formats
 * (read once and cached), BTF, kernel symbols, the ELF files probes name, and which probe families the
 * kernel's event sources support.
 */
public final class HostKernelFacts implements KernelFacts {
    public static final Path BTF = Path.of("/sys/kernel/btf/vmlinux");
    /** Where libraries named without a path ({@code uprobe:libc:malloc}) are looked for, after PATH for programs. */
    static final List<Path> LIBRARY_DIRS = List.of(Path.of("/lib/x86_64-linux-gnu"), Path.of("/usr/lib/x86_64-linux-gnu"), Path.of("/lib64"),
            Path.of("/usr/lib64"), Path.of("/lib"), Path.of("/usr/lib"), Path.of("/usr/local/lib"));

    private static volatile Optional<Btf> hostBtf;
    /** The function fentry support is tried on: every kernel has it. */
    static final String FENTRY_PROBE_FUNCTION = "vfs_read";

    private final Tracefs tracefs;
    private final int possibleCpus;
    private final EventSources pmus;
    private final ConcurrentHashMap<String, Optional<TracepointFormat>> formats = new ConcurrentHashMap<>();
    private volatile List<String> tracepoints;
    private volatile List<String> kernelFunctions;

    public HostKernelFacts(Tracefs tracefs, int possibleCpus) {
        this(tracefs, possibleCpus, EventSources.host());
    }

    HostKernelFacts(Tracefs tracefs, int possibleCpus, EventSources pmus) {
        this.tracefs = tracefs;
        this.possibleCpus = possibleCpus;
        this.pmus = pmus;
    }

    /** Facts of this host. */
    public static HostKernelFacts detect() throws KernelException {
        Tracefs tracefs = KernelException.tracefs();
        return new HostKernelFacts(tracefs, Cpus.possible());
    }

    public Tracefs tracefs() {
        return tracefs;
    }

    @Override
    public Optional<TracepointFormat> tracepoint(String category, String event) {
        return formats.computeIfAbsent(category + ":" + event,
                k -> tracefs.format(category, event).map(text -> TracepointFormat.parse(category, event, text)));
    }

    @Override
    public List<String> tracepoints() {
        List<String> list = tracepoints;
        if (list == null) tracepoints = list = tracefs.tracepoints();
        return list;
    }

    @Override
    public int possibleCpus() {
        return possibleCpus;
    }

    /** The kernel's BTF, parsed once per process (it cannot change while the kernel runs). */
    @Override
    public Optional<Btf> btf() {
        Optional<Btf> b = hostBtf;
        if (b == null) {
            synchronized (HostKernelFacts.class) {
                b = hostBtf;
                if (b == null) {
                    try {
                        b = Files.isReadable(BTF) ? Optional.of(Btf.parse(Files.readAllBytes(BTF))) : Optional.empty();
                    } catch (IOException | BtfException e) {
                        b = Optional.empty();
                    }
                    hostBtf = b;
                }
            }
        }
        return b;
    }

    @Override
    public Optional<Binary> binary(String name) {
        for (Path p : candidates(name)) {
            Optional<Binary> b = ElfFiles.get(p).map(elf -> new Binary(p.toString(), elf, debugFile(p, elf, DEBUG_ROOT)));
            if (b.isPresent()) return b;
        }
        return Optional.empty();
    }

    /** Where distributions install separate debug files (the -dbg and -dbgsym packages). */
    static final Path DEBUG_ROOT = Path.of("/usr/lib/debug");

    private record DebugFile(ElfFile elf, ElfFile debug) {}

    /**
     * Per binary path, the debug file found for the ElfFile read from it, so a debuglink's CRC is not
     * recomputed per probe. Not-found is not kept: a debug package may be installed later.
     */
    private static final ConcurrentHashMap<Path, DebugFile> DEBUG_FILES = new ConcurrentHashMap<>();

    /**
     * The ELF file holding {@code binary}'s DWARF, where gdb and libdw look: the binary itself when it has
     * {@code .debug_info}; else {@code <root>/.build-id/xx/yyyy.debug} from its build id; else its
     * {@code .gnu_debuglink} file (CRC checked) in its directory, that directory's {@code .debug/} or
     * {@code <root>/<its directory>/}. The binary itself when none is found.
     */
    static ElfFile debugFile(Path binary, ElfFile elf, Path debugRoot) {
        if (hasDwarf(elf)) return elf;
        DebugFile known = DEBUG_FILES.get(binary);
        if (known != null && known.elf() == elf) return known.debug();
        Optional<ElfFile> debug = separateDebugFile(binary, elf, debugRoot);
        if (debug.isEmpty()) return elf;
        if (DEBUG_FILES.size() > 512) DEBUG_FILES.clear();
        DEBUG_FILES.put(binary, new DebugFile(elf, debug.get()));
        return debug.get();
    }

    private static Optional<ElfFile> separateDebugFile(Path binary, ElfFile elf, Path debugRoot) {
        Optional<String> id = elf.buildId().filter(s -> s.length() > 2);
        if (id.isPresent()) {
            Optional<ElfFile> byId = ElfFiles.get(debugRoot.resolve(".build-id").resolve(id.get().substring(0, 2)).resolve(id.get().substring(2) + ".debug"))
                    .filter(HostKernelFacts::hasDwarf);
            if (byId.isPresent()) return byId;
        }
        // .gnu_debuglink: the file's name, NUL, padding to 4 bytes, the CRC-32 of the whole debug file.
        Optional<ByteBuffer> link;
        try {
            link = elf.sectionData(".gnu_debuglink");
        } catch (ElfException e) {
            return Optional.empty();
        }
        if (link.isEmpty()) return Optional.empty();
        ByteBuffer b = link.get();
        int end = 0;
        while (end < b.limit() && b.get(end) != 0) end++;
        int crcAt = (end + 4) & ~3;
        if (end == 0 || crcAt + 4 > b.limit()) return Optional.empty();
        byte[] nameBytes = new byte[end];
        b.get(0, nameBytes);
        String name = new String(nameBytes, StandardCharsets.UTF_8);
        long crc = Integer.toUnsignedLong(b.getInt(crcAt));
        Path dir = binary.toAbsolutePath().getParent();
        try {
            dir = binary.toRealPath().getParent();
        } catch (IOException e) {
            // not resolvable: the path as given
        }
        for (Path candidate : List.of(dir.resolve(name), dir.resolve(".debug").resolve(name), debugRoot.resolve(dir.getRoot().relativize(dir)).resolve(name))) {
            if (candidate.normalize().equals(binary.toAbsolutePath().normalize())) continue;
            Optional<ElfFile> found = ElfFiles.get(candidate).filter(HostKernelFacts::hasDwarf);
            if (found.isPresent() && crc32(candidate) == crc) return found;
        }
        return Optional.empty();
    }

    /** Has DWARF of its own: a {@code .debug_info} with bytes (a stripped file keeps none, a debug file keeps no code). */
    private static boolean hasDwarf(ElfFile elf) {
        return elf.hasBytes(".debug_info");
    }

    private static long crc32(Path p) {
        try (FileChannel ch = FileChannel.open(p)) {
            CRC32 crc = new CRC32();
            crc.update(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()));
            return crc.getValue();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Where a probe's file may be, in the order the host finds it: a path as given, else a program on
     * PATH, else a library by name ({@code libc}, {@code c}, {@code libc.so.6}); the first that is ELF
     * wins ({@code libc.so} is often a linker script).
     */
    static List<Path> candidates(String name) {
        List<Path> out = new ArrayList<>();
        if (name.contains("/")) {
            Path p = Path.of(name).toAbsolutePath().normalize();
            if (Files.isRegularFile(p)) out.add(p);
            return out;
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) out.add(p);
        }
        List<String> stems = name.startsWith("lib") ? List.of(name) : List.of(name, "lib" + name);
        for (Path dir : LIBRARY_DIRS) {
            for (String stem : stems) {
                Path exact = dir.resolve(stem);
                if (stem.contains(".so") && Files.isRegularFile(exact)) out.add(exact);
                try (Stream<Path> s = Files.list(dir)) {
                    // Versioned names first: libc.so.6 is the library, libc.so may be a linker script.
                    s.filter(p -> p.getFileName().toString().startsWith(stem + ".so")).sorted((a, b) -> b.getFileName().toString().length() - a.getFileName().toString().length())
                            .forEach(out::add);
                } catch (IOException e) {
                    // Missing directory: try the next.
                }
            }
        }
        return out;
    }

    @Override
    public long cgroupId(String path) throws java.io.IOException {
        try {
            return dev.fleettrace.agent.sys.CgroupId.of(path);
        } catch (dev.fleettrace.agent.sys.SysException e) {
            throw new java.io.IOException(dev.fleettrace.agent.sys.Errno.describe(e.errno()));
        }
    }

    @Override
    public OptionalLong kernelSymbol(String name) {
        try {
            return Kallsyms.host().address(name);
        } catch (UncheckedIOException e) {
            return OptionalLong.empty();
        }
    }

    /** What kprobes may attach to ({@code available_filter_functions}); empty where it is not readable. */
    @Override
    public List<String> kernelFunctions() {
        List<String> list = kernelFunctions;
        if (list == null) {
            list = new ArrayList<>();
            try (Stream<String> lines = Files.lines(tracefs.root().resolve("available_filter_functions"))) {
                for (String l : (Iterable<String>) lines::iterator) {
                    int sp = l.indexOf(' ');
                    list.add(sp < 0 ? l.strip() : l.substring(0, sp));
                }
            } catch (IOException | UncheckedIOException e) {
                list = List.of();
            }
            kernelFunctions = list = List.copyOf(list);
        }
        return list;
    }

    @Override
    public Optional<String> unsupported(ProbeFamily family) {
        return switch (family) {
            case KPROBE -> pmus.kprobesMissing(tracefs.root()).map(EventSources.Missing::oneLine);
            case UPROBE -> pmus.uprobesMissing().map(EventSources.Missing::oneLine);
            case HARDWARE -> pmus.hardwareMissing().map(EventSources.Missing::oneLine);
            case KFUNC -> btf().isEmpty()
                    ? Optional.of("kfunc/kretfunc not available for your kernel version: it needs the kernel's BTF (" + BTF + " is missing)")
                    : KernelFeatures.fentryRefused(btf().get(), FENTRY_PROBE_FUNCTION)
                            .map(why -> "kfunc/kretfunc not available: " + why + "; use a tracepoint or a rawtracepoint instead");
            default -> Optional.empty();
        };
    }
}
