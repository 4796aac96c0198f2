package dev.fleettrace.compiler.sema;

import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.Symbolic;
import java.util.List;
import java.util.stream.Collectors;

/** The types of bpftrace values, as semantic analysis infers them. */
public sealed interface Type {

    /** Bytes the value takes in a map key, a map value or an event record. */
    int size();

    /** An integer of {@code bits} (8, 16, 32, 64). */
    record Int(int bits, boolean signed) implements Type {
        public static final Int INT64 = new Int(64, true);
        public static final Int UINT64 = new Int(64, false);
        public static final Int UINT32 = new Int(32, false);
        public static final Int INT32 = new Int(32, true);

        @Override
        public int size() {
            return bits / 8;
        }

        @Override
        public String toString() {
            return (signed ? "int" : "uint") + bits;
        }
    }

    /** A NUL-terminated string in a buffer of {@code size} bytes (NUL included). */
    record Str(int size) implements Type {
        @Override
        public String toString() {
            return "string[" + size + "]";
        }
    }

    /** {@code (a, b, ...)}: elements laid out one after the other, each 8-byte aligned. */
    record Tuple(List<Type> elements) implements Type {
        public Tuple {
            elements = List.copyOf(elements);
        }

        @Override
        public int size() {
            int s = 0;
            for (Type t : elements) s += align8(t.size());
            return s;
        }

        public int offset(int index) {
            int s = 0;
            for (int i = 0; i < index; i++) s += align8(elements.get(i).size());
            return s;
        }

        @Override
        public String toString() {
            return "(" + elements.stream().map(Type::toString).collect(Collectors.joining(",")) + ")";
        }
    }

    /** A pointer into kernel or user memory. */
    record Pointer(Type pointee, boolean user) implements Type {
        @Override
        public int size() {
            return 8;
        }

        @Override
        public String toString() {
            return pointee + " *";
        }
    }

    /** A struct: a tracepoint's record, or a type from BTF. */
    record Struct(String name, int size, List<Member> members) implements Type {
        public Struct {
            members = List.copyOf(members);
        }

        public java.util.Optional<Member> member(String field) {
            return members.stream().filter(m -> m.name().equals(field)).findFirst();
        }

        @Override
        public String toString() {
            return "struct " + name;
        }
    }

    /**
     * A struct member. {@code dataLoc}: a tracepoint's {@code __data_loc} field, a 32-bit word whose low
     * half is the offset of the data in the record and whose high half is its length.
     */
    record Member(String name, Type type, int offset, boolean dataLoc, int bitShift, int bitSize) {
        public Member(String name, Type type, int offset, boolean dataLoc) {
            this(name, type, offset, dataLoc, 0, 0);
        }

        public Member(String name, Type type, int offset) {
            this(name, type, offset, false);
        }

        /** A bitfield: {@code bitSize} bits, {@code bitShift} bits into the {@code type.size()} bytes at {@code offset}. */
        public boolean bitfield() {
            return bitSize > 0;
        }
    }

    /** A fixed-size array. */
    record Array(Type element, int length) implements Type {
        @Override
        public int size() {
            return element.size() * length;
        }

        @Override
        public String toString() {
            return element + "[" + length + "]";
        }
    }

    /** The value of an aggregation map: what {@code count()}, {@code hist(x)}, ... produce. */
    record Agg(AggKind kind, boolean signed) implements Type {
        @Override
        public int size() {
            return 8;
        }

        @Override
        public String toString() {
            return kind.function();
        }
    }

    /**
     * A stack ({@code kstack}, {@code ustack(perf, 3)}) or a code symbol ({@code ksym(ip)}, {@code usym(ip)}):
     * an id or address in the kernel, text once the agent resolved it.
     */
    record Symbolized(Symbolic.Kind kind, int limit, Symbolic.StackMode mode) implements Type {
        @Override
        public int size() {
            return kind.kernelSize();
        }

        /** The plan's description, with the stack map the resource analysis chose. */
        public Symbolic symbolic(int stackMap) {
            return new Symbolic(kind, limit, mode, stackMap);
        }

        @Override
        public String toString() {
            return kind == Symbolic.Kind.INET ? "inet" : kind.name().toLowerCase();
        }
    }

    /** No value: statements, {@code printf(...)}, {@code exit()}. */
    record None() implements Type {
        @Override
        public int size() {
            return 0;
        }

        @Override
        public String toString() {
            return "none";
        }
    }

    None NONE = new None();

    static int align8(int n) {
        return (n + 7) & ~7;
    }

    static boolean isInt(Type t) {
        return t instanceof Int;
    }

    static boolean isStr(Type t) {
        return t instanceof Str;
    }
}
