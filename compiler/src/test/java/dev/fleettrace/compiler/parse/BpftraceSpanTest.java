package dev.fleettrace.compiler.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fleettrace.compiler.CompileOptions;
import dev.fleettrace.compiler.Compiler;
import dev.fleettrace.compiler.Fixtures;
import dev.fleettrace.compiler.diag.CompileException;
import dev.fleettrace.compiler.diag.Source;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Where diagnostics point, as bpftrace 0.17 points: each row is a program and the first diagnostic
 * bpftrace prints for it on this machine, its {@code stdin:L:C-C: ERROR: ...} line and the caret
 * line under the source line (none when bpftrace prints the location alone). The source line is
 * printed with four spaces for a tab.
 *
 * <p>bpftrace's lexer starts a token's location where the last whitespace ended, so a token takes in
 * the tokens written against it; see {@link Lexer} and {@link Parser} for the rule and its parts.
 */
class BpftraceSpanTest {

    /** The same diagnostic as bpftrace: place and message. */
    static Stream<Arguments> sameAsBpftrace() {
        return Stream.of(
            /*
             * A token's location begins where the last whitespace ended: $nope's takes in "sum(".
             */
            same("BEGIN { @ = sum($nope); }", "stdin:1:13-22: ERROR: Undefined or undeclared variable: $nope", "            ~~~~~~~~~"),
            same("BEGIN { @ = sum( $nope); }", "stdin:1:18-23: ERROR: Undefined or undeclared variable: $nope", "                 ~~~~~"),
            same("BEGIN { @[$nope] = count(); }", "stdin:1:9-16: ERROR: Undefined or undeclared variable: $nope", "        ~~~~~~~"),
            same("BEGIN { @x[$nope] = 1; }", "stdin:1:9-17: ERROR: Undefined or undeclared variable: $nope", "        ~~~~~~~~"),
            same("BEGIN { @[1, $nope] = count(); }", "stdin:1:14-19: ERROR: Undefined or undeclared variable: $nope", "             ~~~~~"),
            same("BEGIN { if ($nope) {} }", "stdin:1:12-18: ERROR: Undefined or undeclared variable: $nope", "           ~~~~~~"),
            same("BEGIN { while ($nope) {} }", "stdin:1:15-21: ERROR: Undefined or undeclared variable: $nope", "              ~~~~~~"),
            same("BEGIN { $x = ($nope); }", "stdin:1:14-20: ERROR: Undefined or undeclared variable: $nope", "             ~~~~~~"),
            same("BEGIN { $x = -$nope; }", "stdin:1:14-20: ERROR: Undefined or undeclared variable: $nope", "             ~~~~~~"),
            same("BEGIN { $x = (uint8)$nope; }", "stdin:1:14-26: ERROR: Undefined or undeclared variable: $nope", "             ~~~~~~~~~~~~"),
            same("BEGIN { $x = (uint8)($nope); }", "stdin:1:14-27: ERROR: Undefined or undeclared variable: $nope", "             ~~~~~~~~~~~~~"),
            same("BEGIN { printf($nope); }", "stdin:1:9-21: ERROR: Undefined or undeclared variable: $nope", "        ~~~~~~~~~~~~"),
            same("BEGIN { print(@x[$nope]); }", "stdin:1:9-23: ERROR: Undefined or undeclared variable: $nope", "        ~~~~~~~~~~~~~~"),
            same("BEGIN { $x = ((1) + $nope); }", "stdin:1:21-26: ERROR: Undefined or undeclared variable: $nope", "                    ~~~~~"),
            same("BEGIN { $x = $nope ? 1 : 2; }", "stdin:1:14-19: ERROR: Undefined or undeclared variable: $nope", "             ~~~~~"),
            same("BEGIN { $x = ($nope)+($nope2); }", "stdin:1:14-20: ERROR: Undefined or undeclared variable: $nope", "             ~~~~~~"),
            same("BEGIN { printf(\"%d\",$nope); }", "stdin:1:9-26: ERROR: Undefined or undeclared variable: $nope", "        ~~~~~~~~~~~~~~~~~"),
            same("BEGIN { @x = 1+$nope; }", "stdin:1:14-21: ERROR: Undefined or undeclared variable: $nope", "             ~~~~~~~"),
            same("BEGIN { @x = \"a b\"+$nope; }", "stdin:1:14-25: ERROR: Undefined or undeclared variable: $nope", "             ~~~~~~~~~~~"),
            same("BEGIN { @x = 1;@x = \"a\"; }", "stdin:1:14-18: ERROR: Type mismatch for @x: trying to assign value of type 'string[2]' when map already contains a value of type 'int64", "             ~~~~"),
            same("BEGIN { $x = \"a\"+1; }", "stdin:1:14-19: ERROR: Type mismatch for '+': comparing 'string[2]' with 'int64'", "             ~~~~~"),
            same("BEGIN { $x =(\"a\" + 1); }", "stdin:1:12-21: ERROR: Type mismatch for '+': comparing 'string[2]' with 'int64'", "           ~~~~~~~~~"),
            same("BEGIN { @x =count(1); }", "stdin:1:12-21: ERROR: count() requires no arguments (1 provided)", "           ~~~~~~~~~"),
            same("BEGIN { @x =nosuch; }", "stdin:1:12-19: ERROR: Unknown identifier: 'nosuch'", "           ~~~~~~~"),
            same("BEGIN {break; }", "stdin:1:7-13: ERROR: break used outside of a loop", "      ~~~~~~"),
            same("BEGIN { if (1) {break;} }", "stdin:1:16-22: ERROR: break used outside of a loop", "               ~~~~~~"),
            same("tracepoint:syscalls:sys_enter_read { @ = sum(args->nope); }", "stdin:1:42-56: ERROR: Struct/union of type 'struct _tracepoint_syscalls_sys_enter_read' does not contain a field named 'nope'", "                                         ~~~~~~~~~~~~~~"),
            same("tracepoint:syscalls:sys_enter_read { @ = args->nope + 1; }", "stdin:1:42-52: ERROR: Struct/union of type 'struct _tracepoint_syscalls_sys_enter_read' does not contain a field named 'nope'", "                                         ~~~~~~~~~~"),
            same("tracepoint:syscalls:sys_enter_read { @ = args -> nope; }", "stdin:1:42-54: ERROR: Struct/union of type 'struct _tracepoint_syscalls_sys_enter_read' does not contain a field named 'nope'", "                                         ~~~~~~~~~~~~"),
            same("tracepoint:syscalls:sys_enter_read { @[func] = count(); }", "stdin:1:38-44: ERROR: The func builtin can not be used with 'tracepoint' probes", "                                     ~~~~~~"),
            /*
             * Comments extend the location; whitespace inside them does not restart it.
             */
            same("BEGIN { /* c */$nope; }", "stdin:1:9-21: ERROR: Undefined or undeclared variable: $nope", "        ~~~~~~~~~~~~"),
            same("BEGIN { /* c */ $nope; }", "stdin:1:17-22: ERROR: Undefined or undeclared variable: $nope", "                ~~~~~"),
            same("BEGIN { @x = /* c */$nope; }", "stdin:1:14-26: ERROR: Undefined or undeclared variable: $nope", "             ~~~~~~~~~~~~"),
            /*
             * Nodes bpftrace locates at a part of their rule: e.field at the dot, e.0 at the index, an
             * operator at itself, e[i] from [ to ], a cast from ( to ) or its first *.
             */
            same("BEGIN { $x = 1; $x.foo; }", "stdin:1:17-20: ERROR: Can not access field 'foo' on expression of type 'int64'", "                ~~~"),
            same("BEGIN { $x = 1; $x . foo; }", "stdin:1:20-21: ERROR: Can not access field 'foo' on expression of type 'int64'", "                   ~"),
            same("BEGIN { $x = 1; $x. foo; }", "stdin:1:17-20: ERROR: Can not access field 'foo' on expression of type 'int64'", "                ~~~"),
            same("BEGIN { $x = (1, 2); $x.5; }", "stdin:1:22-26: ERROR: Invalid tuple index: 5. Found 2 elements in tuple.", "                     ~~~~"),
            same("BEGIN { $x = (1, 2); $x. 5; }", "stdin:1:26-27: ERROR: Invalid tuple index: 5. Found 2 elements in tuple.", "                         ~"),
            same("BEGIN { $x = (1, 2); $x .5; }", "stdin:1:25-27: ERROR: Invalid tuple index: 5. Found 2 elements in tuple.", "                        ~~"),
            same("BEGIN { $x = - \"a\"; }", "stdin:1:14-15: ERROR: The - operator can not be used on expressions of type 'string[2]'", "             ~"),
            same("BEGIN { $x = !\"a\"; }", "stdin:1:14-15: ERROR: The ! operator can not be used on expressions of type 'string[2]'", "             ~"),
            same("BEGIN { $x = -( \"a\" ); }", "stdin:1:14-15: ERROR: The - operator can not be used on expressions of type 'string[2]'", "             ~"),
            /*
             * A binary operation's operands mismatch from the left operand's location to the right's:
             * parentheses are not in it, an operand that is a binary operation is at its operator.
             */
            same("BEGIN { $x = ( 1 ) + \"a\"; }", "stdin:1:16-25: ERROR: Type mismatch for '+': comparing 'int64' with 'string[2]'", "               ~~~~~~~~~"),
            same("BEGIN { $x = 1 + ( \"a\" ) ; }", "stdin:1:14-23: ERROR: Type mismatch for '+': comparing 'int64' with 'string[2]'", "             ~~~~~~~~~"),
            same("BEGIN { $x = 1 + 2 + \"a\"; }", "stdin:1:16-25: ERROR: Type mismatch for '+': comparing 'int64' with 'string[2]'", "               ~~~~~~~~~"),
            same("BEGIN { $x = \"a\" + (1 * 2); }", "stdin:1:14-24: ERROR: Type mismatch for '+': comparing 'string[2]' with 'int64'", "             ~~~~~~~~~~"),
            same("BEGIN { $x = \"a\" + -1; }", "stdin:1:14-22: ERROR: Type mismatch for '+': comparing 'string[2]' with 'int64'", "             ~~~~~~~~"),
            same("BEGIN { $y = 1; $x = \"a\" + -$y; }", "stdin:1:22-29: ERROR: Type mismatch for '+': comparing 'string[2]' with 'int64'", "                     ~~~~~~~"),
            same("BEGIN { $y = 1; $x = \"a\" + $y++; }", "stdin:1:22-32: ERROR: Type mismatch for '+': comparing 'string[2]' with 'int64'", "                     ~~~~~~~~~~"),
            same("BEGIN { $y = 1; $x = \"a\" + ++$y; }", "stdin:1:22-30: ERROR: Type mismatch for '+': comparing 'string[2]' with 'int64'", "                     ~~~~~~~~"),
            same("BEGIN { $y = (1,2); $x = \"a\" + $y.1; }", "stdin:1:26-36: ERROR: Type mismatch for '+': comparing 'string[2]' with 'int64'", "                         ~~~~~~~~~~"),
            same("BEGIN { $x = 1; $x += \"a\"; }", "stdin:1:17-26: ERROR: Type mismatch for '+': comparing 'int64' with 'string[2]'", "                ~~~~~~~~~"),
            /*
             * bpftrace reads "struct name" up to its * or ), and counts that character twice: one column
             * more for the rest of the line, per struct type.
             */
            same("BEGIN { $x = (struct task_struct *)0; $y = (struct task_struct *)0; @y = $nope; }", "stdin:1:76-81: ERROR: Undefined or undeclared variable: $nope", "                                                                           ~~~~~"),
            same("BEGIN { $x = ((struct task_struct *)0)->nosuch; }", "stdin:1:14-48: ERROR: Struct/union of type 'struct task_struct' does not contain a field named 'nosuch'", "             ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"),
            same("BEGIN { $x = (struct task_struct *)0;$x->nosuch; }", "stdin:1:14-49: ERROR: Struct/union of type 'struct task_struct' does not contain a field named 'nosuch'", "             ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"),
            same("BEGIN { $x = \"struct x)\"; @y = $nope; }", "stdin:1:32-37: ERROR: Undefined or undeclared variable: $nope", "                               ~~~~~"),
            same("BEGIN { $x = (struct nosuch *)0; }", "stdin:1:14-31: ERROR: Unknown struct/union: 'struct nosuch'", "             ~~~~~~~~~~~~~~~~~"),
            same("BEGIN { $x = (struct nosuch **)0; }", "stdin:1:14-31: ERROR: Unknown struct/union: 'struct nosuch'", "             ~~~~~~~~~~~~~~~~~"),
            same("BEGIN { $x = ( struct nosuch * ) 0; }", "stdin:1:14-32: ERROR: Unknown struct/union: 'struct nosuch'", "             ~~~~~~~~~~~~~~~~~~"),
            /*
             * The lexer's own errors.
             */
            same("BEGIN { \"abc }", "stdin:1:9-15: ERROR: unterminated string", "        ~~~~~~"),
            same("BEGIN { @x =\"abc }", "stdin:1:12-19: ERROR: unterminated string", "           ~~~~~~~"),
            same("BEGIN { @x` = 1; }", "stdin:1:9-12: ERROR: invalid character '`'", "        ~~~"),
            same("BEGIN { @x = 1` }", "stdin:1:14-16: ERROR: invalid character '`'", "             ~~"),
            same("BEGIN { @x = \"a\\q\"; }", "stdin:1:14-18: ERROR: invalid escape character '\\q'", "             ~~~~"),
            same("BEGIN { $ = 1; }", "stdin:1:9-10: ERROR: invalid character '$'", "        ~"),
            same("BEGIN { /* x", "stdin:1:9-13: ERROR: end of file during comment", "        ~~~~"),
            same("BEGIN { @x = $0; }", "stdin:1:14-16: ERROR: param $0 is out of integer range [1, 9223372036854775807]", "             ~~"),
            same("BEGIN { @x =$00; }", "stdin:1:12-16: ERROR: param $00 is out of integer range [1, 9223372036854775807]", "           ~~~~"),
            same("BEGIN { @x = $9999999999999999999999; }", "stdin:1:14-37: ERROR: param $9999999999999999999999 is out of integer range [1, 9223372036854775807]",
                    "             ~~~~~~~~~~~~~~~~~~~~~~~"),
            same("BEGIN { @x = \"a\"+$1; }", "stdin:1:14-20: ERROR: Type mismatch for '+': comparing 'string[2]' with 'int64'", "             ~~~~~~"),
            same("BEGIN { @x = $#+\"a\"; }", "stdin:1:14-20: ERROR: Type mismatch for '+': comparing 'int64' with 'string[2]'", "             ~~~~~~"),
            /*
             * bison's check for a probe without a body, at the whole probe.
             */
            same("BEGIN", "stdin:1:1-6: ERROR: unexpected end of file, expected {", "~~~~~"),
            same("BEGIN ", "stdin:1:1-7: ERROR: unexpected end of file, expected {", "~~~~~~"),
            same("BEGIN,END", "stdin:1:1-10: ERROR: unexpected end of file, expected {", "~~~~~~~~~"),
            same("BEGIN {} END", "stdin:1:9-13: ERROR: unexpected end of file, expected {", "        ~~~~"),
            /*
             * An attach point begins where the token before it ended, or at the start of the program.
             */
            same("BEGIN {} tracepoint:syscalls:sys_enter_foo { }", "stdin:1:9-43: ERROR: tracepoint not found: syscalls:sys_enter_foo", "        ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"),
            same("BEGIN {}tracepoint:syscalls:sys_enter_foo { }", "stdin:1:9-42: ERROR: tracepoint not found: syscalls:sys_enter_foo", "        ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"),
            same("BEGIN {} /* c */ tracepoint:syscalls:sys_enter_foo { }", "stdin:1:9-51: ERROR: tracepoint not found: syscalls:sys_enter_foo", "        ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"),
            same("/* x */tracepoint:syscalls:sys_enter_foo { }", "stdin:1:1-41: ERROR: tracepoint not found: syscalls:sys_enter_foo", "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"),
            same("  tracepoint:syscalls:sys_enter_foo { }", "stdin:1:1-36: ERROR: tracepoint not found: syscalls:sys_enter_foo", "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"),
            /*
             * A location over several lines is named by its lines alone.
             */
            same("BEGIN {}\ntracepoint:syscalls:sys_enter_foo { }", "stdin:1-2: ERROR: tracepoint not found: syscalls:sys_enter_foo"),
            same("#include <linux/sched.h>\ntracepoint:syscalls:sys_enter_foo { }", "stdin:1-2: ERROR: tracepoint not found: syscalls:sys_enter_foo"),
            same("// x\ntracepoint:syscalls:sys_enter_foo { }", "stdin:1-2: ERROR: tracepoint not found: syscalls:sys_enter_foo"),
            same("BEGIN {}\n/* c\n */ tracepoint:syscalls:sys_enter_foo {}\n", "stdin:1-3: ERROR: tracepoint not found: syscalls:sys_enter_foo"),
            /*
             * A newline restarts the location, also in a block comment.
             */
            same("BEGIN { @x = 1;\n$nope; }", "stdin:2:1-6: ERROR: Undefined or undeclared variable: $nope", "~~~~~"),
            same("BEGIN { @x = 1; // c\n  $nope; }", "stdin:2:3-8: ERROR: Undefined or undeclared variable: $nope", "  ~~~~~"),
            same("BEGIN { @x = /* a\nb */$nope; }", "stdin:2:1-10: ERROR: Undefined or undeclared variable: $nope", "~~~~~~~~~"),
            same("BEGIN { $x = \"a\" +\n 1; }", "stdin:1-2: ERROR: Type mismatch for '+': comparing 'string[2]' with 'int64'"),
            same("BEGIN { $x = (struct task_struct *)0; @y = $nope;\n @z = $nope2; }", "stdin:1:45-50: ERROR: Undefined or undeclared variable: $nope", "                                            ~~~~~"),
            same("BEGIN { \"abc\n}", "stdin:1:9-14: ERROR: unterminated string", "        ~~~~"),
            same("BEGIN\n", "stdin:1-2: ERROR: unexpected end of file, expected {"),
            /*
             * Tabs: one column, printed as four spaces, with four marks under them.
             */
            same("\ttracepoint:syscalls:sys_enter_foo { }", "stdin:1:1-35: ERROR: tracepoint not found: syscalls:sys_enter_foo", "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"),
            same("BEGIN { @x = 1;\n\t$nope; }", "stdin:2:2-7: ERROR: Undefined or undeclared variable: $nope", "    ~~~~~"),
            same("BEGIN {\t@x =\t$nope; }", "stdin:1:14-19: ERROR: Undefined or undeclared variable: $nope", "                   ~~~~~"),
            same("BEGIN {\t@x =$nope; }", "stdin:1:12-18: ERROR: Undefined or undeclared variable: $nope", "              ~~~~~~"),
            same("BEGIN { $x =(\"a\"\t+ 1); }", "stdin:1:12-21: ERROR: Type mismatch for '+': comparing 'string[2]' with 'int64'", "           ~~~~~~~~~~~~"),
            /*
             * Columns count bytes of UTF-8.
             */
            same("BEGIN { @x = \"\u00e9\"+$nope; }", "stdin:1:14-24: ERROR: Undefined or undeclared variable: $nope", "             ~~~~~~~~~~"),
            same("BEGIN { $x = \"\u00e9\"; $y = \"a\" + 1; }", "stdin:1:25-32: ERROR: Type mismatch for '+': comparing 'string[2]' with 'int64'", "                        ~~~~~~~"));
    }

