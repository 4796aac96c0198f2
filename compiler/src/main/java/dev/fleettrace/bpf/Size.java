package dev.fleettrace.bpf;

/** Width of a memory access, with its {@code BPF_SIZE} bits. */
public enum Size {
    W(0x00, 4), H(0x08, 2), B(0x10, 1), DW(0x18, 8);

    public final int code;
    public final int bytes;

    Size(int code, int bytes) {
        this.code = code;
        this.bytes = bytes;
    }

    public static Size ofBytes(int bytes) {
        return switch (bytes) {
            case 1 -> B;
            case 2 -> H;
            case 4 -> W;
            case 8 -> DW;
            default -> throw new IllegalArgumentException("no BPF access of " + bytes + " bytes");
        };
    }

    static Size ofCode(int code) {
        for (Size s : values()) if (s.code == code) return s;
        throw new IllegalArgumentException("bad size bits " + code);
    }

    /** The C type bpftool prints for an access of this width. */
    public String cType() {
        return switch (this) {
            case B -> "u8";
            case H -> "u16";
            case W -> "u32";
            case DW -> "u64";
        };
    }
}
