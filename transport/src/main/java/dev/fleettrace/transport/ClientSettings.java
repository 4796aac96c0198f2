package dev.fleettrace.transport;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Kafka client settings for fleettrace's workload, as plain properties that both the Kafka client
 * constructors and pekko-connectors-kafka ({@code ProducerSettings.withProperties(Map)}) accept.
 * Keys are strings ({@link StringSerializer} is preset); pass an {@link AvroSerde} as the value
 * serializer or deserializer.
 *
 * <pre>{@code
 * var props = ClientSettings.producer(bootstrap, ClientSettings.clientId("agent", host, "deltas")).properties();
 * try (var p = new KafkaProducer<>(props, new StringSerializer(), AvroSerde.agentRecords())) { ... }
 * }</pre>
 */
public final class ClientSettings {

    /**
     * Compression for every producer. Measured on a 100k-entry DeltaBatch (see TransportBench):
     * lz4 shrinks it about as well as zstd for a fraction of the CPU on the 2-core hosts that also
     * run the workload being traced.
     */
    public static final String COMPRESSION = "lz4";
    /** Producer batch size: one flush of a job is usually one record, often larger than this. */
    public static final int BATCH_BYTES = 256 * 1024;

    /**
     * How long a reader's poll may block. Long: a fetch returns as soon as a record arrives, so this costs
     * no latency, while an idle reader wakes 4 times a second instead of 20 (pekko-connectors' 50 ms
     * default), which is most of an idle agent's CPU. Use it as both poll interval and poll timeout.
     */
    public static final java.time.Duration IDLE_POLL = java.time.Duration.ofMillis(250);
    /** Producer memory: must exceed the largest record, {@link Topics#MAX_RECORD_BYTES}. */
    public static final long BUFFER_BYTES = 2L * Topics.MAX_RECORD_BYTES;

    private ClientSettings() {
    }

    /**
     * A client id naming the member and what the client is for, e.g.
     * {@code fleettrace-agent-host17-deltas}; it shows in broker logs, quotas and JMX.
     */
    public static String clientId(String role, String member, String purpose) {
        return "fleettrace-" + role + "-" + member + "-" + purpose;
    }

    /**
     * An idempotent producer with {@code acks=all}: a retried send is never written twice and one
     * agent's records of a job stay in order (up to 5 requests in flight keep order when idempotent).
     * A 5 ms linger batches a flush's records at a third of the CPU of no linger.
     */
    public static Builder producer(String bootstrap, String clientId) {
        return new Builder(bootstrap, clientId)
                .set(ProducerConfig.ACKS_CONFIG, "all")
                .set(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true")
                .set(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5")
                .set(ProducerConfig.LINGER_MS_CONFIG, "5")
                .set(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(BATCH_BYTES))
                .set(ProducerConfig.COMPRESSION_TYPE_CONFIG, COMPRESSION)
                // The producer checks the uncompressed record against this; deltas can be MBs.
                .set(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(Topics.MAX_RECORD_BYTES))
                .set(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(BUFFER_BYTES))
                .set(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    }

    /**
     * A consumer that starts at the earliest retained record (a coordinator rebuilds its state from
     * the topic; readers that want only new records seek to the end), commits only when told to,
     * and never creates topics by subscribing.
     */
    public static Builder consumer(String bootstrap, String clientId) {
        return new Builder(bootstrap, clientId)
                .set(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
                .set(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false")
                // No transactions today; if the coordinator ever publishes reports transactionally,
                // readers already skip aborted ones.
                .set(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .set(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false")
                // A record larger than these still comes through (the first batch always does);
                // they bound memory per poll.
                .set(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 * 1024 * 1024))
                .set(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(64 * 1024 * 1024))
                .set(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    }

    /** An admin client. */
    public static Builder admin(String bootstrap, String clientId) {
        return new Builder(bootstrap, clientId);
    }

    /** Mutable settings; {@link #properties()} and {@link #map()} return copies. */
    public static final class Builder {
        private final Map<String, String> settings = new LinkedHashMap<>();

        private Builder(String bootstrap, String clientId) {
            set(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            set(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        }

        /** Sets (or with {@code null}, removes) one client setting. */
        public Builder set(String key, Object value) {
            if (value == null) settings.remove(key);
            else settings.put(key, value.toString());
            return this;
        }

        /** The consumer group; members of one group share the partitions. */
        public Builder group(String groupId) {
            return set(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }

        public Builder setAll(Map<String, ?> more) {
            more.forEach(this::set);
            return this;
        }

        public String get(String key) {
            return settings.get(key);
        }

        public Properties properties() {
            var p = new Properties();
            p.putAll(settings);
            return p;
        }

        /** For pekko-connectors-kafka's {@code withProperties(java.util.Map<String, String>)}. */
        public Map<String, String> map() {
            return Map.copyOf(settings);
        }

        @Override
        public String toString() {
            return settings.toString();
        }
    }
}
