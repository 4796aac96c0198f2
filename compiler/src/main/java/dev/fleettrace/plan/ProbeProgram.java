package dev.fleettrace.plan;

import dev.fleettrace.bpf.Insn;
import dev.fleettrace.bpf.ProgType;
import java.util.List;

/**
 * One program to load and the attach point it runs at.
 *
 * @param name kernel object name (at most 15 characters)
 */
public record ProbeProgram(String name, ProgType type, AttachPoint attach, List<Insn> insns) {

    public ProbeProgram {
        insns = List.copyOf(insns);
        if (name.length() > 15) throw new IllegalArgumentException("kernel program name too long: " + name);
    }

    /** Instruction slots (ld_imm64 counts two), as the kernel counts them. */
    public int slots() {
        return insns.stream().mapToInt(Insn::slots).sum();
    }
}
