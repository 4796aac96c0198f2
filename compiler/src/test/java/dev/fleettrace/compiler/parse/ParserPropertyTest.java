package dev.fleettrace.compiler.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.compiler.ast.BinOp;
import dev.fleettrace.compiler.ast.Expr;
import dev.fleettrace.compiler.ast.Program;
import dev.fleettrace.compiler.ast.Stmt;
import dev.fleettrace.compiler.diag.CompileException;
import dev.fleettrace.compiler.diag.Diagnostic;
import dev.fleettrace.compiler.diag.Source;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The parser never fails except with a diagnostic inside the source, whatever the input; programs
 * generated from the grammar parse; precedence is C's. Seeded, so a failure reproduces.
 */
class ParserPropertyTest {

    private static final String[] ATOMS = {"1", "0x1f", "pid", "comm", "@x", "@m[1, \"a\"]", "$v", "\"str\"", "args->count", "nsecs", "$1", "(uint8)5",
            "-1", "$#", "sizeof(uint8)", "str(args->filename, 8)", "(int16)$v", "@x++", "--$v", "cpu"};
    private static final String[] COMPOUND = {"+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="};
    private static final String[] BINOPS = {"+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", "==", "!=", "<", "<=", ">", ">=", "&&", "||"};

    private static String expr(Random r, int depth) {
        if (depth == 0) return ATOMS[r.nextInt(ATOMS.length)];
        return switch (r.nextInt(8)) {
            case 0 -> expr(r, depth - 1) + " " + BINOPS[r.nextInt(BINOPS.length)] + " " + expr(r, depth - 1);
            case 1 -> "(" + expr(r, depth - 1) + ")";
            case 2 -> "!" + expr(r, depth - 1);
            case 6 -> "~" + expr(r, depth - 1);
            case 7 -> "-(" + expr(r, depth - 1) + ")";
            case 3 -> expr(r, depth - 1) + " ? " + expr(r, depth - 1) + " : " + expr(r, depth - 1);
            case 4 -> "count()";
            default -> ATOMS[r.nextInt(ATOMS.length)];
        };
    }

    private static String stmt(Random r, int depth) {
        return switch (r.nextInt(depth > 0 ? 12 : 8)) {
            case 0 -> "@y[" + expr(r, 1) + "] = " + expr(r, 2) + ";";
            case 1 -> "$v = " + expr(r, 2) + ";";
            case 2 -> "printf(\"%d\\n\", " + expr(r, 2) + ");";
            case 3 -> "@c = count();";
            case 4 -> "$v " + COMPOUND[r.nextInt(COMPOUND.length)] + " " + expr(r, 1) + ";";
            case 5 -> r.nextBoolean() ? "@y[1]++;" : "--$v;";
            case 6 -> "delete(@y[" + expr(r, 1) + "]); /* a comment */";
            case 7 -> "@h = " + (r.nextBoolean() ? "hist(" + expr(r, 1) + ")" : "lhist(" + expr(r, 1) + ", 0, 100, 10)") + ";";
            case 8 -> "if (" + expr(r, 2) + ") { " + stmt(r, depth - 1) + " } else { " + stmt(r, depth - 1) + " }";
            case 9 -> "if (" + expr(r, 1) + ") { " + stmt(r, depth - 1) + " } else if (" + expr(r, 1) + ") { " + stmt(r, depth - 1) + " }";
            case 10 -> "unroll(3) { " + stmt(r, depth - 1) + " }";
            default -> "while (" + expr(r, 1) + ") { " + stmt(r, depth - 1) + " if (" + expr(r, 1) + ") { continue; } break; }";
        };
    }

    private static String program(Random r) {
        StringBuilder sb = new StringBuilder();
        int probes = 1 + r.nextInt(3);
        for (int p = 0; p < probes; p++) {
            sb.append(r.nextBoolean() ? "tracepoint:syscalls:sys_enter_read" : "BEGIN, END");
            if (r.nextBoolean()) sb.append(" /").append(expr(r, 2)).append("/");
            sb.append(" {\n");
            for (int s = 0; s < 1 + r.nextInt(4); s++) sb.append("  ").append(stmt(r, 2)).append('\n');
            sb.append("}\n// comment\n");
        }
        return sb.toString();
    }

