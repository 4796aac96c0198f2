package dev.fleettrace.compiler;

import dev.fleettrace.compiler.facts.Binary;
import dev.fleettrace.compiler.facts.KernelFacts;
import dev.fleettrace.compiler.facts.StaticFacts;
import dev.fleettrace.compiler.facts.btf.BtfBuilder;
import dev.fleettrace.compiler.facts.elf.ElfFile;
import dev.fleettrace.compiler.facts.elf.ElfFileTest;
import dev.fleettrace.compiler.facts.TracepointFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Kernel facts for tests: tracepoint formats copied from a 6.18 kernel's tracefs (src/test/resources/formats). */
public final class Fixtures {
    private Fixtures() {}

    private static final List<String> FORMATS = List.of("syscalls:sys_enter_getppid", "syscalls:sys_enter_lseek", "syscalls:sys_enter_openat",
            "syscalls:sys_enter_read", "syscalls:sys_exit_read", "sched:sched_switch", "sched:sched_process_exec",
            "syscalls:sys_enter_execve");

    public static KernelFacts facts() {
        List<TracepointFormat> formats = new ArrayList<>();
        for (String tp : FORMATS) {
            try (InputStream in = Fixtures.class.getResourceAsStream("/formats/" + tp + ".format")) {
                String[] ce = tp.split(":");
                formats.add(TracepointFormat.parse(ce[0], ce[1], new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return KernelFacts.of(2, formats.toArray(TracepointFormat[]::new));
    }

    /** Where {@link #probeFacts()} says the workload binary (src/test/resources/elf/pwl) is. */
    public static final String PWL = "/opt/fixtures/pwl";

    /** The workload built with -g (src/test/resources/elf/pwl-debug): its DWARF types uprobes' {@code args}. */
    public static final String PWL_DEBUG = "/opt/fixtures/pwl-debug";

    public static byte[] resource(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The tracepoint formats plus a kernel that has every probe type: a small BTF (task_struct, file,
     * vfs_read), kallsyms entries, kprobe-able functions, and the workload binary with its SDT notes.
     */
    public static KernelFacts probeFacts() {
        return probeFactsBuilder().build();
    }

    public static StaticFacts.Builder probeFactsBuilder() {
        List<TracepointFormat> formats = new ArrayList<>();
        KernelFacts base = facts();
        for (String tp : base.tracepoints()) {
            String[] ce = tp.split(":");
            formats.add(base.tracepoint(ce[0], ce[1]).orElseThrow());
        }
        return StaticFacts.builder().cpus(2).tracepoints(formats).btf(BtfBuilder.kernel())
                .binary("pwl", new Binary(PWL, ElfFile.parse(ElfFileTest.fixture())))
                .binary("pwl-debug", new Binary(PWL_DEBUG, ElfFile.parse(resource("/elf/pwl-debug"))))
                .kernelSymbol("vfs_read", 0xffffffff81400000L).kernelSymbol("jiffies", 0xffffffff82a05000L)
                .kernelFunctions(List.of("vfs_read", "vfs_write", "vfs_readv", "do_nanosleep"));
    }
}
