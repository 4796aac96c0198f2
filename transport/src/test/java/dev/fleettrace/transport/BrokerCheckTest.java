package dev.fleettrace.transport;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.fleettrace.transport.BrokerUnavailableException.Reason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BrokerCheckTest {

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void start() {
        kafka = new EmbeddedKafka().start();
    }

    @AfterAll
    static void stop() {
        if (kafka != null) kafka.close();
    }

    @Test
    void succeedsOnARunningBroker() throws Exception {
        var info = BrokerCheck.verify(kafka.bootstrapServers());
        assertFalse(info.clusterId().isBlank());
        assertEquals(List.of(kafka.bootstrapServers()), info.brokers());
        assertTrue(info.took().toMillis() < 5_000, "took " + info.took());
        System.err.printf("BrokerCheck on a running broker: %d ms%n", info.took().toMillis());
    }

    @Test
    void aClosedPortFailsFastWithOneLineOfCauseAndRemedy() throws Exception {
        int port = closedPort();
        String address = "127.0.0.1:" + port;
        var kafkaLog = capture("org.apache.kafka");
        long t0 = System.nanoTime();
        var e = assertThrows(BrokerUnavailableException.class, () -> BrokerCheck.verify(address));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.err.printf("BrokerCheck on a closed port: failed in %d ms: %s%n", ms, e.getMessage());

        assertEquals("no Kafka broker answers at " + address
                + " (connection refused): start one, or drop --bootstrap to use the embedded broker", e.getMessage());
        assertEquals(Reason.CONNECTION_REFUSED, e.reason());
        assertEquals(address, e.bootstrap());
        assertTrue(ms < 10_000, "the user waited " + ms + " ms");
        assertEquals(List.of(), warnings(kafkaLog), "no Kafka client chatter for a refused connection");
    }

    @Test
    void anUnknownHostIsNamedAsSuch() {
        var e = assertThrows(BrokerUnavailableException.class,
                () -> BrokerCheck.verify("no-such-host.invalid:9092", Duration.ofSeconds(5), "check the name"));
        // A resolver that does not answer in time is reported as a timeout instead; both are honest.
        assertTrue(e.reason() == Reason.UNKNOWN_HOST || e.reason() == Reason.TIMEOUT, e.reason().toString());
        System.err.println("BrokerCheck on an unknown host: " + e.getMessage());
        if (e.reason() == Reason.UNKNOWN_HOST) {
            assertEquals("no Kafka broker answers at no-such-host.invalid:9092 (unknown host): check the name", e.getMessage());
        }
    }

    @Test
    void severalAddressesAreAllReportedAndOneAnsweringIsEnough() throws Exception {
        int a = closedPort();
        int b = closedPort();
        var e = assertThrows(BrokerUnavailableException.class,
                () -> BrokerCheck.verify("127.0.0.1:" + a + ", 127.0.0.1:" + b, Duration.ofSeconds(5), "fix it"));
        assertEquals("no Kafka broker answers at 127.0.0.1:" + a + ", 127.0.0.1:" + b + " (connection refused): fix it",
                e.getMessage());

        var info = BrokerCheck.verify("127.0.0.1:" + a + "," + kafka.bootstrapServers());
        assertEquals(List.of(kafka.bootstrapServers()), info.brokers());
    }

    @Test
    void somethingThatIsNotKafkaTimesOutWithinTheBound() throws Exception {
        // Accepts connections and never answers, like a wrong port or a TLS listener.
        var silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        var held = new ArrayList<Socket>();
        Thread acceptor = Thread.ofVirtual().start(() -> {
            try {
                while (true) held.add(silent.accept());
            } catch (IOException closed) {
                // the test is over
            }
        });
        try {
            String address = "127.0.0.1:" + silent.getLocalPort();
            long t0 = System.nanoTime();
            var e = assertThrows(BrokerUnavailableException.class,
                    () -> BrokerCheck.verify(address, Duration.ofSeconds(2), "fix it"));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.err.printf("BrokerCheck on a silent port: failed in %d ms: %s%n", ms, e.getMessage());
            assertEquals(Reason.NOT_KAFKA, e.reason());
            assertTrue(e.getMessage().startsWith("no Kafka broker answers at " + address + " (something accepts connections there"),
                    e.getMessage());
            assertTrue(e.getMessage().endsWith(": fix it"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
            assertTrue(ms < 6_000, "a 2 s check took " + ms + " ms");
        } finally {
            silent.close();
            acceptor.join();
            for (Socket s : held) s.close();
        }
    }

    @Test
    void malformedAddressesAreRejectedBeforeAnyConnection() {
        for (String bad : List.of("localhost", "localhost:", ":9092", "host:notaport", "host:70000", " , ", "")) {
            var e = assertThrows(BrokerUnavailableException.class, () -> BrokerCheck.verify(bad), bad);
            assertEquals(Reason.INVALID_ADDRESS, e.reason(), bad);
            assertFalse(e.getMessage().contains("\n"));
        }
        assertEquals("no Kafka bootstrap address given: write HOST:PORT, e.g. kafka.example.com:9092",
                assertThrows(BrokerUnavailableException.class, () -> BrokerCheck.verify(null)).getMessage());
    }

    @Test
    void ipv6LiteralsParse() {
        assertEquals(new BrokerCheck.Address("::1", 9092), BrokerCheck.Address.parse("[::1]:9092"));
        assertEquals("[::1]:9092", BrokerCheck.Address.parse("[::1]:9092").toString());
        assertEquals(null, BrokerCheck.Address.parse("::1:9092"));
    }

    private static int closedPort() throws IOException {
        try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static ListAppender<ILoggingEvent> capture(String logger) {
        var appender = new ListAppender<ILoggingEvent>();
        appender.start();
        ((Logger) LoggerFactory.getLogger(logger)).addAppender(appender);
        return appender;
    }

    private static List<String> warnings(ListAppender<ILoggingEvent> appender) {
        ((Logger) LoggerFactory.getLogger("org.apache.kafka")).detachAppender(appender);
        return appender.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(ILoggingEvent::getFormattedMessage).toList();
    }
}
