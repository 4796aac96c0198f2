package dev.fleettrace.coordinator.node;

import dev.fleettrace.coordinator.job.FleetJob;
import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.ControlMessage;
import dev.fleettrace.schemas.JobStart;
import dev.fleettrace.schemas.JobStop;
import dev.fleettrace.schemas.JobSubmit;
import dev.fleettrace.schemas.Report;
import dev.fleettrace.schemas.ReportKind;
import dev.fleettrace.transport.AvroSerde;
import dev.fleettrace.transport.ClientSettings;
import dev.fleettrace.transport.Offsets;
import dev.fleettrace.transport.Records;
import dev.fleettrace.transport.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a starting coordinator reads back from the topics to take over the jobs that were running: every
 * job submitted on the control topic without an END or ERROR report is rebuilt from its windows and
 * stops (control), its published reports and its agents' records (deltas). The end offsets it read up to
 * are where the live stream starts, so no message is missed or read twice.
 */
final class Recovery {
    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    /** Records are stamped by their writers' clocks: read from a little before the submit. */
    private static final long SKEW_MS = 60_000;

    record Job(String job, JobSubmit submit, FleetJob.History history) {}

    /** The jobs to rebuild, and where the live stream of control and deltas starts. */
    record Found(List<Job> jobs, Map<TopicPartition, Long> liveStart) {}

    private Recovery() {}

    /** Nothing to take over: the live stream starts at the current end of control and deltas. */
    static Found none(String bootstrap, Topics topics, String id) {
        try (Admin admin = Admin.create(ClientSettings.admin(bootstrap, ClientSettings.clientId("coordinator", id, "admin")).properties())) {
            return new Found(List.of(), Offsets.end(admin, List.of(topics.control(), topics.deltas()), Duration.ofSeconds(10)));
        }
    }

    static Found read(String bootstrap, Topics topics, String id, Duration timeout) {
        Map<TopicPartition, Long> end;
        Map<TopicPartition, Long> controlFrom;
        try (Admin admin = Admin.create(ClientSettings.admin(bootstrap, ClientSettings.clientId("coordinator", id, "recovery")).properties())) {
            end = Offsets.end(admin, List.of(topics.control(), topics.deltas(), topics.reports()), timeout);
            controlFrom = Offsets.beginning(admin, List.of(topics.control()), timeout);
            Map<TopicPartition, Long> liveStart = new LinkedHashMap<>();
            end.forEach((tp, o) -> {
                if (!tp.topic().equals(topics.reports())) liveStart.put(tp, o);
            });

            try (var consumer = new KafkaConsumer<>(ClientSettings.consumer(bootstrap, ClientSettings.clientId("coordinator", id, "recovery")).properties(),
                    new StringDeserializer(), new ByteArrayDeserializer())) {
                // Jobs submitted, with their windows and stops.
                AvroSerde<ControlMessage> control = AvroSerde.controlMessages();
                Map<String, ControlMessage> submits = new LinkedHashMap<>();
                Map<String, JobStart> starts = new LinkedHashMap<>();
                Map<String, List<ControlMessage>> stops = new LinkedHashMap<>();
                read(consumer, controlFrom, end, timeout, r -> {
                    ControlMessage m = control.deserialize(r.topic(), r.value());
                    switch (m.getBody()) {
                        case JobSubmit s -> submits.putIfAbsent(m.getJob(), m);
                        case JobStart s -> starts.putIfAbsent(m.getJob(), s);
                        case JobStop s -> stops.computeIfAbsent(m.getJob(), k -> new ArrayList<>()).add(m);
                        default -> {}
                    }
                });
                if (submits.isEmpty()) return new Found(List.of(), liveStart);

                // Their reports: a job with an END or ERROR is over.
                long since = submits.values().stream().mapToLong(ControlMessage::getTimestampMs).min().orElseThrow() - SKEW_MS;
                AvroSerde<Report> reports = AvroSerde.reports();
                Map<String, List<Report>> published = new LinkedHashMap<>();
                Set<String> over = new HashSet<>();
                read(consumer, Offsets.since(admin, List.of(topics.reports()), since, timeout), end, timeout, r -> {
                    if (!submits.containsKey(r.key())) return;
                    Report rep = reports.deserialize(r.topic(), r.value());
                    published.computeIfAbsent(rep.getJob(), k -> new ArrayList<>()).add(rep);
                    if (rep.getKind() == ReportKind.END || rep.getKind() == ReportKind.ERROR) over.add(rep.getJob());
                });
                submits.keySet().removeAll(over);
                if (submits.isEmpty()) return new Found(List.of(), liveStart);

                // Their agents' records.
                long from = submits.values().stream().mapToLong(ControlMessage::getTimestampMs).min().orElseThrow() - SKEW_MS;
                AvroSerde<AgentRecord> agents = AvroSerde.agentRecords();
                Map<String, List<AgentRecord>> records = new LinkedHashMap<>();
                read(consumer, Offsets.since(admin, List.of(topics.deltas()), from, timeout), end, timeout, r -> {
                    if (r.key() == null || !submits.containsKey(Records.DeltaKey.parse(r.key()).job())) return;
                    AgentRecord rec = agents.deserialize(r.topic(), r.value());
                    records.computeIfAbsent(rec.getJob(), k -> new ArrayList<>()).add(rec);
                });

                List<Job> jobs = new ArrayList<>();
                submits.forEach((job, m) -> jobs.add(new Job(job, (JobSubmit) m.getBody(), new FleetJob.History(Optional.ofNullable(starts.get(job)),
                        stops.getOrDefault(job, List.of()), published.getOrDefault(job, List.of()), records.getOrDefault(job, List.of())))));
                for (Job j : jobs) log.info("taking over job {}: {} reports, {} agent records", j.job(), j.history().reports().size(), j.history().records().size());
                return new Found(jobs, liveStart);
            }
        }
    }

    /** Reads {@code from} (inclusive) up to {@code end} (exclusive) of the partitions in {@code from}. */
    private static void read(KafkaConsumer<String, byte[]> consumer, Map<TopicPartition, Long> from, Map<TopicPartition, Long> end, Duration timeout,
                             Consumer<ConsumerRecord<String, byte[]>> each) {
        List<TopicPartition> parts = new ArrayList<>();
        from.forEach((tp, o) -> {
            if (o < end.getOrDefault(tp, 0L)) parts.add(tp);
        });
        consumer.assign(parts);
        for (TopicPartition tp : parts) consumer.seek(tp, from.get(tp));
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<TopicPartition> open = new HashSet<>(parts);
        while (!open.isEmpty()) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("reading back " + open + " took longer than " + timeout.toMillis() + " ms");
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                if (r.offset() >= end.get(tp) || r.value() == null) continue;
                try {
                    each.accept(r);
                } catch (RuntimeException e) {
                    log.warn("skipping a record of {} that does not decode: {}", r.topic(), e.getMessage());
                }
            }
            open.removeIf(tp -> consumer.position(tp) >= end.get(tp));
        }
        consumer.assign(List.of());
    }
}
