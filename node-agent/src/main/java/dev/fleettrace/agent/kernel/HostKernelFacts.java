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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

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
            Optional<Binary> b = ElfFiles.get(p).map(elf -> new Binary(p.toString(), elf));
            if (b.isPresent()) return b;
        }
        return Optional.empty();
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
