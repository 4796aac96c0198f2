package dev.fleettrace.transport;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * fleettrace's four topics, their names under an optional prefix, and how they are created.
 *
 * <ul>
 *   <li>{@code fleettrace.control} — {@code ControlMessage}, key = job. One partition: every agent and
 *       coordinator reads every message, so partitions would only add fetch sessions (times 1,000
 *       hosts) and lose the global order of submits and stops. 24 h retention.
 *   <li>{@code fleettrace.deltas} — {@code AgentRecord}, key = job/agent (one agent's records of a job
 *       stay ordered on one partition). Several partitions so coordinators can share the merge. 24 h
 *       retention so a coordinator can rebuild its state; records up to {@link #MAX_RECORD_BYTES}.
 *   <li>{@code fleettrace.heartbeats} — {@code Heartbeat}, key = member. Compacted <em>and</em>
 *       deleted after 1 h: a starting reader gets every member's latest beat in one short pass
 *       (compaction bounds it to about one record per member), and members gone for an hour vanish
 *       without anyone having to write tombstones. One partition: a few hundred records a second
 *       at most, and a reader wants all of them.
 *   <li>{@code fleettrace.reports} — {@code Report}, key = job. 24 h retention; large records
 *       (an END report of a big map).
 * </ul>
 *
 * <p>Producers writing deltas or reports must set {@code max.request.size} to at least
 * {@link #MAX_RECORD_BYTES} (the producer checks the <em>uncompressed</em> record against it;
 * {@link ClientSettings#producer} does) and {@code buffer.memory} above it.
 *
 * @param prefix prepended to every name, e.g. {@code "test-"}, so tests and several installations
 *     can share a broker; empty for none
 */
public record Topics(String prefix, int controlPartitions, int deltaPartitions, int heartbeatPartitions,
                     int reportPartitions) {

    public static final String CONTROL = "fleettrace.control";
    public static final String DELTAS = "fleettrace.deltas";
    public static final String HEARTBEATS = "fleettrace.heartbeats";
    public static final String REPORTS = "fleettrace.reports";

    /** Largest record on the deltas and reports topics, as stored (compressed batch) and as produced. */
    public static final int MAX_RECORD_BYTES = 32 * 1024 * 1024;
    /** How long deltas, reports and control messages are kept: long enough to rebuild a coordinator. */
    public static final Duration RETENTION = Duration.ofHours(24);
    /** How long a member's last heartbeat is kept after it stops beating. */
    public static final Duration HEARTBEAT_RETENTION = Duration.ofHours(1);

    // Kafka's own rule for topic names; the longest suffix must still fit in 249 characters.
    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]*");
    private static final int MAX_NAME = 249;

    public Topics {
        if (prefix == null) prefix = "";
        if (!LEGAL.matcher(prefix).matches()) {
            throw new IllegalArgumentException("topic prefix '" + prefix + "' may use only letters, digits, '.', '_' and '-'");
        }
        if (prefix.length() + HEARTBEATS.length() > MAX_NAME) {
            throw new IllegalArgumentException("topic prefix '" + prefix + "' is too long");
        }
        for (int n : new int[] {controlPartitions, deltaPartitions, heartbeatPartitions, reportPartitions}) {
            if (n < 1) throw new IllegalArgumentException("a topic needs at least one partition, got " + n);
        }
    }

    /** The standard layout without a prefix: 1 control, 12 delta, 1 heartbeat and 3 report partitions. */
    public static Topics defaults() {
        return new Topics("", 1, 12, 1, 3);
    }

    public Topics withPrefix(String newPrefix) {
        return new Topics(newPrefix, controlPartitions, deltaPartitions, heartbeatPartitions, reportPartitions);
    }

    public Topics withDeltaPartitions(int n) {
        return new Topics(prefix, controlPartitions, n, heartbeatPartitions, reportPartitions);
    }

    public Topics withReportPartitions(int n) {
        return new Topics(prefix, controlPartitions, deltaPartitions, heartbeatPartitions, n);
    }

    public String control() {
        return prefix + CONTROL;
    }

    public String deltas() {
        return prefix + DELTAS;
    }

    public String heartbeats() {
        return prefix + HEARTBEATS;
    }

    public String reports() {
        return prefix + REPORTS;
    }

    public List<String> names() {
        return List.of(control(), deltas(), heartbeats(), reports());
    }

    /** What one topic should look like. */
    public record TopicSpec(String name, int partitions, short replicationFactor, Map<String, String> configs) {
        public TopicSpec {
            configs = Map.copyOf(configs);
        }

        public NewTopic toNewTopic() {
            return new NewTopic(name, partitions, replicationFactor).configs(configs);
        }
    }

    /** The four topics as they should be created on a cluster of {@code brokers} brokers. */
    public List<TopicSpec> specs(int brokers) {
        if (brokers < 1) throw new IllegalArgumentException("a cluster has at least one broker, got " + brokers);
        short rf = (short) Math.min(3, brokers);
        // acks=all means "every in-sync replica"; with 3 replicas, require 2 so one broker can be down.
        String minIsr = rf >= 3 ? "2" : "1";
        String retention = String.valueOf(RETENTION.toMillis());
        // Retention deletes whole closed segments: roll hourly so data leaves close to 24 h, not after
        // a default 1 GiB segment fills up on a quiet cluster.
        String hourly = String.valueOf(Duration.ofHours(1).toMillis());

        var control = new LinkedHashMap<String, String>();
        control.put("cleanup.policy", "delete");
        control.put("retention.ms", retention);
        control.put("segment.ms", hourly);
        control.put("min.insync.replicas", minIsr);

        var deltas = new LinkedHashMap<String, String>();
        deltas.put("cleanup.policy", "delete");
        deltas.put("retention.ms", retention);
        deltas.put("segment.ms", hourly);
        deltas.put("max.message.bytes", String.valueOf(MAX_RECORD_BYTES));
        deltas.put("min.insync.replicas", minIsr);

        var heartbeats = new LinkedHashMap<String, String>();
        heartbeats.put("cleanup.policy", "compact,delete");
        heartbeats.put("retention.ms", String.valueOf(HEARTBEAT_RETENTION.toMillis()));
        // The active segment is never compacted: keep it short so a starting reader scans a few
        // minutes of beats at most, not the hour.
        heartbeats.put("segment.ms", String.valueOf(Duration.ofMinutes(5).toMillis()));
        heartbeats.put("min.compaction.lag.ms", "0");
        heartbeats.put("delete.retention.ms", String.valueOf(Duration.ofMinutes(10).toMillis()));
        heartbeats.put("min.insync.replicas", minIsr);

        var reports = new LinkedHashMap<String, String>();
        reports.put("cleanup.policy", "delete");
        reports.put("retention.ms", retention);
        reports.put("segment.ms", hourly);
        reports.put("max.message.bytes", String.valueOf(MAX_RECORD_BYTES));
        reports.put("min.insync.replicas", minIsr);

        return List.of(
                new TopicSpec(control(), controlPartitions, rf, control),
                new TopicSpec(deltas(), deltaPartitions, rf, deltas),
                new TopicSpec(heartbeats(), heartbeatPartitions, rf, heartbeats),
                new TopicSpec(reports(), reportPartitions, rf, reports));
    }

    /**
     * Creates whichever of the topics is missing, with the replication factor min(3, brokers), and
     * waits until every partition of the created topics has a leader, so the caller can produce
     * at once. Existing topics are left as they are. Safe to call concurrently from several
     * processes: a topic someone else created meanwhile counts as existing.
     *
     * @return the names of the topics this call created
     * @throws KafkaException naming the topic and the cause, if a topic cannot be created or the
     *     broker does not answer within {@code timeout}
     */
    public static Set<String> ensureTopics(Admin admin, Topics topics, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        int brokers = await(admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMs)).nodes(),
                deadline, "ask the cluster for its brokers").size();
        Set<String> existing = await(admin.listTopics(new ListTopicsOptions().timeoutMs(timeoutMs)).names(),
                deadline, "list topics");

        List<TopicSpec> missing = topics.specs(brokers).stream().filter(s -> !existing.contains(s.name())).toList();
        Set<String> created = new LinkedHashSet<>();
        if (missing.isEmpty()) return created;

        var result = admin.createTopics(missing.stream().map(TopicSpec::toNewTopic).toList(),
                new CreateTopicsOptions().timeoutMs(timeoutMs));
        for (TopicSpec spec : missing) {
            try {
                await(result.values().get(spec.name()), deadline, "create topic " + spec.name());
                created.add(spec.name());
            } catch (KafkaException e) {
                if (!(e.getCause() instanceof TopicExistsException)) throw e;
            }
        }
        awaitLeaders(admin, created, deadline);
        return created;
    }

    // Topic creation returns when the controller has recorded the topic; the broker serving
    // producers may learn of it a moment later. Waiting here saves every caller a retry.
    private static void awaitLeaders(Admin admin, Set<String> names, long deadline) {
        if (names.isEmpty()) return;
        while (true) {
            Map<String, TopicDescription> described = new HashMap<>();
            try {
                var result = admin.describeTopics(names, new DescribeTopicsOptions()
                        .timeoutMs((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
                described.putAll(await(result.allTopicNames(), deadline, "describe topics " + names));
            } catch (KafkaException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) throw e;
            }
            boolean ready = described.size() == names.size() && described.values().stream()
                    .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
            if (ready) return;
            if (System.nanoTime() > deadline) {
                throw new KafkaException("topics " + names + " were created but have no leader yet: is every broker up?");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("interrupted while waiting for topic leaders", e);
            }
        }
    }

    private static <T> T await(KafkaFuture<T> future, long deadline, String what) {
        long left = Math.max(0, deadline - System.nanoTime());
        try {
            return future.get(left, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new KafkaException("cannot " + what + ": " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new KafkaException("cannot " + what + ": the broker did not answer in time");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while trying to " + what, e);
        }
    }
}
