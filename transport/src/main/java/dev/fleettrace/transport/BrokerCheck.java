package dev.fleettrace.transport;

import dev.fleettrace.transport.BrokerUnavailableException.Reason;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.Node;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Checks, before anything is submitted, that a Kafka cluster answers at a bootstrap address, and
 * says in one line what is wrong if not.
 *
 * <p>The address is first resolved and connected to with plain sockets, which tells connection
 * refused, unknown host, no route and timeout apart (the Kafka client reports all of them as a
 * timeout after retrying). Only an address that accepts a connection is then asked for the cluster
 * by a Kafka admin client whose timeouts are bounded by the check's, so the check never waits for
 * the client's 60 s default. Last, the brokers' advertised addresses are connected to, since a
 * broker that answers but advertises an unreachable address fails every later request.
 *
 * <p>The Kafka client logs failed connections at WARN from {@code org.apache.kafka.clients}; keep
 * them off the terminal with {@code KafkaLogging}'s logback configuration.
 */
public final class BrokerCheck {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    /** The remedy the CLI prints when {@code --bootstrap} names no usable broker. */
    public static final String DEFAULT_REMEDY = "start one, or drop --bootstrap to use the embedded broker";

    /** The cluster that answered. */
    public record ClusterInfo(String clusterId, List<String> brokers, Duration took) {
        public ClusterInfo {
            brokers = List.copyOf(brokers);
        }
    }

    private BrokerCheck() {
    }

    /** {@link #verify(String, Duration, String)} with a 5 s timeout and the CLI's remedy. */
    public static ClusterInfo verify(String bootstrap) throws BrokerUnavailableException {
        return verify(bootstrap, DEFAULT_TIMEOUT, DEFAULT_REMEDY);
    }

    /**
     * Returns once a Kafka cluster answered at {@code bootstrap} (comma-separated HOST:PORT), or
     * throws within about {@code timeout}.
     *
     * @param remedy what the user should do, appended to the message after a colon
     */
    public static ClusterInfo verify(String bootstrap, Duration timeout, String remedy) throws BrokerUnavailableException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        List<Address> addresses = parse(bootstrap);

        // Sockets first: they say why an address does not answer.
        List<Address> open = new ArrayList<>();
        List<Failure> failures = new ArrayList<>();
        for (Address a : addresses) {
            Failure f = probe(a, deadline);
            if (f == null) open.add(a);
            else failures.add(f);
        }
        if (open.isEmpty()) throw unavailable(bootstrap, failures, timeout, remedy);

        ClusterInfo info = describe(bootstrap, open, start, deadline, timeout, remedy);

