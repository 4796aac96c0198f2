package dev.fleettrace.compiler.parse;

import dev.fleettrace.compiler.ast.AttachPointSpec;
import dev.fleettrace.compiler.ast.BinOp;
import dev.fleettrace.compiler.ast.Block;
import dev.fleettrace.compiler.ast.Expr;
import dev.fleettrace.compiler.ast.Probe;
import dev.fleettrace.compiler.ast.Program;
import dev.fleettrace.compiler.ast.Stmt;
import dev.fleettrace.compiler.ast.TypeName;
import dev.fleettrace.compiler.ast.UnOp;
import dev.fleettrace.compiler.diag.CompileException;
import dev.fleettrace.compiler.diag.Diagnostic;
import dev.fleettrace.compiler.diag.Source;
import dev.fleettrace.compiler.diag.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Recursive descent over the bpftrace grammar, with C's operator precedence. The first syntax error
 * stops the parse, as bison's does in bpftrace; it names what was found and what was expected.
 */
public final class Parser {
    private final Source source;
    private final Lexer lexer;
    private Token tok;
    private int prevEnd;
    private boolean inPredicate;

    private Parser(Source source) {
        this.source = source;
        this.lexer = new Lexer(source);
    }

    public static Program parse(Source source) throws CompileException {
        return new Parser(source).program();
    }

    /** Parses a single expression, for tests and tools. */
    public static Expr parseExpr(Source source) throws CompileException {
        Parser p = new Parser(source);
        p.advance();
        Expr e = p.expr();
        p.expect(TokenKind.EOF);
        return e;
    }

    private static final Set<String> INT_TYPES = Set.of("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64");
    private static final Set<String> C_TYPE_WORDS = Set.of("struct", "union", "enum", "char", "short", "int", "long", "unsigned", "signed", "void", "bool");

    // ---- program structure

    private Program program() throws CompileException {
        List<Probe> probes = new ArrayList<>();
        while (!lexer.atEnd()) probes.add(probe());
        if (probes.isEmpty()) throw error(new Span(0, Math.min(1, source.text().length())), "syntax error: the program has no probes");
        return new Program(probes, new Span(0, source.text().length()));
    }

    private Probe probe() throws CompileException {
        List<AttachPointSpec> aps = new ArrayList<>();
        while (true) {
            Token ap = lexer.attachPoint();
            aps.add(new AttachPointSpec(ap.text(), ap.span()));
            lexer.skipTrivia();
            int save = lexer.position();
            Token t = lexer.next();
            if (t.is(TokenKind.COMMA)) continue;
            lexer.reset(save);
            break;
        }
        advance();
        Optional<Expr> pred = Optional.empty();
        if (tok.is(TokenKind.SLASH)) {
            advance();
            inPredicate = true;
            Expr e = expr();
            inPredicate = false;
            expect(TokenKind.SLASH);
            pred = Optional.of(e);
        }
        if (!tok.is(TokenKind.LBRACE)) throw unexpected("{");
        Block body = block();
        // The next probe starts with an attach point, lexed from where the block ended.
        lexer.reset(prevEnd);
        return new Probe(aps, pred, body, aps.getFirst().span().to(body.span()));
    }

    private Block block() throws CompileException {
        Span start = expect(TokenKind.LBRACE).span();
        List<Stmt> stmts = new ArrayList<>();
        while (!tok.is(TokenKind.RBRACE)) {
            if (tok.is(TokenKind.EOF)) throw unexpected("}");
            if (tok.is(TokenKind.SEMI)) {
                advance();
                continue;
            }
            Stmt s = stmt();
            stmts.add(s);
            if (endsWithBlock(s)) continue;
            if (tok.is(TokenKind.SEMI)) advance();
            else if (!tok.is(TokenKind.RBRACE)) throw unexpected(";");
        }
        Token end = tok;
        // Do not advance past the closing brace with the expression lexer: what follows may be an attach point.
        prevEnd = end.span().end();
        lexer.reset(prevEnd);
        Block b = new Block(stmts, start.to(end.span()));
        tok = null;
        return b;
    }

    /** After a nested block the expression lexer resumes where the block ended. */
    private Block innerBlock() throws CompileException {
        Block b = block();
        advance();
        return b;
    }

    private static boolean endsWithBlock(Stmt s) {
        return s instanceof Stmt.If || s instanceof Stmt.Unroll || s instanceof Stmt.While || s instanceof Stmt.Nested;
    }

