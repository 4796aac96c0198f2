package dev.fleettrace.compiler.facts.dwarf;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.compiler.facts.dwarf.DwarfType.Array;
import dev.fleettrace.compiler.facts.dwarf.DwarfType.Base;
import dev.fleettrace.compiler.facts.dwarf.DwarfType.Composite;
import dev.fleettrace.compiler.facts.dwarf.DwarfType.Member;
import dev.fleettrace.compiler.facts.dwarf.DwarfType.Pointer;
import dev.fleettrace.compiler.facts.dwarf.DwarfType.Subprogram;
import dev.fleettrace.compiler.facts.elf.ElfFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Against programs gcc compiles at test time, in each DWARF flavour it emits. The expected {@code -lv}
 * lines are what bpftrace 0.17 printed for the same source.
 */
class DebugInfoTest {

    /** The source bpftrace 0.17 was run on, then types for members() (external, so even -O2 keeps them). */
    static final String SOURCE = """
            #include <stdbool.h>
            #include <unistd.h>
            struct pt { int x; long y; };
            enum color { RED, GREEN = 7 };
            typedef unsigned long my_size;
            __attribute__((noinline)) long f1(char c, unsigned short us, bool b, enum color col, my_size sz, const struct pt *p) { return c + us + b + col + sz + p->x; }
            __attribute__((noinline)) long f2(double d, struct pt v, int *ip, void *vp, char *const cp, volatile int vi) { return (long)d + v.x + *ip + (vp != 0) + cp[0] + vi; }
            __attribute__((noinline)) int f3(signed char sc, long long ll, unsigned u, short s, int arr[4], char **pp, int seven_a, int seven_b) { return sc + ll + u + s + arr[0] + seven_a + seven_b + (pp!=0); }
            int main(void) { struct pt p = {3, 4}; int i = 9; int arr[4] = {1,2,3,4}; char *strs[] = {"a"};
              f1(-2, 65535, true, GREEN, 123456789012UL, &p); f2(1.5, p, &i, &p, "zz", -5); f3(-100, -3000000000LL, 4000000000U, -7, arr, strs, 66, 77); return 0; }
            struct node { struct node *next; int v; };
            struct bf { unsigned a:3, b:5; int c; };
            struct wide { unsigned lo:10, hi:4; };
            struct named { char name[16]; int grid[2][3]; union { int i; float f; } u; };
            int g(struct node *n, struct bf *b, struct wide *w, struct named *nm) { return n->v + b->c + w->hi + nm->name[0]; }
            """;

    static final Map<String, List<String>> EXPECTED = Map.of(
            "f1", List.of("char c", "short unsigned int us", "_Bool b", "enum color col", "my_size sz", "const struct pt* p"),
            "f2", List.of("double d", "struct pt v", "int* ip", "void* vp", "char* const cp", "<unknown type> vi"),
            "f3", List.of("signed char sc", "long long int ll", "unsigned int u", "short int s", "int* arr", "char** pp", "int seven_a", "int seven_b"));

    @TempDir
    static Path dir;

    private static final Map<String, Path> BUILT = new ConcurrentHashMap<>();

    /** {@code SOURCE} built with {@code flags}, once per test class. */
    static Path build(String flags) throws Exception {
        Path out = BUILT.get(flags);
        if (out != null) return out;
        Path src = dir.resolve("t.c");
        if (!Files.exists(src)) Files.writeString(src, SOURCE);
        out = dir.resolve("t" + BUILT.size());
        List<String> cmd = new ArrayList<>(List.of("gcc", "-o", out.toString(), src.toString()));
        cmd.addAll(List.of(flags.split(" ")));
        run(cmd);
        BUILT.put(flags, out);
        return out;
    }

