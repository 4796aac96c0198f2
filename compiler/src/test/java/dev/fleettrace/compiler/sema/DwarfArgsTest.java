package dev.fleettrace.compiler.sema;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fleettrace.compiler.facts.dwarf.DwarfType;
import dev.fleettrace.compiler.facts.dwarf.DwarfType.Base;
import dev.fleettrace.compiler.facts.dwarf.DwarfType.Parameter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where the System V AMD64 calling convention puts each parameter at a function's entry: the offsets
 * of {@code args}' members in the argument area (registers rdi..r9 at 0..40, stack words from 48).
 */
class DwarfArgsTest {
    private static final Base INT = new Base("int", 4, DwarfType.ATE_SIGNED);
    private static final Base LONG = new Base("long int", 8, DwarfType.ATE_SIGNED);
    private static final Base UCHAR = new Base("unsigned char", 1, DwarfType.ATE_UNSIGNED_CHAR);
    private static final Base DOUBLE = new Base("double", 8, DwarfType.ATE_FLOAT);
    private static final Base LONG_DOUBLE = new Base("long double", 16, DwarfType.ATE_FLOAT);
    private static final DwarfType CONST_CHAR_P = new DwarfType.Pointer(new DwarfType.Qualified(DwarfType.Qualifier.CONST,
            new Base("char", 1, DwarfType.ATE_SIGNED_CHAR)));

    private static DwarfArgs args(Parameter... ps) {
        return DwarfArgs.of(null, new DwarfType.Subprogram("f", List.of(ps)));
    }

    private static Map<String, Integer> offsets(DwarfArgs a) {
        var out = new java.util.LinkedHashMap<String, Integer>();
        for (Type.Member m : a.struct().members()) out.put(m.name(), m.offset());
        return out;
    }

    @Test
    void integersAndPointersTakeTheSixRegistersThenTheStack() {
        DwarfArgs a = args(new Parameter("a", INT), new Parameter("b", LONG), new Parameter("c", CONST_CHAR_P), new Parameter("d", UCHAR),
                new Parameter("e", INT), new Parameter("f", INT), new Parameter("g", LONG), new Parameter("h", INT));
        assertEquals(Map.of("a", 0, "b", 8, "c", 16, "d", 24, "e", 32, "f", 40, "g", 48, "h", 56), offsets(a));
        assertEquals(new Type.Int(8, false), a.struct().member("d").orElseThrow().type());
        assertEquals(new Type.Int(32, true), a.struct().member("a").orElseThrow().type());
        assertEquals(new Type.Pointer(new Type.Int(8, true), true), a.struct().member("c").orElseThrow().type());
    }

    @Test
    void floatingPointTakesNoIntegerRegisterAndCannotBeRead() {
        DwarfArgs a = args(new Parameter("x", DOUBLE), new Parameter("a", INT), new Parameter("y", DOUBLE), new Parameter("b", LONG));
        assertEquals(Map.of("a", 0, "b", 8), offsets(a));
        assertEquals(Map.of("x", "double", "y", "double"), a.unsupported());
    }

    @Test
    void longDoubleGoesOnTheStackAlignedToSixteenBytes() {
        DwarfArgs a = args(new Parameter("a", LONG), new Parameter("b", LONG), new Parameter("c", LONG), new Parameter("d", LONG),
                new Parameter("e", LONG), new Parameter("f", LONG), new Parameter("g", INT), new Parameter("q", LONG_DOUBLE), new Parameter("h", INT));
        // g: stack word 0; q: words 2-3 (16-aligned); h: word 4.
        assertEquals(48, offsets(a).get("g"));
        assertEquals(48 + 4 * 8, offsets(a).get("h"));
    }

    @Test
    void afterAStructByValueLaterArgumentsCannotBeLocated() {
        var pt = new DwarfType.Composite(false, "pt", 16, 0x100, false);
        DwarfArgs a = args(new Parameter("a", INT), new Parameter("v", pt), new Parameter("b", INT));
        assertEquals(Map.of("a", 0), offsets(a));
        assertEquals(List.of("b"), a.unlocated());
        assertEquals(Map.of("v", "struct pt"), a.unsupported());
    }

    @Test
    void typedefsAndQualifiersArePeeledEnumsAreUnsigned() {
        var size = new DwarfType.Typedef("my_size", new Base("long unsigned int", 8, DwarfType.ATE_UNSIGNED));
        var vol = new DwarfType.Qualified(DwarfType.Qualifier.VOLATILE, INT);
        DwarfArgs a = args(new Parameter("s", size), new Parameter("v", vol), new Parameter("e", new DwarfType.Enum("color", 4)),
                new Parameter("b", new Base("_Bool", 1, DwarfType.ATE_BOOLEAN)));
        assertEquals(List.of(new Type.Member("s", Type.Int.UINT64, 0), new Type.Member("v", Type.Int.INT32, 8),
                new Type.Member("e", Type.Int.UINT32, 16), new Type.Member("b", new Type.Int(8, false), 24)), a.struct().members());
    }
}
