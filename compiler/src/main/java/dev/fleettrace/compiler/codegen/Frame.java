package dev.fleettrace.compiler.codegen;

import dev.fleettrace.bpf.Reg;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.Set;

/**
 * A program's stack and its callee-saved registers. Stack slots are bump-allocated below the frame
 * pointer and released in bulk at the end of each statement; R6..R9 are handed out to values that
 * must survive helper calls.
 */
final class Frame {
    static final int LIMIT = 512;

    private int depth;     // bytes in use below r10
    private int maxDepth;
    private final Deque<Reg> freeRegs = new ArrayDeque<>();
    private final Set<Reg> taken = EnumSet.noneOf(Reg.class);

    Frame(boolean reserveR6ForCtx) {
        if (!reserveR6ForCtx) freeRegs.add(Reg.R6);
        freeRegs.add(Reg.R7);
        freeRegs.add(Reg.R8);
        freeRegs.add(Reg.R9);
    }

    /** Allocates {@code size} bytes (8-aligned) and returns their offset from r10 (negative). */
    int alloc(int size) {
        depth += (size + 7) & ~7;
        maxDepth = Math.max(maxDepth, depth);
        return -depth;
    }

    int mark() {
        return depth;
    }

    void release(int mark) {
        depth = mark;
    }

    int maxDepth() {
        return maxDepth;
    }

    /** A callee-saved register, or null when all are in use (the caller spills to the stack). */
    Reg takeReg() {
        Reg r = freeRegs.pollFirst();
        if (r != null) taken.add(r);
        return r;
    }

    void giveReg(Reg r) {
        if (taken.remove(r)) freeRegs.addFirst(r);
    }
}
