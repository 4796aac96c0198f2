package dev.fleettrace.agent.kernel.programs;

import dev.fleettrace.agent.sys.SysException;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel refused a program at BPF_PROG_LOAD and said why in the verifier log. Keeps the whole
 * log (it names the instruction and the register state) and a one-line summary of the reason.
 */
public final class VerifierException extends SysException {
    private final String program;
    private final String log;
    private final String summary;

    public VerifierException(String program, int errno, String log) {
        super("BPF_PROG_LOAD", errno, "verifier rejected " + program + ": " + summarize(log));
        this.program = program;
        this.log = log;
        this.summary = summarize(log);
    }

    /** The program's kernel name. */
    public String program() {
        return program;
    }

    /** The verifier's full log, as the kernel wrote it. */
    public String log() {
        return log;
    }

    /** The reason in one line: the verifier's last message, with the instruction it stopped at. */
    public String summary() {
        return summary;
    }

    /** The last {@code n} lines of the log (statistics lines included), for a message of bounded size. */
    public String tail(int n) {
        List<String> lines = log.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }

    /**
     * Finds the verifier's reason: the last line that is neither a statistics line ({@code processed
     * N insns}, {@code verification time}, {@code stack depth}) nor an instruction or register-state
     * dump; the last instruction line before it says where.
     */
    static String summarize(String log) {
        List<String> lines = new ArrayList<>();
        for (String l : log.split("\n")) {
            String t = l.strip();
            if (!t.isEmpty()) lines.add(t);
        }
        int end = lines.size();
        while (end > 0 && statistics(lines.get(end - 1))) end--;
        if (end == 0) return log.isBlank() ? "no verifier log" : lines.getLast();
        String reason = lines.get(end - 1);
        String where = null;
        for (int i = end - 2; i >= 0 && where == null; i--) if (instruction(lines.get(i))) where = lines.get(i);
        if (instruction(reason)) return reason;
        return where == null ? reason : reason + " (at " + where + ")";
    }

    private static boolean statistics(String line) {
        return line.startsWith("processed ") || line.startsWith("verification time") || line.startsWith("stack depth")
                || line.startsWith("max_states_per_insn") || line.startsWith("-- END PROG LOAD LOG --");
    }

    /** {@code 3: (79) r0 = *(u64 *)(r10 -8)}: an instruction as the verifier prints it. */
    private static boolean instruction(String line) {
        int colon = line.indexOf(": (");
        if (colon <= 0) return false;
        for (int i = 0; i < colon; i++) if (!Character.isDigit(line.charAt(i))) return false;
        return true;
    }
}