    private Stmt stmt() throws CompileException {
        Token t = tok;
        if (t.is(TokenKind.IDENT)) {
            switch (t.text()) {
                case "if" -> {
                    return ifStmt();
                }
                case "unroll" -> {
                    advance();
                    expect(TokenKind.LPAREN);
                    Expr n = expr();
                    expect(TokenKind.RPAREN);
                    Block body = innerBlock();
                    return new Stmt.Unroll(n, body, t.span().to(body.span()));
                }
                case "while" -> {
                    advance();
                    expect(TokenKind.LPAREN);
                    Expr c = expr();
                    expect(TokenKind.RPAREN);
                    Block body = innerBlock();
                    return new Stmt.While(c, body, t.span().to(body.span()));
                }
                case "return", "break", "continue" -> {
                    advance();
                    return new Stmt.Jump(Stmt.JumpKind.valueOf(t.text().toUpperCase()), t.span());
                }
                default -> {}
            }
        }
        if (t.is(TokenKind.LBRACE)) {
            Block b = innerBlock();
            return new Stmt.Nested(b, b.span());
        }
        Expr e = expr();
        if (tok.is(TokenKind.ASSIGN)) {
            advance();
            Expr value = expr();
            return assignment(e, value, e.span().to(value.span()));
        }
        BinOp compound = compoundOp(tok.kind());
        if (compound != null) {
            Token opTok = tok;
            advance();
            Expr rhs = expr();
            Span span = e.span().to(rhs.span());
            return assignment(e, new Expr.Binary(compound, e, rhs, span), span);
        }
        return new Stmt.ExprStmt(e, e.span());
    }

    private Stmt assignment(Expr target, Expr value, Span span) throws CompileException {
        return switch (target) {
            case Expr.MapRef m -> new Stmt.AssignMap(m, value, span);
            case Expr.Var v -> new Stmt.AssignVar(v, value, span);
            default -> throw error(target.span(), "syntax error: only maps and variables can be assigned to");
        };
    }

    private Stmt ifStmt() throws CompileException {
        Token t = expectIdent("if");
        expect(TokenKind.LPAREN);
        Expr cond = expr();
        expect(TokenKind.RPAREN);
        Block then = innerBlock();
        Optional<Stmt> otherwise = Optional.empty();
        Span end = then.span();
        if (tok.isIdent("else")) {
            advance();
            if (tok.isIdent("if")) {
                Stmt elseIf = ifStmt();
                otherwise = Optional.of(elseIf);
                end = elseIf.span();
            } else {
                Block b = innerBlock();
                otherwise = Optional.of(new Stmt.Nested(b, b.span()));
                end = b.span();
            }
        }
        return new Stmt.If(cond, then, otherwise, t.span().to(end));
    }

    private static BinOp compoundOp(TokenKind k) {
        return switch (k) {
            case PLUS_ASSIGN -> BinOp.ADD;
            case MINUS_ASSIGN -> BinOp.SUB;
            case STAR_ASSIGN -> BinOp.MUL;
            case SLASH_ASSIGN -> BinOp.DIV;
            case PERCENT_ASSIGN -> BinOp.MOD;
            case AMP_ASSIGN -> BinOp.BAND;
            case PIPE_ASSIGN -> BinOp.BOR;
            case CARET_ASSIGN -> BinOp.BXOR;
            case SHL_ASSIGN -> BinOp.SHL;
            case SHR_ASSIGN -> BinOp.SHR;
            default -> null;
        };
    }

    // ---- expressions

    private Expr expr() throws CompileException {
        return ternary();
    }

    private Expr ternary() throws CompileException {
        Expr cond = binary(1);
        if (!tok.is(TokenKind.QUESTION)) return cond;
        advance();
        Expr then = ternary();
        expect(TokenKind.COLON);
        Expr otherwise = ternary();
        return new Expr.Ternary(cond, then, otherwise, cond.span().to(otherwise.span()));
    }

    /** Precedence climbing: parses operators binding at least as tightly as {@code minPrec}. */
    private Expr binary(int minPrec) throws CompileException {
        Expr left = unary();
        while (true) {
            BinOp op = binOp(tok.kind());
            if (op == null || op.precedence < minPrec) return left;
            if (op == BinOp.DIV && inPredicate && predicateEnds()) return left;
            advance();
            Expr right = binary(op.precedence + 1);
            left = new Expr.Binary(op, left, right, left.span().to(right.span()));
        }
    }

    /** In a predicate, a slash followed by the probe's opening brace closes the predicate. */
    private boolean predicateEnds() throws CompileException {
        int save = lexer.position();
        Token next = lexer.next();
        lexer.reset(save);
        return next.is(TokenKind.LBRACE);
    }

