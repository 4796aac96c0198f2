package dev.fleettrace.compiler.facts.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Against {@code src/test/resources/elf/pwl}: conformance/pwl.c built with gcc -O2 (a PIE with hand-written SDT notes). */
public class ElfFileTest {

    public static byte[] fixture() {
        try (InputStream in = ElfFileTest.class.getResourceAsStream("/elf/pwl")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private final ElfFile elf = ElfFile.parse(fixture());

    @Test
    void readsFunctionSymbols() {
        assertEquals(ElfFile.ET_DYN, elf.type(), "a PIE executable");
        ElfFile.Symbol work = elf.functions().get("pwl_work");
        assertEquals(0x1380, work.value());
        assertEquals(78, work.size());
        assertTrue(elf.functions().containsKey("main"));
        assertTrue(elf.functions().containsKey("malloc") || elf.functions().keySet().stream().noneMatch(n -> n.contains("@")),
                "versioned dynamic names are listed without their version");
    }

    @Test
    void mapsAddressesToFileOffsetsAndBack() {
        // The text segment of this file is mapped at its file offset: the uprobe offset equals the address.
        assertEquals(0x1380, elf.fileOffset(0x1380).orElseThrow());
        // .probes (the semaphore) lives in the data segment, loaded 0x1000 above its file offset.
        assertEquals(0x3068, elf.fileOffset(0x4068).orElseThrow());
        assertEquals(0x1380, elf.vaddrOfOffset(0x1380).orElseThrow());
        var at = elf.function(0x1380 + 5).orElseThrow();
        assertEquals("pwl_work", at.symbol().name());
        assertEquals(5, at.offset());
        assertTrue(elf.function(0x10).isEmpty(), "below every function");
    }

    @Test
    void readsUsdtNotes() {
        List<UsdtProbe> probes = elf.usdtProbes();
        assertEquals(List.of("pwl:tick", "pwl:guarded"), probes.stream().map(p -> p.provider() + ":" + p.name()).toList());
        UsdtProbe tick = probes.get(0);
        assertEquals(0x13bc, tick.pc());
        assertEquals(0, tick.semaphore());
        assertEquals("8@%rcx -4@%edx 8@%rdi 8@-8(%rsp)", tick.argSpec());
        assertEquals(List.of(new UsdtArgument.Register(8, false, "rcx", 0), new UsdtArgument.Register(4, true, "rdx", 0),
                new UsdtArgument.Register(8, false, "rdi", 0), new UsdtArgument.Memory(8, false, "rsp", -8)), tick.arguments());
        assertEquals(0x4068, probes.get(1).semaphore());
    }

    @Test
    void parsesEveryOperandKind() {
        assertEquals(List.of(new UsdtArgument.Register(1, true, "rax", 1), new UsdtArgument.Constant(4, false, 5),
                        new UsdtArgument.Memory(8, true, "rbp", -8), new UsdtArgument.Memory(2, false, "r12", 0x10),
                        new UsdtArgument.Unsupported(8, false, "counter(%rip)")),
                UsdtArgument.parseAll("-1@%ah 4@$5 -8@-8(%rbp) 2@0x10(%r12) 8@counter(%rip)"));
        assertEquals(List.of(), UsdtArgument.parseAll(""));
    }

    @Test
    void rejectsWhatIsNotElf() {
        assertThrows(ElfException.class, () -> ElfFile.parse(new byte[64]));
        byte[] truncated = java.util.Arrays.copyOf(fixture(), 100);
        assertThrows(ElfException.class, () -> ElfFile.parse(truncated));
    }
}
