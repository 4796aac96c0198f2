package dev.fleettrace.transport;

import java.util.List;

/**
 * How to keep Kafka's logging off the terminal. Kafka's broker and clients log through slf4j
 * (this module excludes log4j-core and bridges log4j-api to slf4j), so the application's slf4j
 * binding decides where lines go; nothing in this module writes on stdout.
 *
 * <p>With logback, include {@link #LOGBACK_INCLUDE} from the application's {@code logback.xml}, and
 * point every console appender at {@code System.err}: stdout carries bpftrace's output.
 */
public final class KafkaLogging {

    /** A logback {@code <included>} file setting the {@link #LOGGERS} to quiet levels. */
    public static final String LOGBACK_INCLUDE = "dev/fleettrace/transport/logback-kafka-quiet.xml";

    /** The logger name prefixes Kafka's broker and clients log under. */
    public static final List<String> LOGGERS = List.of("org.apache.kafka", "kafka", "state.change.logger");

    private KafkaLogging() {
    }
}
