package dev.fleettrace.transport;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;

/**
 * An in-process, single-node KRaft Kafka broker (roles broker and controller) on 127.0.0.1, for
 * the embedded deployment mode and for tests.
 *
 * <p>It writes nothing on stdout: Kafka logs through slf4j (log4j-core is excluded from this
 * module's dependencies and log4j-api is bridged to slf4j), and the storage formatter's console
 * output is captured (and shown only in the exception if formatting fails). Keep its log lines off
 * the terminal with the logback configuration in {@code dev/fleettrace/transport/logback-kafka-quiet.xml}
 * (see {@link KafkaLogging}).
 *
 * <p>The log directory is a fresh temporary directory, deleted by {@link #close()}; one left by a
 * killed process is deleted by the next start. The application decides when to close: on Ctrl-C
 * the CLI still needs the broker to stop the job and receive its END report, so this class
 * registers no shutdown hook of its own.
 *
 * <p>After close, no broker thread is left; Kafka's Yammer metrics keep two daemon threads
 * ({@code metrics-meter-tick-thread-N}) for the life of the JVM, shared by every broker it starts.
 * A fatal metadata or storage fault can make Kafka halt the JVM ({@code ProcessTerminatingFaultHandler}),
 * as it would a standalone broker.
 *
 * <p>{@code start} and {@code close} are synchronized; the accessors are meant for the thread that
 * started it (or after {@link #startAsync()}'s future completed).
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final Duration ACCEPT_TIMEOUT = Duration.ofSeconds(30);
    private static final String DIR_PREFIX = "fleettrace-kafka-";
    private static final String OWNER_FILE = "owner.pid";

    private final Map<String, String> overrides;
    private final int fixedPort;
    private Path dir;
    private KafkaRaftServer server;
    private String bootstrap;

    /** A broker with the default single-node settings. */
    public EmbeddedKafka() {
        this(Map.of());
    }

    /** A broker whose settings are the defaults with {@code overrides} applied (broker config names). */
    public EmbeddedKafka(Map<String, String> overrides) {
        this(overrides, 0);
    }

    /** A broker listening on {@code port} on 127.0.0.1 (0: any free port), e.g. for {@code fleettrace broker}. */
    public EmbeddedKafka(Map<String, String> overrides, int port) {
        this.overrides = Map.copyOf(overrides);
        this.fixedPort = port;
    }

    /**
     * Formats a fresh temporary log directory, starts the broker and returns once it accepts client
     * connections. Idempotent while running.
     *
     * @throws IllegalStateException if the broker cannot start; nothing is left running then
     */
    public synchronized EmbeddedKafka start() {
        if (server != null) return this;
        sweepStaleDirectories();
        Path tmp;
        try {
            tmp = Files.createTempDirectory(DIR_PREFIX);
            Files.writeString(tmp.resolve(OWNER_FILE), String.valueOf(ProcessHandle.current().pid()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a log directory for the embedded Kafka broker", e);
        }
        try {
            // Ports are picked free and then bound by the broker: another process can take one in
            // between, so a bind failure is retried with new ports.
            for (int attempt = 1; ; attempt++) {
                Path data = tmp.resolve("data-" + attempt);
                try {
                    startOn(tmp, data, fixedPort != 0 ? fixedPort : freePort(), freePort());
                    break;
                } catch (RuntimeException e) {
                    stopServer();
                    deleteTree(data);
                    if (attempt >= 3 || !isBindFailure(e) || fixedPort != 0) throw e;
                    log.debug("embedded Kafka broker: port taken meanwhile, retrying with others", e);
                }
            }
            dir = tmp;
            return this;
        } catch (IOException e) {
            deleteTree(tmp);
            throw new UncheckedIOException("cannot start the embedded Kafka broker", e);
        } catch (RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
    }

    /**
     * {@link #start()} on a thread of its own, so the caller can compile and check a script while
     * the broker comes up (most of a cold start is class loading, which runs in parallel).
     */
    public CompletableFuture<EmbeddedKafka> startAsync() {
        var result = new CompletableFuture<EmbeddedKafka>();
        Thread.ofPlatform().daemon().name("fleettrace-embedded-broker-start").start(() -> {
            try {
                result.complete(start());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    private void startOn(Path tmp, Path data, int brokerPort, int controllerPort) throws IOException {
        Map<String, String> config = config(data, brokerPort, controllerPort);
        config.putAll(overrides);
        Properties props = new Properties();
        props.putAll(config);

        Path propsFile = tmp.resolve("server.properties");
        try (var w = Files.newBufferedWriter(propsFile)) {
            props.store(w, null);
        }
        long t0 = System.nanoTime();
        // The formatter reports on the stream it is given; stdout is not ours to write on.
        var formatOutput = new ByteArrayOutputStream();
        int rc = StorageTool.execute(
                new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", propsFile.toString()},
                new PrintStream(formatOutput, true, StandardCharsets.UTF_8));
        if (rc != 0) {
            throw new IllegalStateException("cannot format the embedded Kafka broker's storage in " + data + ": "
                    + formatOutput.toString(StandardCharsets.UTF_8).strip());
        }
        long t1 = System.nanoTime();
        server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
        server.startup();
        awaitAccepting(brokerPort);
        bootstrap = "127.0.0.1:" + brokerPort;
        log.debug("embedded Kafka broker at {}: storage formatted in {} ms, started in {} ms", bootstrap,
                (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
    }

    // A process killed with SIGKILL leaves its directory behind; the next start removes those
    // whose owner is gone, so /tmp does not fill up with broker logs.
    private static void sweepStaleDirectories() {
        Path tmpRoot = Path.of(System.getProperty("java.io.tmpdir"));
        try (var dirs = Files.newDirectoryStream(tmpRoot, DIR_PREFIX + "*")) {
            for (Path d : dirs) {
                Path owner = d.resolve(OWNER_FILE);
                if (!Files.isRegularFile(owner)) continue;
                try {
                    long pid = Long.parseLong(Files.readString(owner).strip());
                    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
                } catch (IOException | NumberFormatException e) {
                    continue;
                }
                log.debug("removing the stale embedded Kafka directory {}", d);
                deleteTree(d);
            }
        } catch (IOException e) {
            log.debug("cannot look for stale embedded Kafka directories in {}: {}", tmpRoot, e.toString());
        }
    }

    /** The address clients connect to, {@code 127.0.0.1:PORT}. */
    public String bootstrapServers() {
        if (bootstrap == null) throw new IllegalStateException("the embedded Kafka broker is not running");
        return bootstrap;
    }

    /** The directory holding the broker's logs and metadata while it runs. */
    public Path logDir() {
        if (dir == null) throw new IllegalStateException("the embedded Kafka broker is not running");
        return dir;
    }

    /** Shuts the broker down, waits for its threads, and deletes its log directory. Idempotent. */
    @Override
    public synchronized void close() {
        stopServer();
        if (dir != null) {
            deleteTree(dir);
            dir = null;
        }
        bootstrap = null;
    }

    private void stopServer() {
        KafkaRaftServer s = server;
        server = null;
        if (s == null) return;
        try {
            s.shutdown();
            s.awaitShutdown();
        } catch (RuntimeException e) {
            log.warn("embedded Kafka broker did not shut down cleanly", e);
        }
    }

    /** The single-node settings, tuned for a fast start on a small machine. */
    static Map<String, String> config(Path logDir, int brokerPort, int controllerPort) {
        var c = new LinkedHashMap<String, String>();
        c.put("process.roles", "broker,controller");
        c.put("node.id", "1");
        c.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        c.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        c.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        c.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        c.put("controller.listener.names", "CONTROLLER");
        c.put("inter.broker.listener.name", "PLAINTEXT");
        c.put("log.dirs", logDir.toString());

        // One node: every internal topic has one replica, and one partition (each partition is a log
        // to create and load at start).
        c.put("offsets.topic.replication.factor", "1");
        c.put("offsets.topic.num.partitions", "1");
        c.put("transaction.state.log.replication.factor", "1");
        c.put("transaction.state.log.min.isr", "1");
        c.put("transaction.state.log.num.partitions", "1");
        c.put("share.coordinator.state.topic.replication.factor", "1");
        c.put("share.coordinator.state.topic.min.isr", "1");
        c.put("share.coordinator.state.topic.num.partitions", "1");
        c.put("default.replication.factor", "1");
        c.put("min.insync.replicas", "1");
        c.put("num.partitions", "1");

        // The first consumer group must not wait 3 s for more members.
        c.put("group.initial.rebalance.delay.ms", "0");
        // Topics are created by Topics.ensureTopics; a typo should fail, not make a topic.
        c.put("auto.create.topics.enable", "false");

        // Two cores are shared with the agent, the coordinator and the CLI: few threads.
        c.put("num.network.threads", "2");
        c.put("num.io.threads", "2");
        c.put("background.threads", "2");
        c.put("num.recovery.threads.per.data.dir", "1");
        c.put("num.replica.fetchers", "1");
        c.put("log.cleaner.threads", "1");
        c.put("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
        return c;
    }

    private static void awaitAccepting(int port) {
        long deadline = System.nanoTime() + ACCEPT_TIMEOUT.toNanos();
        while (true) {
            try (var s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the embedded Kafka broker did not accept connections on port " + port
                            + " within " + ACCEPT_TIMEOUT.toSeconds() + " s", e);
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while starting the embedded Kafka broker", ie);
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (var s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException) return true;
            if (t.getMessage() != null && t.getMessage().contains("Address already in use")) return true;
        }
        return false;
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) return;
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            log.warn("cannot delete the embedded Kafka broker's directory {}: {}", root, e.toString());
        }
    }
}
