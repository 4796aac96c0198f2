package dev.fleettrace.plan;

/**
 * A kernel value that the agent turns into text before it leaves the host: a stack id (kstack,
 * ustack) or a code address (ksym, usym). Text merges across hosts where ids and addresses do not
 * (every kernel numbers its stacks and lays out its code differently).
 *
 * <p>In the kernel the value is {@code kernelSize()} bytes: a stack id (8) or an address (8), and for
 * user space the process id after it (8), because user addresses mean something only in their process.
 *
 * @param limit    stacks: the most frames kept (bpftrace's {@code kstack(3)})
 * @param mode     stacks: how frames print
 * @param stackMap stacks: plan index of the stack trace map holding them; -1 for symbols
 */
public record Symbolic(Kind kind, int limit, StackMode mode, int stackMap) {

    public enum Kind {
        KSTACK, USTACK, KSYM, USYM,
        /** {@code username}: the uid (8 bytes); the agent looks its name up in the host's user database. */
        USERNAME,
        /** {@code ntop(af, addr)}: the address family (8 bytes), then 16 bytes of address; the agent formats it as inet_ntop does. */
        INET;

        /** Bytes of the kernel form. */
        public int kernelSize() {
            return switch (this) {
                case USTACK, USYM -> 16;
                case INET -> 24;
                default -> 8;
            };
        }

        public boolean stack() {
            return this == KSTACK || this == USTACK;
        }

        public boolean user() {
            return this == USTACK || this == USYM;
        }
    }

    /** bpftrace 0.17's stack modes: {@code sym+off} lines, or perf's {@code addr sym+off (module)}. */
    public enum StackMode { BPFTRACE, PERF }

    /** The most frames a stack map keeps (the kernel's PERF_MAX_STACK_DEPTH). */
    public static final int MAX_FRAMES = 127;

    public static Symbolic ksym() {
        return new Symbolic(Kind.KSYM, 0, StackMode.BPFTRACE, -1);
    }

    /** A value with no stack map: username, ntop(). */
    public static Symbolic of(Kind kind) {
        return new Symbolic(kind, 0, StackMode.BPFTRACE, -1);
    }

    public static Symbolic usym() {
        return new Symbolic(Kind.USYM, 0, StackMode.BPFTRACE, -1);
    }

    public int kernelSize() {
        return kind.kernelSize();
    }

    /** How the text is typed once resolved: stacks print on their own lines, symbols as strings. */
    public FieldKind printedKind() {
        return kind.stack() ? FieldKind.STACK : FieldKind.STRING;
    }

    /** The bpftrace type name: {@code kstack}, {@code ustack}, {@code ksym}, {@code usym}. */
    public String typeName() {
        return kind.name().toLowerCase();
    }
}
