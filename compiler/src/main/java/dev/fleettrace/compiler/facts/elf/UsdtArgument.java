package dev.fleettrace.compiler.facts.elf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One argument of a USDT probe, as the x86-64 SDT note writes it: {@code [-]SIZE@OPERAND}, the operand
 * being a register ({@code %edi}), a constant ({@code $5}) or memory at a register plus a displacement
 * ({@code -8(%rbp)}). {@code register} names the full 64-bit register ({@code rdi}); {@code regByte}
 * is 1 for the high byte registers ({@code %ah}).
 */
public sealed interface UsdtArgument {

    /** Bytes (1, 2, 4, 8). */
    int size();

    boolean signed();

    record Register(int size, boolean signed, String register, int regByte) implements UsdtArgument {}

    record Constant(int size, boolean signed, long value) implements UsdtArgument {}

    record Memory(int size, boolean signed, String register, long displacement) implements UsdtArgument {}

    /** An operand fleettrace cannot read (RIP-relative symbols, index registers, segments): the text as written. */
    record Unsupported(int size, boolean signed, String operand) implements UsdtArgument {}

    Pattern ARG = Pattern.compile("(-?)(\\d+)@(.+)");
    Pattern MEM = Pattern.compile("(-?(?:0x[0-9a-fA-F]+|\\d+))?\\(%(\\w+)\\)");

    /** The x86-64 register names and the 64-bit register each is part of. */
    Map<String, String> REGISTERS = registers();

    private static Map<String, String> registers() {
        Map<String, String> m = new java.util.HashMap<>();
        for (String r : new String[] {"ax", "bx", "cx", "dx"}) {
            String full = "r" + r;
            m.put(full, full);
            m.put("e" + r, full);
            m.put(r, full);
            m.put(r.charAt(0) + "l", full);
            m.put(r.charAt(0) + "h", full);
        }
        for (String r : new String[] {"si", "di", "bp", "sp"}) {
            String full = "r" + r;
            m.put(full, full);
            m.put("e" + r, full);
            m.put(r, full);
            m.put(r + "l", full);
        }
        for (int i = 8; i <= 15; i++) {
            String full = "r" + i;
            m.put(full, full);
            m.put(full + "d", full);
            m.put(full + "w", full);
            m.put(full + "b", full);
        }
        m.put("rip", "rip");
        return Map.copyOf(m);
    }

    /** Parses a note's argument text; an empty text has no arguments. */
    static List<UsdtArgument> parseAll(String spec) {
        List<UsdtArgument> out = new ArrayList<>();
        for (String a : spec.trim().split("\\s+")) if (!a.isEmpty()) out.add(parse(a));
        return out;
    }

    static UsdtArgument parse(String arg) {
        Matcher m = ARG.matcher(arg);
        int size = 8;
        boolean signed = false;
        String op = arg;
        if (m.matches()) {
            signed = !m.group(1).isEmpty();
            size = Integer.parseInt(m.group(2));
            op = m.group(3);
        }
        if (size != 1 && size != 2 && size != 4 && size != 8) return new Unsupported(8, signed, arg);
        if (op.startsWith("$")) {
            String v = op.substring(1);
            try {
                boolean neg = v.startsWith("-");
                String d = neg ? v.substring(1) : v;
                long n = d.startsWith("0x") ? Long.parseUnsignedLong(d.substring(2), 16) : Long.parseLong(d);
                return new Constant(size, signed, neg ? -n : n);
            } catch (NumberFormatException e) {
                return new Unsupported(size, signed, op);
            }
        }
        if (op.startsWith("%")) {
            String r = op.substring(1).toLowerCase(Locale.ROOT);
            String full = REGISTERS.get(r);
            if (full == null || full.equals("rip")) return new Unsupported(size, signed, op);
            return new Register(size, signed, full, r.length() == 2 && r.charAt(1) == 'h' ? 1 : 0);
        }
        Matcher mm = MEM.matcher(op);
        if (mm.matches()) {
            String full = REGISTERS.get(mm.group(2).toLowerCase(Locale.ROOT));
            if (full == null || full.equals("rip")) return new Unsupported(size, signed, op);
            String d = mm.group(1);
            long disp = 0;
            if (d != null) {
                boolean neg = d.startsWith("-");
                String digits = neg ? d.substring(1) : d;
                disp = digits.startsWith("0x") ? Long.parseLong(digits.substring(2), 16) : Long.parseLong(digits);
                if (neg) disp = -disp;
            }
            return new Memory(size, signed, full, disp);
        }
        return new Unsupported(size, signed, op);
    }
}