    private static BinOp binOp(TokenKind k) {
        return switch (k) {
            case LOR -> BinOp.LOR;
            case LAND -> BinOp.LAND;
            case PIPE -> BinOp.BOR;
            case CARET -> BinOp.BXOR;
            case AMP -> BinOp.BAND;
            case EQ -> BinOp.EQ;
            case NE -> BinOp.NE;
            case LT -> BinOp.LT;
            case LE -> BinOp.LE;
            case GT -> BinOp.GT;
            case GE -> BinOp.GE;
            case SHL -> BinOp.SHL;
            case SHR -> BinOp.SHR;
            case PLUS -> BinOp.ADD;
            case MINUS -> BinOp.SUB;
            case STAR -> BinOp.MUL;
            case SLASH -> BinOp.DIV;
            case PERCENT -> BinOp.MOD;
            default -> null;
        };
    }

    private Expr unary() throws CompileException {
        Token t = tok;
        UnOp op = switch (t.kind()) {
            case MINUS -> UnOp.NEG;
            case BANG -> UnOp.LNOT;
            case TILDE -> UnOp.BNOT;
            case STAR -> UnOp.DEREF;
            case AMP -> UnOp.ADDR;
            default -> null;
        };
        if (op != null) {
            advance();
            Expr e = unary();
            // Fold a negative literal so that -9223372036854775808 and min/max bounds read naturally.
            if (op == UnOp.NEG && e instanceof Expr.IntLit(long v, Span s)) return new Expr.IntLit(-v, t.span().to(s));
            return new Expr.Unary(op, e, t.span().to(e.span()));
        }
        if (t.is(TokenKind.INC) || t.is(TokenKind.DEC)) {
            advance();
            Expr e = unary();
            return new Expr.IncDec(e, t.is(TokenKind.INC), true, t.span().to(e.span()));
        }
        if (t.is(TokenKind.LPAREN) && castAhead()) {
            advance();
            TypeName type = typeName();
            expect(TokenKind.RPAREN);
            Expr e = unary();
            return new Expr.Cast(type, e, t.span().to(e.span()));
        }
        return postfix(primary());
    }

    /** {@code (} followed by a type name is a cast, not a parenthesised expression. */
    private boolean castAhead() throws CompileException {
        int save = lexer.position();
        Token next = lexer.next();
        lexer.reset(save);
        return next.is(TokenKind.IDENT) && (INT_TYPES.contains(next.text()) || C_TYPE_WORDS.contains(next.text()));
    }

    private TypeName typeName() throws CompileException {
        Token first = tok;
        if (!first.is(TokenKind.IDENT)) throw unexpected("a type");
        StringBuilder name = new StringBuilder(first.text());
        advance();
        if (Set.of("struct", "union", "enum").contains(first.text())) {
            if (!tok.is(TokenKind.IDENT)) throw unexpected("a " + first.text() + " name");
            name.append(' ').append(tok.text());
            advance();
        } else {
            // Multi-word C types: unsigned long long, ...
            while (tok.is(TokenKind.IDENT) && C_TYPE_WORDS.contains(tok.text())) {
                name.append(' ').append(tok.text());
                advance();
            }
        }
        int stars = 0;
        Span end = first.span();
        while (tok.is(TokenKind.STAR)) {
            stars++;
            end = tok.span();
            advance();
        }
        int array = -1;
        if (tok.is(TokenKind.LBRACKET)) {
            advance();
            Token n = expect(TokenKind.INT);
            array = (int) n.value();
            end = expect(TokenKind.RBRACKET).span();
        }
        return new TypeName(name.toString(), stars, array, first.span().to(end));
    }

    private Expr postfix(Expr e) throws CompileException {
        while (true) {
            switch (tok.kind()) {
                case DOT, ARROW -> {
                    boolean arrow = tok.is(TokenKind.ARROW);
                    advance();
                    Token f = tok;
                    if (f.is(TokenKind.IDENT)) {
                        advance();
                        e = new Expr.Field(e, f.text(), arrow, e.span().to(f.span()));
                    } else if (f.is(TokenKind.INT) && !arrow) {
                        // Tuple element access: $t.0
                        advance();
                        e = new Expr.Field(e, Long.toString(f.value()), false, e.span().to(f.span()));
                    } else {
                        throw unexpected("a field name");
                    }
                }
                case LBRACKET -> {
                    if (e instanceof Expr.MapRef) throw unexpected(";");
                    advance();
                    Expr idx = expr();
                    Span end = expect(TokenKind.RBRACKET).span();
                    e = new Expr.Index(e, idx, e.span().to(end));
                }
                case INC, DEC -> {
                    boolean inc = tok.is(TokenKind.INC);
                    Span end = tok.span();
                    advance();
                    e = new Expr.IncDec(e, inc, false, e.span().to(end));
                }
                default -> {
                    return e;
                }
            }
        }
    }

