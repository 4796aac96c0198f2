package dev.fleettrace.compiler.ast;

import java.util.function.Function;

/**
 * The tree as bpftrace's {@code -d} shows it: one node a line, one space of indent per level, with
 * each expression's type when one is given ({@code map: @ :: type[count]}).
 */
public final class AstPrinter {
    private final StringBuilder sb = new StringBuilder();
    private final Function<Expr, String> typeOf;

    private AstPrinter(Function<Expr, String> typeOf) {
        this.typeOf = typeOf;
    }

    public static String print(Program p) {
        return print(p, e -> null);
    }

    /** {@code typeOf} names an expression's type, or returns null when it has none. */
    public static String print(Program p, Function<Expr, String> typeOf) {
        AstPrinter ap = new AstPrinter(typeOf);
        ap.line(0, "Program");
        for (Probe probe : p.probes()) {
            for (AttachPointSpec a : probe.attachPoints()) ap.line(1, a.raw());
            probe.predicate().ifPresent(pred -> {
                ap.line(2, "pred");
                ap.expr(3, pred);
            });
            for (Stmt s : probe.body().stmts()) ap.stmt(2, s);
        }
        return ap.sb.toString();
    }

    private void line(int depth, String text) {
        sb.append(" ".repeat(depth)).append(text).append('\n');
    }

    private void block(int depth, Block b) {
        for (Stmt s : b.stmts()) stmt(depth, s);
    }

    private void stmt(int d, Stmt s) {
        switch (s) {
            case Stmt.ExprStmt(Expr e, var span) -> expr(d, e);
            case Stmt.AssignMap(Expr.MapRef m, Expr v, var span) -> {
                line(d, "=");
                expr(d + 1, m);
                expr(d + 1, v);
            }
            case Stmt.AssignVar(Expr.Var var, Expr v, var span) -> {
                line(d, "=");
                expr(d + 1, var);
                expr(d + 1, v);
            }
            case Stmt.If(Expr c, Block then, var otherwise, var span) -> {
                line(d, "if");
                expr(d + 1, c);
                line(d + 1, "then");
                block(d + 2, then);
                otherwise.ifPresent(o -> {
                    line(d + 1, "else");
                    stmt(d + 2, o);
                });
            }
            case Stmt.Unroll(Expr n, Block body, var span) -> {
                line(d, "unroll");
                expr(d + 1, n);
                block(d + 1, body);
            }
            case Stmt.While(Expr c, Block body, var span) -> {
                line(d, "while(");
                expr(d + 1, c);
                line(d, ")");
                block(d + 1, body);
            }
            case Stmt.Jump(Stmt.JumpKind k, var span) -> line(d, k.name().toLowerCase());
            case Stmt.Nested(Block b, var span) -> block(d, b);
        }
    }

    private void expr(int d, Expr e) {
        String t = typeOf.apply(e);
        String suffix = t == null ? "" : " :: type[" + t + "]";
        switch (e) {
            case Expr.IntLit i -> line(d, "int: " + i.value() + suffix);
            case Expr.StrLit s -> line(d, "string: " + s.value().replace("\n", "\\n") + suffix);
            case Expr.Builtin b -> line(d, "builtin: " + b.name() + suffix);
            case Expr.Positional p -> line(d, "param: $" + p.index() + suffix);
            case Expr.ParamCount p -> line(d, "param: $#" + suffix);
            case Expr.MapRef m -> {
                line(d, "map: " + m.displayName() + suffix);
                for (Expr k : m.keys()) expr(d + 1, k);
            }
            case Expr.Var v -> line(d, "variable: $" + v.name() + suffix);
            case Expr.Call c -> {
                line(d, "call: " + c.name() + suffix);
                for (Expr a : c.args()) expr(d + 1, a);
            }
            case Expr.Binary b -> {
                line(d, b.op().symbol + suffix);
                expr(d + 1, b.left());
                expr(d + 1, b.right());
            }
            case Expr.Unary u -> {
                line(d, u.op().symbol + suffix);
                expr(d + 1, u.operand());
            }
            case Expr.IncDec i -> {
                line(d, (i.prefix() ? "pre " : "post ") + (i.increment() ? "++" : "--") + suffix);
                expr(d + 1, i.target());
            }
            case Expr.Ternary t2 -> {
                line(d, "?:" + suffix);
                expr(d + 1, t2.cond());
                expr(d + 1, t2.then());
                expr(d + 1, t2.otherwise());
            }
            case Expr.Field f -> {
                line(d, (f.arrow() ? "->" : ".") + suffix);
                expr(d + 1, f.target());
                line(d + 1, f.field());
            }
            case Expr.Index ix -> {
                line(d, "[]" + suffix);
                expr(d + 1, ix.target());
                expr(d + 1, ix.index());
            }
            case Expr.Cast c -> {
                line(d, "(" + c.type() + ")" + suffix);
                expr(d + 1, c.operand());
            }
            case Expr.Tuple t2 -> {
                line(d, "tuple:" + suffix);
                for (Expr x : t2.elements()) expr(d + 1, x);
            }
            case Expr.Sizeof s -> {
                line(d, "sizeof: " + s.type().map(Object::toString).orElse("") + suffix);
                s.operand().ifPresent(o -> expr(d + 1, o));
            }
            case Expr.Offsetof o -> line(d, "offsetof: " + o.type() + "." + o.field() + suffix);
        }
    }
}
