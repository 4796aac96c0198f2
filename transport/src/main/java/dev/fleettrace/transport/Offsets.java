package dev.fleettrace.transport;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * Where readers start. Agents and coordinators read their topics by manual assignment, not in a
 * consumer group (each must see every message), starting at offsets looked up here: once they are
 * known, every message written afterwards will be read, which is what "ready" means for a reader.
 */
public final class Offsets {
    private Offsets() {}

    /** The end of every partition of {@code topics}: a reader starting here sees only what comes next. */
    public static Map<TopicPartition, Long> end(Admin admin, Collection<String> topics, Duration timeout) {
        return list(admin, topics, OffsetSpec.latest(), timeout);
    }

    /** The start of every partition of {@code topics}: a reader starting here sees all that is retained. */
    public static Map<TopicPartition, Long> beginning(Admin admin, Collection<String> topics, Duration timeout) {
        return list(admin, topics, OffsetSpec.earliest(), timeout);
    }

    /**
     * Per partition of {@code topics}, the first offset whose record time is at or after
     * {@code timestampMs} (records carry their message's own time, see {@link Records}); the end where no
     * record is that recent.
     */
    public static Map<TopicPartition, Long> since(Admin admin, Collection<String> topics, long timestampMs, Duration timeout) {
        Map<TopicPartition, Long> at = list(admin, topics, OffsetSpec.forTimestamp(timestampMs), timeout);
        Map<TopicPartition, Long> end = end(admin, topics, timeout);
        Map<TopicPartition, Long> out = new HashMap<>();
        at.forEach((tp, o) -> out.put(tp, o < 0 ? end.get(tp) : o));
        return out;
    }

    private static Map<TopicPartition, Long> list(Admin admin, Collection<String> topics, OffsetSpec spec, Duration timeout) {
        try {
            Map<String, TopicDescription> desc = admin.describeTopics(topics).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Map<TopicPartition, OffsetSpec> req = new HashMap<>();
            for (TopicDescription d : desc.values()) for (TopicPartitionInfo p : d.partitions()) req.put(new TopicPartition(d.name(), p.partition()), spec);
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> res = admin.listOffsets(req).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Map<TopicPartition, Long> out = new HashMap<>();
            res.forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot look up the offsets of " + topics + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("looking up the offsets of " + topics + " took longer than " + timeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
