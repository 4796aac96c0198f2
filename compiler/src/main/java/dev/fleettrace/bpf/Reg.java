package dev.fleettrace.bpf;

/**
 * The eleven eBPF registers. R0 holds return values, R1..R5 carry helper arguments and are clobbered
 * by calls, R6..R9 survive calls, R10 is the read-only frame pointer.
 */
public enum Reg implements Src {
    R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10;

    private static final Reg[] ALL = values();

    public int num() {
        return ordinal();
    }

    public static Reg of(int num) {
        if (num < 0 || num >= ALL.length) throw new IllegalArgumentException("no register r" + num);
        return ALL[num];
    }

    public boolean calleeSaved() {
        return this.ordinal() >= 6 && this.ordinal() <= 9;
    }

    @Override
    public String toString() {
        return "r" + ordinal();
    }
}