    @Test
    void generatedProgramsParse() throws Exception {
        Random r = new Random(1);
        for (int i = 0; i < 2000; i++) {
            String p = program(r);
            try {
                Parser.parse(Source.stdin(p));
            } catch (CompileException e) {
                throw new AssertionError("generated program did not parse:\n" + p + "\n" + e.render(), e);
            }
        }
    }

    @Test
    void anyInputParsesOrGivesADiagnosticInsideIt() {
        Random r = new Random(2);
        String alphabet = "{}()[]/\\\"';:,.@$#+-*%&|^!~<>=?0123456789abcxyz_ \n\t";
        for (int i = 0; i < 20000; i++) {
            String base = program(r);
            StringBuilder sb = new StringBuilder(base);
            int edits = 1 + r.nextInt(4);
            for (int e = 0; e < edits && sb.length() > 0; e++) {
                int at = r.nextInt(sb.length());
                switch (r.nextInt(3)) {
                    case 0 -> sb.deleteCharAt(at);
                    case 1 -> sb.insert(at, alphabet.charAt(r.nextInt(alphabet.length())));
                    default -> sb.setCharAt(at, alphabet.charAt(r.nextInt(alphabet.length())));
                }
            }
            String input = sb.toString();
            try {
                Parser.parse(Source.stdin(input));
            } catch (CompileException ce) {
                for (Diagnostic d : ce.diagnostics()) {
                    assertTrue(d.span().start() >= 0 && d.span().end() <= input.length(), "span " + d.span() + " outside input of " + input.length());
                    d.render(ce.source());
                }
            } catch (RuntimeException | StackOverflowError bad) {
                throw new AssertionError("parser crashed on:\n" + input, bad);
            }
        }
    }

    @ParameterizedTest
    @CsvSource(delimiterString = "=>", textBlock = """
            1 + 2 * 3           => ADD
            1 * 2 + 3           => ADD
            1 || 2 && 3         => LOR
            1 & 2 == 2          => BAND
            1 << 2 + 3          => SHL
            1 < 2 == 3 > 4      => EQ
            """)
    void precedenceIsCs(String text, BinOp top) throws Exception {
        Expr e = Parser.parseExpr(Source.stdin(text));
        assertEquals(top, assertInstanceOf(Expr.Binary.class, e).op());
    }

    @Test
    void aSlashBeforeTheBodyClosesThePredicate() throws Exception {
        Program p = Parser.parse(Source.stdin("tracepoint:syscalls:sys_enter_read /args->count / 2 > 1/ { @ = count(); }"));
        Expr pred = p.probes().getFirst().predicate().orElseThrow();
        assertEquals(BinOp.GT, ((Expr.Binary) pred).op());
        assertEquals(BinOp.DIV, ((Expr.Binary) ((Expr.Binary) pred).left()).op());
    }

    @Test
    void compoundAssignmentDesugars() throws Exception {
        Program p = Parser.parse(Source.stdin("BEGIN { @x += 5; $y <<= 1; }"));
        var s = (Stmt.AssignMap) p.probes().getFirst().body().stmts().getFirst();
        assertEquals(BinOp.ADD, ((Expr.Binary) s.value()).op());
    }

    @Test
    void severalAttachPointsAndIncludesAndComments() throws Exception {
        Program p = Parser.parse(Source.stdin("#include <linux/sched.h>\n/* c */ t:syscalls:sys_enter_read,t:syscalls:sys_enter_lseek { @[probe] = count(); } // x\nEND{}"));
        assertEquals(2, p.probes().size());
        assertEquals(2, p.probes().getFirst().attachPoints().size());
        assertEquals("t:syscalls:sys_enter_lseek", p.probes().getFirst().attachPoints().get(1).raw());
    }
}
