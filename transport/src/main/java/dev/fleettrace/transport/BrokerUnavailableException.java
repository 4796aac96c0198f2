package dev.fleettrace.transport;

/**
 * No usable Kafka broker at an address. The message is one line, cause and remedy, ready to print
 * after the program name, e.g. {@code no Kafka broker answers at 127.0.0.1:9999 (connection
 * refused): start one, or drop --bootstrap to use the embedded broker}.
 */
public final class BrokerUnavailableException extends Exception {

    /** What went wrong, for callers that want to react differently (exit codes, retries). */
    public enum Reason {
        /** The bootstrap string is not a list of HOST:PORT. */
        INVALID_ADDRESS,
        /** The host name does not resolve. */
        UNKNOWN_HOST,
        /** Nothing listens on the port. */
        CONNECTION_REFUSED,
        /** The TCP connection did not complete in time (host down, firewall). */
        TIMEOUT,
        /** The host or network cannot be reached (no route). */
        UNREACHABLE,
        /** Something accepts connections but does not answer as a Kafka broker in time. */
        NOT_KAFKA,
        /** The broker answers but advertises addresses this host cannot connect to. */
        ADVERTISED_UNREACHABLE
    }

    private final Reason reason;
    private final String bootstrap;

    public BrokerUnavailableException(Reason reason, String bootstrap, String message, Throwable cause) {
        super(oneLine(message), cause, false, true);
        this.reason = reason;
        this.bootstrap = bootstrap;
    }

    public Reason reason() {
        return reason;
    }

    /** The bootstrap address that was checked, as given. */
    public String bootstrap() {
        return bootstrap;
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
