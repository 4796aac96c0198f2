package dev.fleettrace.compiler.parse;

/** The lexical classes of the bpftrace language. */
public enum TokenKind {
    IDENT, MAP, VAR, POSITIONAL, PARAM_COUNT, INT, STRING, ATTACH_POINT,
    // punctuation
    LBRACE("{"), RBRACE("}"), LPAREN("("), RPAREN(")"), LBRACKET("["), RBRACKET("]"), SEMI(";"), COMMA(","),
    COLON(":"), QUESTION("?"), DOT("."), ARROW("->"),
    // operators
    ASSIGN("="), PLUS("+"), MINUS("-"), STAR("*"), SLASH("/"), PERCENT("%"), AMP("&"), PIPE("|"), CARET("^"),
    TILDE("~"), BANG("!"), LT("<"), GT(">"), LE("<="), GE(">="), EQ("=="), NE("!="), SHL("<<"), SHR(">>"),
    LAND("&&"), LOR("||"), INC("++"), DEC("--"),
    PLUS_ASSIGN("+="), MINUS_ASSIGN("-="), STAR_ASSIGN("*="), SLASH_ASSIGN("/="), PERCENT_ASSIGN("%="),
    AMP_ASSIGN("&="), PIPE_ASSIGN("|="), CARET_ASSIGN("^="), SHL_ASSIGN("<<="), SHR_ASSIGN(">>="),
    EOF("end of file");

    public final String text;

    TokenKind() {
        this.text = null;
    }

    TokenKind(String text) {
        this.text = text;
    }

    /** How a message names this token: its text, or its class. */
    public String display() {
        return text != null ? text : name().toLowerCase().replace('_', ' ');
    }
}
