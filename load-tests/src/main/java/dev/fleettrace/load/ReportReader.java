package dev.fleettrace.load;

import dev.fleettrace.schemas.Report;
import dev.fleettrace.schemas.ReportKind;
import dev.fleettrace.transport.AvroSerde;
import dev.fleettrace.transport.ClientSettings;
import dev.fleettrace.transport.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Follows the job's reports as any consumer of the reports topic does, noting when each arrived. */
final class ReportReader implements AutoCloseable {

    record Seen(Report report, long receivedMs) {}

    private final String job;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private final List<Seen> seen = new ArrayList<>();
    private volatile boolean closing;

    ReportReader(String bootstrap, Topics topics, String job) {
        this.job = job;
        consumer = new KafkaConsumer<>(ClientSettings.consumer(bootstrap, ClientSettings.clientId("cli", "load", "reports")).properties(),
                new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        for (PartitionInfo p : consumer.partitionsFor(topics.reports())) parts.add(new TopicPartition(p.topic(), p.partition()));
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        for (TopicPartition p : parts) consumer.position(p); // before the submit, as the CLI: no report is missed
        thread = Thread.ofPlatform().daemon().name("load-reports").start(this::read);
    }

    private void read() {
        AvroSerde<Report> serde = AvroSerde.reports();
        try {
            while (!closing) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                    if (!job.equals(r.key()) || r.value() == null) continue;
                    Report report = serde.deserialize(r.topic(), r.value());
                    long now = System.currentTimeMillis();
                    synchronized (this) {
                        seen.add(new Seen(report, now));
                        notifyAll();
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.InterruptException e) {
            // closing
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ZERO));
        }
    }

    synchronized List<Seen> all() {
        return List.copyOf(seen);
    }

    /** The first report that matches, waiting up to {@code timeoutMs}; null on timeout. */
    synchronized Seen await(Predicate<Report> p, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            for (Seen s : seen) if (p.test(s.report())) return s;
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) return null;
            wait(left);
        }
    }

    static Predicate<Report> kind(ReportKind... kinds) {
        return r -> List.of(kinds).contains(r.getKind());
    }

    @Override
    public void close() throws InterruptedException {
        closing = true;
        thread.join(2000);
    }
}
