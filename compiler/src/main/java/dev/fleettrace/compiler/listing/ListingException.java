package dev.fleettrace.compiler.listing;

/** A listing request that cannot be answered: an unknown provider, a missing file. */
public final class ListingException extends Exception {
    public ListingException(String message) {
        super(message);
    }
}
