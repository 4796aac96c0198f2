package dev.fleettrace.compiler.sema;

import dev.fleettrace.compiler.ast.BinOp;

/**
 * bpftrace's integer semantics, which are the kernel's: 64-bit wrapping arithmetic, unsigned division
 * (x / 0 = 0, x % 0 = x, as BPF defines them), logical right shift, comparisons signed only when both
 * operands are. The code generator folds constants with it and the coordinator's interpreter computes
 * with it, so a block gives the same answer in a probe and on the coordinator.
 */
public final class Arithmetic {
    private Arithmetic() {}

    /** {@code x op y}; comparisons give 1 or 0. Not for {@code &&} and {@code ||}, which short-circuit. */
    public static long apply(BinOp op, long x, long y, boolean signed) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> y == 0 ? 0 : Long.divideUnsigned(x, y);
            case MOD -> y == 0 ? x : Long.remainderUnsigned(x, y);
            case BAND -> x & y;
            case BOR -> x | y;
            case BXOR -> x ^ y;
            case SHL -> x << (y & 63);
            case SHR -> x >>> (y & 63);
            case EQ -> x == y ? 1 : 0;
            case NE -> x != y ? 1 : 0;
            case LT -> compare(x, y, signed) < 0 ? 1 : 0;
            case LE -> compare(x, y, signed) <= 0 ? 1 : 0;
            case GT -> compare(x, y, signed) > 0 ? 1 : 0;
            case GE -> compare(x, y, signed) >= 0 ? 1 : 0;
            case LAND, LOR -> throw new IllegalArgumentException(op + " short-circuits: evaluate it, do not apply it");
        };
    }

    private static int compare(long x, long y, boolean signed) {
        return signed ? Long.compare(x, y) : Long.compareUnsigned(x, y);
    }
}
