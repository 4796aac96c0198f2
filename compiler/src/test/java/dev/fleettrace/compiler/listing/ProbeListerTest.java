package dev.fleettrace.compiler.listing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.compiler.Fixtures;
import dev.fleettrace.compiler.facts.KernelFacts;
import dev.fleettrace.compiler.facts.ProbeFamily;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code -l} and {@code -lv} in bpftrace 0.17's format (names and detail lines as recorded on this machine). */
class ProbeListerTest {
    private static final KernelFacts FACTS = Fixtures.probeFacts();

    private static String list(String pattern, boolean verbose) throws ListingException {
        return ProbeLister.render(ProbeLister.list(pattern, verbose, FACTS));
    }

    @Test
    void tracepointsWithTheirFields() throws Exception {
        assertEquals("""
                tracepoint:sched:sched_switch
                    char prev_comm[16]
                    pid_t prev_pid
                    int prev_prio
                    long prev_state
                    char next_comm[16]
                    pid_t next_pid
                    int next_prio
                """, list("tracepoint:sched:sched_switch", true));
        assertEquals("""
                tracepoint:sched:sched_process_exec
                    __data_loc char[] filename
                    pid_t pid
                    pid_t old_pid
                """, list("t:sched:sched_process_exec", true));
        assertEquals("""
                tracepoint:syscalls:sys_enter_openat
                    int __syscall_nr
                    int dfd
                    const char * filename
                    int flags
                    umode_t mode
                """, list("tracepoint:syscalls:sys_enter_openat", true));
        assertEquals("tracepoint:syscalls:sys_enter_read\ntracepoint:syscalls:sys_exit_read\n", list("tracepoint:syscalls:sys_*_read", false));
    }

    @Test
    void kfuncsWithTheirArgumentsFromBtf() throws Exception {
        assertEquals("""
                kfunc:vfs_read
                    struct file * file
                    char * buf
                    size_t count
                    loff_t * pos
                    ssize_t retval
                """, list("kfunc:vfs_read", true));
        assertEquals("kretfunc:vfs_read\n", list("kretfunc:vfs_r*", false));
    }

    @Test
    void userSpaceProbesOfAFile() throws Exception {
        assertEquals("""
                uprobe:/opt/fixtures/pwl:pwl_calls
                uprobe:/opt/fixtures/pwl:pwl_malloc
                uprobe:/opt/fixtures/pwl:pwl_spin
                uprobe:/opt/fixtures/pwl:pwl_syscall
                uprobe:/opt/fixtures/pwl:pwl_work
                """, list("uprobe:pwl:pwl_*", false));
        assertEquals("usdt:/opt/fixtures/pwl:pwl:guarded\nusdt:/opt/fixtures/pwl:pwl:tick\n", list("usdt:pwl:*", false));
        assertEquals("uprobe target file 'nosuch' does not exist or is not executable",
                assertThrows(ListingException.class, () -> list("uprobe:nosuch:*", false)).getMessage());
    }

    @Test
    void everythingIsOneSortedList() throws Exception {
        List<String> all = ProbeLister.list(null, false, FACTS).stream().map(ProbeLister.Entry::name).toList();
        assertEquals(all.stream().sorted().toList(), all);
        assertTrue(all.contains("kprobe:vfs_read"));
        assertTrue(all.contains("software:cpu-clock:"));
        assertTrue(all.contains("software:cs:"), "aliases are listed too");
        assertTrue(all.contains("hardware:cycles:"));
        assertTrue(all.contains("rawtracepoint:sched_switch"));
        assertEquals(List.of("kprobe:vfs_read", "kprobe:vfs_readv", "kfunc:vfs_read", "rawtracepoint:sys_enter_read", "rawtracepoint:sys_exit_read",
                        "tracepoint:syscalls:sys_enter_read", "tracepoint:syscalls:sys_exit_read").stream().sorted().toList(),
                ProbeLister.list("*read*", false, FACTS).stream().map(ProbeLister.Entry::name).toList());
    }

    @Test
    void whatTheKernelLacksIsNotListed() throws Exception {
        KernelFacts lacking = Fixtures.probeFactsBuilder().unsupported(ProbeFamily.KPROBE, "no").unsupported(ProbeFamily.KFUNC, "no")
                .unsupported(ProbeFamily.HARDWARE, "no").build();
        List<String> all = ProbeLister.list("", false, lacking).stream().map(ProbeLister.Entry::name).toList();
        assertTrue(all.stream().noneMatch(n -> n.startsWith("kprobe:") || n.startsWith("kfunc:") || n.startsWith("hardware:")));
        assertTrue(all.contains("software:cpu-clock:"));
    }
}
