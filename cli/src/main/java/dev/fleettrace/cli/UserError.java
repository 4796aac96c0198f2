package dev.fleettrace.cli;

/**
 * A problem the user can fix: printed as is on stderr (no stack trace), then fleettrace exits with
 * {@code exitCode}. Messages say what went wrong and what to do.
 */
final class UserError extends RuntimeException {
    final int exitCode;

    UserError(String message) {
        this(message, 1);
    }

    UserError(String message, int exitCode) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }
}
