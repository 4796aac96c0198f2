package dev.fleettrace.agent.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.agent.kernel.maps.Cpus;
import dev.fleettrace.agent.kernel.tracefs.Tracefs;
import dev.fleettrace.compiler.facts.TracepointFormat;
import dev.fleettrace.compiler.facts.btf.Btf;
import dev.fleettrace.testkit.KernelAssumptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("kernel")
class HostKernelFactsKernelTest {

    @BeforeEach
    void kernel() {
        KernelAssumptions.assumeBpf();
    }

    @Test
    void readsFormatsFromTracefs() throws Exception {
        HostKernelFacts facts = HostKernelFacts.detect();
        TracepointFormat f = facts.tracepoint("syscalls", "sys_enter_lseek").orElseThrow();
        assertEquals("sys_enter_lseek", f.event());
        assertEquals(Long.parseLong(Files.readString(KernelAssumptions.TRACEFS.resolve("events/syscalls/sys_enter_lseek/id")).trim()), f.id());
        assertEquals(32, f.field("whence").orElseThrow().offset());
        assertSame(f, facts.tracepoint("syscalls", "sys_enter_lseek").orElseThrow(), "formats are cached");
        assertTrue(facts.tracepoint("syscalls", "sys_enter_nope").isEmpty());
        assertTrue(facts.tracepoint("..", "events").isEmpty(), "names cannot walk the file system");
        assertEquals(Cpus.possible(), facts.possibleCpus());
    }

    @Test
    void listsTracepoints() throws Exception {
        List<String> all = HostKernelFacts.detect().tracepoints();
        assertTrue(all.contains("syscalls:sys_enter_getppid"));
        assertTrue(all.contains("sched:sched_switch"));
        assertTrue(all.size() > 100);
    }

    @Test
    void walksEventsWithoutAvailableEvents(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("events/cat/ev1"));
        Files.writeString(dir.resolve("events/cat/ev1/id"), "12\n");
        Files.createDirectories(dir.resolve("events/cat/ev0"));
        Files.writeString(dir.resolve("events/cat/ev0/id"), "11\n");
        Files.writeString(dir.resolve("events/cat/enable"), "0\n");
        Tracefs t = new Tracefs(dir);
        assertEquals(List.of("cat:ev0", "cat:ev1"), t.tracepoints());
        assertEquals(12, t.tracepointId("cat", "ev1").orElseThrow());
        assertTrue(t.tracepointId("cat", "ev2").isEmpty());
    }

    @Test
    void readsTheKernelsBtf() throws Exception {
        HostKernelFacts facts = HostKernelFacts.detect();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(HostKernelFacts.BTF), "this kernel has no BTF");
        Btf btf = facts.btf().orElseThrow();
        assertTrue(btf.count() > 10_000, btf.count() + " types");
        int task = btf.find("task_struct", Btf.STRUCT).orElseThrow();
        assertTrue(btf.members(task).stream().anyMatch(m -> m.name().equals("pid") && btf.typeName(m.type()).equals("pid_t")));
        Btf.Function read = btf.function("vfs_read").orElseThrow();
        assertEquals(List.of("file", "buf", "count", "pos"), read.params().stream().map(Btf.Param::name).toList());
        assertEquals("ssize_t", btf.typeName(read.returnType()));
        assertSame(btf, facts.btf().orElseThrow(), "parsed once");
    }

    @Test
    void findsBinariesAsTheHostDoes() throws Exception {
        HostKernelFacts facts = HostKernelFacts.detect();
        String libc = facts.binary("libc").orElseThrow().path();
        assertTrue(libc.matches(".*/libc\\.so\\.6"), "libc by its name, not the libc.so linker script: " + libc);
        assertTrue(facts.binary("libc").orElseThrow().elf().functions().containsKey("malloc"));
        assertTrue(facts.binary("sh").isPresent(), "a program on PATH");
        assertTrue(facts.binary("/nonexistent/x").isEmpty());
        assertTrue(facts.binary("/etc/hostname").isEmpty(), "not ELF");
        assertTrue(facts.kernelSymbol("vfs_read").isPresent(), "kallsyms");
    }
}
