package dev.fleettrace.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** printf as bpftrace 0.17 prints it, including its quirks; each row was recorded with bpftrace on this machine. */
class PrintfFormatTest {

    /** Arguments as text: integers, or strings in quotes. */
    private static List<Object> args(String spec) {
        List<Object> out = new ArrayList<>();
        if (spec == null || spec.isBlank()) return out;
        for (String a : spec.split(";")) out.add(a.startsWith("'") ? a.substring(1, a.length() - 1).getBytes() : (Object) Long.parseLong(a));
        return out;
    }

    @ParameterizedTest
    @CsvSource(delimiterString = "=>", ignoreLeadingAndTrailingWhitespace = false, quoteCharacter = '"', textBlock = """
            %d %5d|%-5d|%x %s|%10s|%-4s|%c %%=>42;-3;7;255;'hi';'bpftrace';'ab';65=>42    -3|7    |ff hi|  bpftrace|ab  |A %%
            %lu %llx %hhd %ld %u=>-1;255;300;-5;-1=>18446744073709551615 ff 44 -5 4294967295
            a%%b %d|=>5=>a%b 5|
            %d %%|=>5=>5 %%|
            100%%=>=>100%%
            x%%%d %% %d %%=>1;2=>x%1 % 2 %%
            %% %s=>'a'=>% a
            %5d|%-5s|%5.1s=>1;'ab';'cd'=>    1|ab   |    c
            %lld %hd %hu %zd %x %lx=>-2;70000;70000;-3;-1;-1=>-2 4464 4464 -3 ffffffff ffffffffffffffff
            %d|%x|%u|%c|%p=>5000000000;1099511627776;5000000000;321;-1=>705032704|0|705032704|A|0xffffffffffffffff
            %5.2s|=>'abc'=>   ab|
            %p|=>4096=>0x1000|
            %.3d|%10.4d|=>5;42=>005|      0042|
            %08d|%-8d|=>42;5=>00000042|5       |
            %hhx %hx %zu %jd %td=>511;131071;-1;-1;-1=>ff ffff 18446744073709551615 -1 -1
            """)
    void formatsAsBpftrace(String format, String arguments, String expected) {
        assertEquals(expected, PrintfFormat.parse(format).apply(args(arguments)));
    }

    @ParameterizedTest
    @CsvSource(delimiterString = "=>", textBlock = """
            %+d|% d| => 0
            %#x|%#o|%o => 1
            %i => 0
            %d %s => 2
            """)
    void countsOnlyTheSpecifiersBpftraceRecognises(String format, int specs) {
        assertEquals(specs, PrintfFormat.parse(format).specs().size());
    }
}