    /**
     * The same place as bpftrace, in fleettrace's own words: its parser names what it expected, and
     * some semantic messages are worded differently.
     */
    static Stream<Arguments> samePlaceAsBpftrace() {
        return Stream.of(
            at("BEGIN { $x = * \"a\"; }", "stdin:1:14-15: ERROR: The dereference operator can not be used on expressions of type 'string[2]'", "             ~"),
            at("BEGIN { $s = \"a\"; $s ++; }", "stdin:1:22-24: ERROR: The ++ operator can not be used on expressions of type 'string[2]'", "                     ~~"),
            at("BEGIN { $s = \"a\"; $s++; }", "stdin:1:19-23: ERROR: The ++ operator can not be used on expressions of type 'string[2]'", "                  ~~~~"),
            at("BEGIN { $s = \"a\"; ++ $s; }", "stdin:1:19-21: ERROR: The ++ operator can not be used on expressions of type 'string[2]'", "                  ~~"),
            at("BEGIN { $x = (uint8) \"a\"; }", "stdin:1:14-21: ERROR: Casts are not supported for type: \"string[2]\"", "             ~~~~~~~"),
            at("BEGIN { $x = ( uint8 )\"a\"; }", "stdin:1:14-23: ERROR: Casts are not supported for type: \"string[2]\"", "             ~~~~~~~~~"),
            at("BEGIN { $x = 1 + (uint8)\"a\"; }", "stdin:1:18-25: ERROR: Casts are not supported for type: \"string[2]\"", "                 ~~~~~~~"),
            at("BEGIN { $x = 1; $x[0]; }", "stdin:1:17-22: ERROR: The array index operator [] can only be used on arrays and pointers, found integer.", "                ~~~~~"),
            at("BEGIN { $x = ( \"a\" )[0]; }", "stdin:1:20-24: ERROR: The array index operator [] can only be used on arrays and pointers, found string.", "                   ~~~~"),
            at("BEGIN { $x = ( 1 ) ? \"a\" : ( 2 ) ; }", "stdin:1:14-33: ERROR: Ternary operator must return the same type: have 'string' and 'integer'", "             ~~~~~~~~~~~~~~~~~~~"),
            /*
             * Syntax errors: at the location of the token bison stops at (0xg: bpftrace reads 0, then xg).
             */
            at("BEGIN { @x = 0xg; }", "stdin:1:14-17: ERROR: syntax error, unexpected identifier, expecting }", "             ~~~"),
            at("BEGIN { @x = 1", "stdin:1:14-15: ERROR: syntax error, unexpected end of file, expecting }", "             ~"),
            at("BEGIN { @x = 1 ", "stdin:1:16-16: ERROR: syntax error, unexpected end of file, expecting }", "               "),
            at("BEGIN { @x = 1;", "stdin:1:14-16: ERROR: syntax error, unexpected end of file, expecting }", "             ~~"),
            at("BEGIN { @x = count() }}", "stdin:1:22-24: ERROR: syntax error, unexpected }, expecting {", "                     ~~"),
            at("BEGIN { @x = (1 +; }", "stdin:1:17-19: ERROR: syntax error, unexpected ;", "                ~~"),
            at("BEGIN { if (1) { exit(); } else}", "stdin:1:28-33: ERROR: syntax error, unexpected }, expecting { or if", "                           ~~~~~"),
            at("BEGIN { @x = 1$y; }", "stdin:1:14-17: ERROR: syntax error, unexpected variable, expecting }", "             ~~~"),
            at("BEGIN { @x = 1); }", "stdin:1:14-16: ERROR: syntax error, unexpected ), expecting }", "             ~~"),
            at("BEGIN { @x =; }", "stdin:1:12-14: ERROR: syntax error, unexpected ;", "           ~~"),
            at("BEGIN { 1 = 2; }", "stdin:1:11-12: ERROR: syntax error, unexpected =, expecting }", "          ~"),
            at("BEGIN { $x.a = 1; }", "stdin:1:14-15: ERROR: syntax error, unexpected =, expecting }", "             ~"),
            at("BEGIN /1/", "stdin:1:7-10: ERROR: syntax error, unexpected end of file", "      ~~~"),
            // bpftrace warns here, as the probe has another attach point; fleettrace refuses it.
            at("BEGIN,tracepoint:syscalls:sys_enter_foo { }", "stdin:1:7-40: WARNING: tracepoint not found: syscalls:sys_enter_foo", "      ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"),
            at("BEGIN { @x = 1\n", "stdin:2:1-1: ERROR: syntax error, unexpected end of file, expecting }"));
    }