    static void run(List<String> cmd) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.assumeTrue(false, cmd.getFirst() + " not found: " + e.getMessage());
            return;
        }
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), cmd + " timed out");
        // gcc without -gdwarf64 or -gz=zlib-gnu support: skip that flavour rather than fail.
        Assumptions.assumeTrue(p.exitValue() == 0, cmd + " failed: " + output);
    }

    static DebugInfo dwarf(Path binary) throws IOException {
        return DebugInfo.of(ElfFile.parse(Files.readAllBytes(binary))).orElseThrow();
    }

    static List<String> lv(DebugInfo di, String function) {
        return di.function(function).orElseThrow().parameters().stream().map(p -> DebugInfo.typeName(p.type()) + " " + p.name()).toList();
    }

    static Composite pointee(DebugInfo di, String function, int parameter) {
        return assertInstanceOf(Composite.class, assertInstanceOf(Pointer.class, di.function(function).orElseThrow().parameters().get(parameter).type()).target());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-g -O0", "-gdwarf-2", "-gdwarf-3", "-gdwarf-4", "-gdwarf-5", "-g -gdwarf64", "-g -O2", "-g -gz=zlib", "-g -gz=zlib-gnu"})
    void parametersPrintAsBpftraceListsThem(String flags) throws Exception {
        DebugInfo di = dwarf(build(flags));
        for (var e : EXPECTED.entrySet()) assertEquals(e.getValue(), lv(di, e.getKey()), e.getKey() + " with " + flags);
        assertEquals(List.of(), lv(di, "main"), "(void): no parameters");
        assertTrue(di.function("no_such_function").isEmpty());
        assertTrue(di.function("pt").isEmpty(), "a struct is not a function");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-g -O0", "-gdwarf-2", "-gdwarf-4", "-gdwarf-5", "-g -gdwarf64", "-g -O2", "-g -gz=zlib"})
    void structMembersTheirTypesAndOffsets(String flags) throws Exception {
        DebugInfo di = dwarf(build(flags));

        // f1's const struct pt *p: pointer -> const -> struct pt
        DwarfType.Qualified q = assertInstanceOf(DwarfType.Qualified.class,
                assertInstanceOf(Pointer.class, di.function("f1").orElseThrow().parameters().get(5).type()).target());
        Composite pt = assertInstanceOf(Composite.class, q.inner());
        assertEquals("pt", pt.name());
        assertEquals(16, pt.byteSize());
        assertTrue(!pt.union() && !pt.declaration());
        assertEquals(List.of(new Member("x", new Base("int", 4, DwarfType.ATE_SIGNED), 0, 0, 0),
                new Member("y", new Base("long int", 8, DwarfType.ATE_SIGNED), 8, 0, 0)), di.members(pt));
        assertEquals(pt, di.function("f2").orElseThrow().parameters().get(1).type(), "one DIE, one type");

        Composite node = pointee(di, "g", 0);
        List<Member> nodeMembers = di.members(node);
        assertEquals(List.of("next", "v"), nodeMembers.stream().map(Member::name).toList());
        assertEquals(node, assertInstanceOf(Pointer.class, nodeMembers.getFirst().type()).target(), "struct node *next points back to itself");
        assertEquals(8, nodeMembers.get(1).byteOffset());

        List<Member> bf = di.members(pointee(di, "g", 1));
        Base unsigned = new Base("unsigned int", 4, DwarfType.ATE_UNSIGNED);
        assertEquals(List.of(new Member("a", unsigned, 0, 3, 0), new Member("b", unsigned, 0, 5, 3),
                new Member("c", new Base("int", 4, DwarfType.ATE_SIGNED), 4, 0, 0)), bf);

        // DWARF 2-4 give DW_AT_bit_offset from the storage unit's top, DWARF 5 DW_AT_data_bit_offset: the same bits either way.
        assertEquals(List.of(new Member("lo", unsigned, 0, 10, 0), new Member("hi", unsigned, 1, 4, 2)), di.members(pointee(di, "g", 2)));

        List<Member> named = di.members(pointee(di, "g", 3));
        assertEquals(3, named.size());
        assertEquals(new Member("name", new Array(new Base("char", 1, DwarfType.ATE_SIGNED_CHAR), List.of(16L)), 0, 0, 0), named.get(0));
        assertEquals(new Member("grid", new Array(new Base("int", 4, DwarfType.ATE_SIGNED), List.of(2L, 3L)), 16, 0, 0), named.get(1));
        Member u = named.get(2);
        assertEquals(40, u.byteOffset());
        Composite union = assertInstanceOf(Composite.class, u.type());
        assertTrue(union.union());
        assertEquals("union <anonymous>", DebugInfo.typeName(union));
        assertEquals(List.of("i", "f"), di.members(union).stream().map(Member::name).toList());
        assertTrue(di.members(union).stream().allMatch(m -> m.byteOffset() == 0), "union members all at 0");
    }

    @Test
    void typeNamesFollowBpftrace() {
        Base ch = new Base("char", 1, DwarfType.ATE_SIGNED_CHAR);
        Composite s = new Composite(false, "pt", 16, 0, false);
        assertEquals("void*", DebugInfo.typeName(new Pointer(null)));
        assertEquals("char**", DebugInfo.typeName(new Pointer(new Pointer(ch))));
        assertEquals("const char*", DebugInfo.typeName(new Pointer(new DwarfType.Qualified(DwarfType.Qualifier.CONST, ch))));
        assertEquals("char* const", DebugInfo.typeName(new DwarfType.Qualified(DwarfType.Qualifier.CONST, new Pointer(ch))));
        assertEquals("const void", DebugInfo.typeName(new DwarfType.Qualified(DwarfType.Qualifier.CONST, null)));
        assertEquals("const struct pt*", DebugInfo.typeName(new Pointer(new DwarfType.Qualified(DwarfType.Qualifier.CONST, s))));
        assertEquals("struct <anonymous>", DebugInfo.typeName(new Composite(false, "", 4, 0, false)));
        assertEquals("enum <anonymous>", DebugInfo.typeName(new DwarfType.Enum("", 4)));
        assertEquals("my_size", DebugInfo.typeName(new DwarfType.Typedef("my_size", new Base("long unsigned int", 8, DwarfType.ATE_UNSIGNED))));
        assertEquals("<unknown type>", DebugInfo.typeName(new DwarfType.Qualified(DwarfType.Qualifier.RESTRICT, new Pointer(ch))));
        assertEquals("<unknown type>", DebugInfo.typeName(new Array(ch, List.of(4L))));
        assertEquals("<unknown type>", DebugInfo.typeName(new DwarfType.Other(0x15)));
    }

    @Test
    void readOncePerElfFile() throws Exception {
        ElfFile elf = ElfFile.parse(Files.readAllBytes(build("-g -O0")));
        assertSame(DebugInfo.of(elf).orElseThrow(), DebugInfo.of(elf).orElseThrow());
    }

    @Test
    void aStrippedBinaryHasNoDebugInfo() throws Exception {
        Path stripped = dir.resolve("stripped");
        Files.copy(build("-g -O0"), stripped);
        run(List.of("strip", "--strip-debug", stripped.toString()));
        ElfFile elf = ElfFile.parse(Files.readAllBytes(stripped));
        assertTrue(elf.section(".debug_info").isEmpty());
        assertTrue(DebugInfo.of(elf).isEmpty());
    }

    @Test
    void cxxMethodsAreFoundByNameAndLinkageNameThroughTheirSpecification() throws Exception {
        Path src = dir.resolve("s.cc"), out = dir.resolve("scc");
        Files.writeString(src, """
                struct S { int k; long m(int a, const char *s); };
                long S::m(int a, const char *s) { return a + k + s[0]; }
                int main() { S s{1}; return s.m(2, "x"); }
                """);
        run(List.of("g++", "-g", "-O0", "-o", out.toString(), src.toString()));
        DebugInfo di = dwarf(out);
        List<String> expected = List.of("struct S* const this", "int a", "const char* s");
        assertEquals(expected, lv(di, "m"), "the definition (named by DW_AT_specification), not the declaration in the class");
        assertEquals(expected, lv(di, "_ZN1S1mEiPKc"));
    }

    /** Rewrites the {@code sh_size} of section {@code name} in an ELF image. */
    static byte[] withSectionSize(byte[] elf, String name, long size) {
        ElfFile parsed = ElfFile.parse(elf.clone());
        int index = parsed.sections().indexOf(parsed.section(name).orElseThrow());
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(Math.toIntExact(b.getLong(40) + 64L * index + 32), size);
        return elf;
    }

    @Test
    void truncatedDebugInfoIsNoDebugInfo() throws Exception {
        byte[] elf = Files.readAllBytes(build("-g -O0"));
        long size = ElfFile.parse(elf).section(".debug_info").orElseThrow().size();
        assertTrue(DebugInfo.of(ElfFile.parse(withSectionSize(elf.clone(), ".debug_info", 6))).isEmpty(), "not even a unit header");
        assertTrue(DebugInfo.of(ElfFile.parse(withSectionSize(elf.clone(), ".debug_info", size / 2))).isEmpty(), "the only unit is cut");
        assertTrue(DebugInfo.of(ElfFile.parse(withSectionSize(elf.clone(), ".debug_abbrev", 0))).isEmpty());
    }

    /** Random bytes of .debug_info and .debug_abbrev overwritten: answers may be wrong, but nothing is thrown. */
    @Test
    void corruptDwarfThrowsNothing() throws Exception {
        byte[] good = Files.readAllBytes(build("-g -O0"));
        ElfFile parsed = ElfFile.parse(good);
        Random random = new Random(42);
        int answered = 0;
        for (int round = 0; round < 300; round++) {
            byte[] bad = good.clone();
            for (String section : List.of(".debug_info", ".debug_abbrev")) {
                ElfFile.Section s = parsed.section(section).orElseThrow();
                for (int i = 0; i < 1 + random.nextInt(4); i++) bad[Math.toIntExact(s.offset() + random.nextLong(s.size()))] = (byte) random.nextInt(256);
            }
            Optional<DebugInfo> di = assertDoesNotThrow(() -> DebugInfo.of(ElfFile.parse(bad)));
            if (di.isEmpty()) continue;
            for (String f : List.of("f1", "f2", "f3", "g", "main")) {
                Optional<Subprogram> fn = assertDoesNotThrow(() -> di.get().function(f));
                if (fn.isPresent()) answered++;
                for (var p : fn.map(Subprogram::parameters).orElse(List.of())) {
                    assertDoesNotThrow(() -> DebugInfo.typeName(p.type()));
                    if (p.type() instanceof Pointer(Composite c)) assertDoesNotThrow(() -> di.get().members(c));
                }
            }
        }
        assertNotEquals(0, answered, "most corruptions leave most functions readable");
    }
}
