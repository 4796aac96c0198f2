package dev.fleettrace.coordinator.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The port permutes ties exactly as g++ 12's std::sort: resources/stdsort/cases.txt holds what
 * stdsort.cpp printed for gen.py's inputs (random, tie-heavy, patterned, and median-of-3 killers that
 * reach the heapsort fallback).
 */
class StdSortTest {

    @Test
    void matchesLibstdcxx() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("src/test/resources/stdsort/cases.txt"));
        assertEquals(214, lines.size());
        for (String line : lines) {
            String[] p = line.split("\\|", -1);
            long[] v = Arrays.stream(p[0].trim().split("\\s+")).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).toArray();
            Integer[] idx = new Integer[v.length];
            for (int i = 0; i < v.length; i++) idx[i] = i;
            StdSort.sort(idx, (x, y) -> Long.compare(v[x], v[y]));
            assertEquals(p[1].trim(), Arrays.stream(idx).map(String::valueOf).collect(Collectors.joining(" ")), "input " + p[0]);
        }
    }
}