    @ParameterizedTest
    @MethodSource("sameAsBpftrace")
    void reportsWhatBpftraceReports(String program, String line, String caret) {
        assertEquals(expected(program, line, caret), firstDiagnostic(program));
    }

    @ParameterizedTest
    @MethodSource("samePlaceAsBpftrace")
    void pointsWhereBpftracePoints(String program, String line, String caret) {
        List<String> expected = lines(expected(program, line, caret));
        List<String> actual = lines(firstDiagnostic(program));
        assertEquals(location(expected.getFirst()), location(actual.getFirst()), actual.getFirst());
        assertEquals(expected.subList(1, expected.size()), actual.subList(1, actual.size()));
    }

    private static Arguments same(String program, String line, String caret) {
        return Arguments.of(program, line, caret);
    }

    private static Arguments same(String program, String line) {
        return Arguments.of(program, line, null);
    }

    private static Arguments at(String program, String line, String caret) {
        return Arguments.of(program, line, caret);
    }

    private static Arguments at(String program, String line) {
        return Arguments.of(program, line, null);
    }

    private static String firstDiagnostic(String program) {
        CompileException e = assertThrows(CompileException.class,
                () -> Compiler.compile(Source.stdin(program), Fixtures.probeFacts(), CompileOptions.defaults()));
        return e.diagnostics().getFirst().render(e.source());
    }

    private static final Pattern LOCATION = Pattern.compile("^(stdin:[0-9:-]+): (ERROR|WARNING): ");

    /** What bpftrace prints: the location line, then the source line and the carets if it has them. */
    private static String expected(String program, String line, String caret) {
        if (caret == null) return line + "\n";
        int n = Integer.parseInt(line.split(":")[1]);
        return line + "\n" + program.split("\n", -1)[n - 1].replace("\t", "    ") + "\n" + caret + "\n";
    }

    private static String location(String line) {
        Matcher m = LOCATION.matcher(line);
        return m.find() ? m.group(1) : line;
    }

    private static List<String> lines(String text) {
        return Arrays.asList(text.split("\n", -1));
    }
}