        // The cluster answered through the bootstrap address; every later request goes to the
        // addresses the brokers advertise. Those must be reachable from here too.
        List<Failure> advertised = new ArrayList<>();
        for (String b : info.brokers()) {
            Address a = Address.parse(b);
            if (a == null) continue;
            Failure f = probe(a, Math.max(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(1)));
            if (f == null) return info;
            advertised.add(f);
        }
        if (advertised.isEmpty()) return info;
        Failure first = advertised.getFirst();
        throw new BrokerUnavailableException(Reason.ADVERTISED_UNREACHABLE, bootstrap,
                "the Kafka cluster at " + bootstrap + " advertises " + String.join(", ", info.brokers())
                        + ", which this host cannot connect to (" + first.describe(timeout) + ")"
                        + ": set the brokers' advertised.listeners to an address reachable from here", first.cause());
    }

    private static ClusterInfo describe(String bootstrap, List<Address> open, long start, long deadline,
                                        Duration timeout, String remedy) throws BrokerUnavailableException {
        int leftMs = (int) Math.max(500, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        String servers = String.join(",", open.stream().map(Address::toString).toList());
        var settings = ClientSettings.admin(servers, "fleettrace-broker-check")
                .set(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, leftMs)
                .set(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, leftMs)
                .set(CommonClientConfigs.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, Math.min(leftMs, 2000))
                .set(CommonClientConfigs.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, Math.min(leftMs, 2000))
                .set(CommonClientConfigs.RECONNECT_BACKOFF_MS_CONFIG, 50)
                .set(CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500)
                .set(CommonClientConfigs.RETRY_BACKOFF_MS_CONFIG, 50)
                .set(CommonClientConfigs.RETRY_BACKOFF_MAX_MS_CONFIG, 500)
                // The check itself must not start a metadata refresh that outlives it.
                .set(CommonClientConfigs.METADATA_RECOVERY_STRATEGY_CONFIG, "none");
        Admin admin = Admin.create(settings.properties());
        try {
            DescribeClusterResult r = admin.describeCluster(new DescribeClusterOptions().timeoutMs(leftMs));
            long left = Math.max(1, deadline - System.nanoTime());
            String clusterId = r.clusterId().get(left, TimeUnit.NANOSECONDS);
            var brokers = new LinkedHashSet<String>();
            for (Node n : r.nodes().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                brokers.add(Address.format(n.host(), n.port()));
            }
            return new ClusterInfo(clusterId, List.copyOf(brokers), Duration.ofNanos(System.nanoTime() - start));
        } catch (TimeoutException | ExecutionException e) {
            Throwable cause = e instanceof ExecutionException ee && ee.getCause() != null ? ee.getCause() : e;
            throw new BrokerUnavailableException(Reason.NOT_KAFKA, bootstrap,
                    "no Kafka broker answers at " + servers + " (something accepts connections there but sent no Kafka reply within "
                            + seconds(timeout) + ": a different service, or a TLS/SASL listener?): " + remedy, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerUnavailableException(Reason.TIMEOUT, bootstrap,
                    "interrupted while checking the Kafka broker at " + bootstrap, e);
        } finally {
            // Pending calls are abandoned, not awaited: a caller that gets an answer moves on at once.
            admin.close(Duration.ZERO);
        }
    }

    private static BrokerUnavailableException unavailable(String bootstrap, List<Failure> failures, Duration timeout,
                                                          String remedy) {
        Failure first = failures.getFirst();
        boolean sameReason = failures.stream().allMatch(f -> f.reason() == first.reason());
        String where;
        if (sameReason) {
            where = String.join(", ", failures.stream().map(f -> f.address().toString()).toList())
                    + " (" + first.describe(timeout) + ")";
        } else {
            where = String.join(", ", failures.stream().map(f -> f.address() + " (" + f.describe(timeout) + ")").toList());
        }
        return new BrokerUnavailableException(first.reason(), bootstrap,
                "no Kafka broker answers at " + where + ": " + remedy, first.cause());
    }

    private static Failure probe(Address a, long deadline) {
        InetAddress[] ips;
        try {
            ips = resolve(a.host(), deadline);
        } catch (UnknownHostException e) {
            return new Failure(a, Reason.UNKNOWN_HOST, e);
        } catch (TimeoutException e) {
            return new Failure(a, Reason.TIMEOUT, e);
        }
        Failure last = null;
        for (InetAddress ip : ips) {
            int leftMs = (int) TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (leftMs <= 0) return new Failure(a, Reason.TIMEOUT, null);
            try (var s = new Socket()) {
                s.connect(new InetSocketAddress(ip, a.port()), leftMs);
                return null;
            } catch (SocketTimeoutException e) {
                last = new Failure(a, Reason.TIMEOUT, e);
            } catch (ConnectException e) {
                last = new Failure(a, Reason.CONNECTION_REFUSED, e);
            } catch (NoRouteToHostException e) {
                last = new Failure(a, Reason.UNREACHABLE, e);
            } catch (IOException e) {
                String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
                last = new Failure(a, m.contains("unreachable") ? Reason.UNREACHABLE : Reason.TIMEOUT, e);
            }
        }
        return last;
    }

    // A resolver that does not answer can block getAllByName for many seconds: bound it.
    private static InetAddress[] resolve(String host, long deadline) throws UnknownHostException, TimeoutException {
        var task = new java.util.concurrent.FutureTask<>(() -> InetAddress.getAllByName(host));
        Thread.ofVirtual().name("fleettrace-resolve").start(task);
        try {
            return task.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownHostException u) throw u;
            var u = new UnknownHostException(host);
            u.initCause(e.getCause());
            throw u;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeoutException("interrupted");
        } finally {
            task.cancel(true);
        }
    }

    private static List<Address> parse(String bootstrap) throws BrokerUnavailableException {
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new BrokerUnavailableException(Reason.INVALID_ADDRESS, String.valueOf(bootstrap),
                    "no Kafka bootstrap address given: write HOST:PORT, e.g. kafka.example.com:9092", null);
        }
        Set<Address> out = new LinkedHashSet<>();
        for (String part : bootstrap.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) continue;
            Address a = Address.parse(p);
            if (a == null) {
                throw new BrokerUnavailableException(Reason.INVALID_ADDRESS, bootstrap,
                        "'" + p + "' is not a Kafka bootstrap address: write HOST:PORT, e.g. kafka.example.com:9092", null);
            }
            out.add(a);
        }
        if (out.isEmpty()) {
            throw new BrokerUnavailableException(Reason.INVALID_ADDRESS, bootstrap,
                    "'" + bootstrap + "' names no Kafka bootstrap address: write HOST:PORT, e.g. kafka.example.com:9092", null);
        }
        return List.copyOf(out);
    }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    private record Failure(Address address, Reason reason, Throwable cause) {
        String describe(Duration timeout) {
            return switch (reason) {
                case CONNECTION_REFUSED -> "connection refused";
                case UNKNOWN_HOST -> "unknown host";
                case UNREACHABLE -> "host unreachable";
                case TIMEOUT -> "no connection within " + seconds(timeout);
                case INVALID_ADDRESS, NOT_KAFKA, ADVERTISED_UNREACHABLE -> reason.name().toLowerCase(java.util.Locale.ROOT);
            };
        }
    }

    /** HOST:PORT, with IPv6 literals in brackets. */
    record Address(String host, int port) {
        static Address parse(String s) {
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1) return null;
            String host = s.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            else if (host.contains(":")) return null;
            if (host.isEmpty()) return null;
            try {
                int port = Integer.parseInt(s.substring(colon + 1));
                return port >= 1 && port <= 65535 ? new Address(host, port) : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }

        static String format(String host, int port) {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }

        @Override
        public String toString() {
            return format(host, port);
        }
    }
}
