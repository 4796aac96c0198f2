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
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Recursive descent over the bpftrace grammar, with C's operator precedence. The first syntax error
 * stops the parse, as bison's does in bpftrace; it names what was found and what was expected.
 *
 * <p>Node spans are where bpftrace 0.17 locates each node, so that diagnostics point where its do.
 * They are built from token locations, which take in the tokens before them up to the last
 * whitespace (see {@link Lexer}). Most nodes span their rule, from the first token's location to the
 * last token's end (bison's {@code @$}); some are located at one part of their rule instead:
 * <ul>
 *   <li>a unary operator, and a prefix or postfix {@code ++}/{@code --}, at the operator;
 *   <li>{@code e.field} at the dot, {@code e.0} at the index ({@code e->field} spans its rule);
 *   <li>{@code e[i]} from {@code [} to {@code ]}; a cast, and its type, from {@code (} to {@code )}, or
 *       to the first {@code *} of a pointer type;
 *   <li>a binary operation at its operator; but its span here is where bpftrace reports a type
 *       mismatch of its operands, from the left operand's location to the right's (not its rule:
 *       parentheses around an operand are not in it; an operand that is itself a binary operation is
 *       located at its operator);
 *   <li>an expression in parentheses keeps its own span;
 *   <li>{@code $x = v} at the {@code =}; {@code unroll (n) {...}} from {@code unroll} to {@code )}.
 * </ul>
 * Where a node spans its rule, the rule's extent counts, parentheses and operands included:
 * {@link #extents} keeps it for the nodes whose span is not their extent.
 */
public final class Parser {
    private final Source source;
    private final Lexer lexer;
    private Token tok;
    private int prevEnd;
    private boolean inPredicate;
    /** The text an expression covers (bison's {@code @$}), where its span is not that. */
    private final Map<Expr, Span> extents = new IdentityHashMap<>();
    /** The first {@code *} of the type {@link #typeName()} last read, if it has one. */
    private Span firstStar;

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
            Lexer.Mark save = lexer.mark();
            Token t = lexer.next();
            if (t.is(TokenKind.COMMA)) continue;
            lexer.reset(save);
            break;
        }
        advance();
        Optional<Expr> pred = Optional.empty();
        Span predSpan = Span.NONE;
        if (tok.is(TokenKind.SLASH)) {
            Span open = tok.span();
            advance();
            inPredicate = true;
            Expr e = expr();
            inPredicate = false;
            predSpan = open.to(expect(TokenKind.SLASH).span());
            pred = Optional.of(e);
        }
        if (tok.is(TokenKind.EOF) && pred.isEmpty()) {
            // bison's own check in bpftrace's probe rule, at the whole probe: attach points to the end.
            throw error(aps.getFirst().span().to(tok.span()), "unexpected end of file, expected {");
        }
        if (!tok.is(TokenKind.LBRACE)) throw unexpected("{");
        // The next probe starts with an attach point, lexed from where the block ended.
        Block body = block();
        return new Probe(aps, pred, predSpan, body, aps.getFirst().span().to(body.span()));
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
        // Do not advance past the closing brace with the expression lexer: what follows may be an
        // attach point. The lexer stands right after the brace, the last token it read.
        prevEnd = end.span().end();
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
                    Span close = expect(TokenKind.RPAREN).span();
                    Block body = innerBlock();
                    return new Stmt.Unroll(n, body, t.span().to(close));
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
        // Only maps and variables are assigned to: bison stops at the = after anything else.
        if ((tok.is(TokenKind.ASSIGN) || compoundOp(tok.kind()) != null) && !(e instanceof Expr.MapRef || e instanceof Expr.Var)) throw unexpected(";");
        if (tok.is(TokenKind.ASSIGN)) {
            Token opTok = tok;
            advance();
            Expr value = expr();
            return assignment(e, value, opTok, extent(e).to(extent(value)));
        }
        BinOp compound = compoundOp(tok.kind());
        if (compound != null) {
            Token opTok = tok;
            advance();
            Expr rhs = expr();
            Expr value = binary(compound, e, rhs, opTok);
            return assignment(e, value, opTok, extent(e).to(extent(rhs)));
        }
        return new Stmt.ExprStmt(e, extent(e));
    }

    /** bpftrace locates a variable's assignment at its operator, a map's at the whole statement. */
    private Stmt assignment(Expr target, Expr value, Token op, Span whole) throws CompileException {
        return switch (target) {
            case Expr.MapRef m -> new Stmt.AssignMap(m, value, whole);
            case Expr.Var v -> new Stmt.AssignVar(v, value, op.span());
            default -> throw new IllegalStateException("not assignable: " + target);
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
        return new Expr.Ternary(cond, then, otherwise, extent(cond).to(extent(otherwise)));
    }

    /** Precedence climbing: parses operators binding at least as tightly as {@code minPrec}. */
    private Expr binary(int minPrec) throws CompileException {
        Expr left = unary();
        while (true) {
            BinOp op = binOp(tok.kind());
            if (op == null || op.precedence < minPrec) return left;
            if (op == BinOp.DIV && inPredicate && predicateEnds()) return left;
            Token opTok = tok;
            advance();
            Expr right = binary(op.precedence + 1);
            left = binary(op, left, right, opTok);
        }
    }

    /** In a predicate, a slash followed by the probe's opening brace closes the predicate. */
    private boolean predicateEnds() throws CompileException {
        Lexer.Mark save = lexer.mark();
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
            // bpftrace does this one in its grammar, and locates the literal at all of it.
            if (op == UnOp.NEG && e instanceof Expr.IntLit(long v, Span _)) return new Expr.IntLit(-v, t.span().to(extent(e)));
            return spanning(new Expr.Unary(op, e, t.span()), t.span().to(extent(e)));
        }
        if (t.is(TokenKind.INC) || t.is(TokenKind.DEC)) {
            advance();
            Expr e = unary();
            return spanning(new Expr.IncDec(e, t.is(TokenKind.INC), true, t.span()), t.span().to(extent(e)));
        }
        if (t.is(TokenKind.LPAREN) && castAhead()) {
            advance();
            TypeName type = typeName();
            Span close = expect(TokenKind.RPAREN).span();
            // bpftrace's rules are ( type ) and ( type * ): a cast, and its type, are located from the ( to
            // the ) or the first *.
            Span at = t.span().to(firstStar != null ? firstStar : close);
            type = new TypeName(type.name(), type.pointerDepth(), type.arrayLength(), at);
            Expr e = unary();
            return spanning(new Expr.Cast(type, e, at), t.span().to(extent(e)));
        }
        return postfix(primary());
    }

    /** {@code (} followed by a type name is a cast, not a parenthesised expression. */
    private boolean castAhead() throws CompileException {
        Lexer.Mark save = lexer.mark();
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
        firstStar = tok.is(TokenKind.STAR) ? tok.span() : null;
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
                    Token op = tok;
                    boolean arrow = op.is(TokenKind.ARROW);
                    advance();
                    Token f = tok;
                    Span whole = extent(e).to(f.span());
                    if (f.is(TokenKind.IDENT)) {
                        advance();
                        e = spanning(new Expr.Field(e, f.text(), arrow, arrow ? whole : op.span()), whole);
                    } else if (f.is(TokenKind.INT) && !arrow) {
                        // Tuple element access: $t.0
                        advance();
                        e = spanning(new Expr.Field(e, Long.toString(f.value()), false, f.span()), whole);
                    } else {
                        throw unexpected("a field name");
                    }
                }
                case LBRACKET -> {
                    if (e instanceof Expr.MapRef) throw unexpected(";");
                    Span open = tok.span();
                    advance();
                    Expr idx = expr();
                    Span end = expect(TokenKind.RBRACKET).span();
                    e = spanning(new Expr.Index(e, idx, open.to(end)), extent(e).to(end));
                }
                case INC, DEC -> {
                    boolean inc = tok.is(TokenKind.INC);
                    Span op = tok.span();
                    advance();
                    e = spanning(new Expr.IncDec(e, inc, false, op), extent(e).to(op));
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
                return spanning(first, t.span().to(expect(TokenKind.RPAREN).span()));
            }
            case IDENT -> {
                advance();
                if (t.text().equals("sizeof")) return sizeof(t);
                if (t.text().equals("offsetof")) return offsetof(t);
                if (tok.is(TokenKind.LPAREN)) {
                    advance();
                    List<Expr> args = exprList(TokenKind.RPAREN);
                    Span end = expect(TokenKind.RPAREN).span();
                    return new Expr.Call(t.text(), args, t.span().to(end), t.span());
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

    /**
     * A binary operation. bpftrace locates it at its operator, and reports its operands' type
     * mismatch from its left operand's location to its right's: that is its span here.
     */
    private Expr binary(BinOp op, Expr left, Expr right, Token opTok) {
        Expr.Binary b = new Expr.Binary(op, left, right, located(left).to(located(right)), opTok.span());
        return spanning(b, extent(left).to(extent(right)));
    }

    /** Where bpftrace locates {@code e}: its span, or a binary operation's operator. */
    private static Span located(Expr e) {
        return e instanceof Expr.Binary b ? b.opSpan() : e.span();
    }

    /** The text {@code e} covers, parentheses included: what a rule that starts or ends with it spans. */
    private Span extent(Expr e) {
        return extents.getOrDefault(e, e.span());
    }

    /** Records that {@code e}, located at its span, covers {@code extent}. */
    private <E extends Expr> E spanning(E e, Span extent) {
        if (extent.equals(e.span())) extents.remove(e);
        else extents.put(e, extent);
        return e;
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

    /** A syntax error at the token in hand, where bison reports it: the token's location. */
    private CompileException unexpected(String expected) {
        return error(tok.span(), "syntax error, unexpected " + tok.describe() + ", expecting " + expected);
    }

    private CompileException error(Span span, String message) {
        return new CompileException(source, Diagnostic.error(span, message));
    }
}
