package dev.fleettrace.compiler.ast;

/** Binary operators, with C's precedence (higher binds tighter). */
public enum BinOp {
    LOR("||", 1), LAND("&&", 2), BOR("|", 3), BXOR("^", 4), BAND("&", 5), EQ("==", 6), NE("!=", 6),
    LT("<", 7), LE("<=", 7), GT(">", 7), GE(">=", 7), SHL("<<", 8), SHR(">>", 8), ADD("+", 9), SUB("-", 9),
    MUL("*", 10), DIV("/", 10), MOD("%", 10);

    public final String symbol;
    public final int precedence;

    BinOp(String symbol, int precedence) {
        this.symbol = symbol;
        this.precedence = precedence;
    }

    public boolean comparison() {
        return this == EQ || this == NE || this == LT || this == LE || this == GT || this == GE;
    }

    public boolean logical() {
        return this == LAND || this == LOR;
    }
}
