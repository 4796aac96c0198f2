package dev.fleettrace.agent.kernel.programs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class VerifierSummaryTest {

    @Test
    void reasonWithTheInstructionItStoppedAt() {
        String log = """
                0: R1=ctx() R10=fp0
                0: (b7) r1 = 0                        ; R1=0
                1: (79) r0 = *(u64 *)(r1 +0)
                R1 invalid mem access 'scalar'
                processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
                """;
        assertEquals("R1 invalid mem access 'scalar' (at 1: (79) r0 = *(u64 *)(r1 +0))", VerifierException.summarize(log));
    }

    @Test
    void statisticsLinesAreSkipped() {
        String log = "0: (95) exit\nR0 !read_ok\nprocessed 1 insns (limit 1000000)\nstack depth 0\nverification time 12 usec\n";
        assertEquals("R0 !read_ok (at 0: (95) exit)", VerifierException.summarize(log));
    }

    @Test
    void emptyAndOddLogs() {
        assertEquals("no verifier log", VerifierException.summarize(""));
        assertEquals("unknown opcode 8f", VerifierException.summarize("unknown opcode 8f\n"));
        assertEquals("processed 1 insns", VerifierException.summarize("processed 1 insns\n"));
    }

    @Test
    void tailKeepsTheLastLines() {
        VerifierException e = new VerifierException("p", 13, "a\nb\nc\nd\n");
        assertEquals("c\nd", e.tail(2));
        assertEquals("a\nb\nc\nd", e.tail(10));
        assertEquals("BPF_PROG_LOAD: EACCES (Permission denied): verifier rejected p: d", e.getMessage());
    }
}
