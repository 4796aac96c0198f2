package dev.fleettrace.compiler.facts.btf;

/** The bytes are not BTF data fleettrace can read. */
public final class BtfException extends RuntimeException {
    public BtfException(String message) {
        super(message);
    }
}
