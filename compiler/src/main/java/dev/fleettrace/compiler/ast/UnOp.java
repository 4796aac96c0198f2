package dev.fleettrace.compiler.ast;

/** Prefix operators. */
public enum UnOp {
    NEG("-"), LNOT("!"), BNOT("~"), DEREF("*"), ADDR("&");

    public final String symbol;

    UnOp(String symbol) {
        this.symbol = symbol;
    }
}
