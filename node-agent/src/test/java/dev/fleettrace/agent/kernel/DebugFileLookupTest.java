package dev.fleettrace.agent.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.agent.symbols.ElfFiles;
import dev.fleettrace.compiler.facts.dwarf.DebugInfo;
import dev.fleettrace.compiler.facts.elf.ElfFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A binary's DWARF found where gdb finds it: in the binary, by build id under the debug root, or by
 * {@code .gnu_debuglink} (CRC checked). Built with gcc, split with objcopy and strip at test time.
 */
class DebugFileLookupTest {

    static final String BUILD_ID = "0123456789abcdef0123456789abcdef01234567";

    @TempDir
    static Path dir;
    static Path withDwarf, stripped, debug, otherDebug;

    @BeforeAll
    static void build() throws Exception {
        Path src = dir.resolve("prog.c");
        Files.writeString(src, "struct pt { int x; long y; };\nlong f1(char c, const struct pt *p) { return c + p->x; }\nint main(void) { return 0; }\n");
        withDwarf = dir.resolve("prog");
        run("gcc", "-g", "-O0", "-Wl,--build-id=0x" + BUILD_ID, "-o", withDwarf.toString(), src.toString());
        debug = dir.resolve("prog.debug");
        stripped = dir.resolve("prog.stripped");
        run("objcopy", "--only-keep-debug", withDwarf.toString(), debug.toString());
        Files.copy(withDwarf, stripped);
        run("strip", "--strip-debug", stripped.toString());
        run("objcopy", "--add-gnu-debuglink=" + debug, stripped.toString());
        // Another build's debug file: right name, wrong CRC.
        Path other = dir.resolve("other");
        run("gcc", "-g", "-O0", "-DX=1", "-o", other.toString(), src.toString(), "-Wl,--build-id=0xfeed");
        otherDebug = dir.resolve("other.debug");
        run("objcopy", "--only-keep-debug", other.toString(), otherDebug.toString());
    }

    static void run(String... cmd) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.assumeTrue(false, cmd[0] + " not found: " + e.getMessage());
            return;
        }
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), List.of(cmd) + " timed out");
        assertEquals(0, p.exitValue(), List.of(cmd) + " failed: " + out);
    }

    /** A fresh copy of the stripped binary in {@code where} (so no lookup is remembered from another test). */
    static Path strippedIn(Path where) throws IOException {
        Files.createDirectories(where);
        return Files.copy(stripped, where.resolve("prog"));
    }

    static ElfFile elf(Path p) {
        return ElfFiles.get(p).orElseThrow();
    }

    static List<String> f1(ElfFile debugFile) {
        return DebugInfo.of(debugFile).orElseThrow().function("f1").orElseThrow().parameters().stream()
                .map(p -> DebugInfo.typeName(p.type()) + " " + p.name()).toList();
    }

    @Test
    void aBinaryWithDwarfIsItsOwnDebugFile() {
        ElfFile elf = elf(withDwarf);
        assertSame(elf, HostKernelFacts.debugFile(withDwarf, elf, dir.resolve("no-root")));
    }

    @Test
    void theBuildIdNamesTheDebugFileUnderTheRoot() throws IOException {
        assertEquals(BUILD_ID, elf(stripped).buildId().orElseThrow());
        Path root = dir.resolve("root-by-id");
        Path byId = root.resolve(".build-id/01/23456789abcdef0123456789abcdef01234567.debug");
        Files.createDirectories(byId.getParent());
        Files.copy(debug, byId);
        Path bin = strippedIn(dir.resolve("by-id")); // no debuglink file beside it
        ElfFile found = HostKernelFacts.debugFile(bin, elf(bin), root);
        assertSame(elf(byId), found);
        assertEquals(List.of("char c", "const struct pt* p"), f1(found));
    }

    @Test
    void theDebuglinkIsFollowedBesideTheBinaryInDotDebugAndUnderTheRoot() throws IOException {
        Path root = dir.resolve("root-by-link");
        Path beside = strippedIn(dir.resolve("beside"));
        Files.copy(debug, beside.resolveSibling("prog.debug"));
        Path inDotDebug = strippedIn(dir.resolve("dotdebug"));
        Files.createDirectories(inDotDebug.resolveSibling(".debug"));
        Files.copy(debug, inDotDebug.resolveSibling(".debug").resolve("prog.debug"));
        Path underRoot = strippedIn(dir.resolve("underroot"));
        Path mirrored = root.resolve(underRoot.toRealPath().getParent().toString().substring(1)).resolve("prog.debug");
        Files.createDirectories(mirrored.getParent());
        Files.copy(debug, mirrored);
        for (Path bin : List.of(beside, inDotDebug, underRoot)) {
            ElfFile found = HostKernelFacts.debugFile(bin, elf(bin), root);
            assertTrue(found != elf(bin), "found for " + bin);
            assertEquals(List.of("char c", "const struct pt* p"), f1(found), bin.toString());
        }
    }

    @Test
    void aDebugFileWithTheWrongCrcIsNotUsed() throws IOException {
        Path bin = strippedIn(dir.resolve("wrong-crc"));
        Files.copy(otherDebug, bin.resolveSibling("prog.debug"));
        ElfFile elf = elf(bin);
        assertSame(elf, HostKernelFacts.debugFile(bin, elf, dir.resolve("no-root")), "the binary itself");
        assertTrue(DebugInfo.of(elf).isEmpty(), "which has no DWARF");
    }
}