    private Expr primary() throws CompileException {
        Token t = tok;
        switch (t.kind()) {
            case INT -> {
                advance();
                return new Expr.IntLit(t.value(), t.span());
            }
            case STRING -> {
                advance();
                return new Expr.StrLit(t.text(), t.span());
            }
            case MAP -> {
                advance();
                List<Expr> keys = List.of();
                Span span = t.span();
                if (tok.is(TokenKind.LBRACKET)) {
                    advance();
                    keys = exprList(TokenKind.RBRACKET);
                    span = span.to(expect(TokenKind.RBRACKET).span());
                }
                return new Expr.MapRef(t.text(), keys, span);
            }
            case VAR -> {
                advance();
                return new Expr.Var(t.text(), t.span());
            }
            case POSITIONAL -> {
                advance();
                return new Expr.Positional((int) t.value(), t.span());
            }
            case PARAM_COUNT -> {
                advance();
                return new Expr.ParamCount(t.span());
            }
            case LPAREN -> {
                advance();
                Expr first = expr();
                if (tok.is(TokenKind.COMMA)) {
                    List<Expr> elems = new ArrayList<>();
                    elems.add(first);
                    while (tok.is(TokenKind.COMMA)) {
                        advance();
                        elems.add(expr());
                    }
                    Span end = expect(TokenKind.RPAREN).span();
                    return new Expr.Tuple(elems, t.span().to(end));
                }
                expect(TokenKind.RPAREN);
                return first;
            }
            case IDENT -> {
                advance();
                if (t.text().equals("sizeof")) return sizeof(t);
                if (t.text().equals("offsetof")) return offsetof(t);
                if (tok.is(TokenKind.LPAREN)) {
                    advance();
                    List<Expr> args = exprList(TokenKind.RPAREN);
                    Span end = expect(TokenKind.RPAREN).span();
                    return new Expr.Call(t.text(), args, t.span().to(end));
                }
                return new Expr.Builtin(t.text(), t.span());
            }
            default -> throw unexpected("an expression");
        }
    }

    private Expr sizeof(Token kw) throws CompileException {
        expect(TokenKind.LPAREN);
        if (tok.is(TokenKind.IDENT) && (INT_TYPES.contains(tok.text()) || C_TYPE_WORDS.contains(tok.text()))) {
            TypeName type = typeName();
            Span end = expect(TokenKind.RPAREN).span();
            return new Expr.Sizeof(Optional.of(type), Optional.empty(), kw.span().to(end));
        }
        Expr e = expr();
        Span end = expect(TokenKind.RPAREN).span();
        return new Expr.Sizeof(Optional.empty(), Optional.of(e), kw.span().to(end));
    }

    private Expr offsetof(Token kw) throws CompileException {
        expect(TokenKind.LPAREN);
        TypeName type = typeName();
        expect(TokenKind.COMMA);
        Token f = expect(TokenKind.IDENT);
        Span end = expect(TokenKind.RPAREN).span();
        return new Expr.Offsetof(type, f.text(), kw.span().to(end));
    }

    private List<Expr> exprList(TokenKind close) throws CompileException {
        List<Expr> list = new ArrayList<>();
        if (tok.is(close)) return list;
        list.add(expr());
        while (tok.is(TokenKind.COMMA)) {
            advance();
            list.add(expr());
        }
        return list;
    }

    // ---- token plumbing

    private void advance() throws CompileException {
        if (tok != null) prevEnd = tok.span().end();
        tok = lexer.next();
    }

    private Token expect(TokenKind kind) throws CompileException {
        if (!tok.is(kind)) throw unexpected(kind.display());
        Token t = tok;
        advance();
        return t;
    }

    private Token expectIdent(String word) throws CompileException {
        if (!tok.isIdent(word)) throw unexpected(word);
        Token t = tok;
        advance();
        return t;
    }

    private CompileException unexpected(String expected) {
        Span span = tok.is(TokenKind.EOF) ? new Span(Math.max(0, tok.span().start() - 1), tok.span().start()) : tok.span();
        return error(span, "syntax error, unexpected " + tok.describe() + ", expecting " + expected);
    }

    private CompileException error(Span span, String message) {
        return new CompileException(source, Diagnostic.error(span, message));
    }
}
