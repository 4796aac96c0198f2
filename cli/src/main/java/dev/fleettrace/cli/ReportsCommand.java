package dev.fleettrace.cli;

import dev.fleettrace.schemas.Report;
import dev.fleettrace.schemas.ReportKind;
import dev.fleettrace.transport.AvroSerde;
import dev.fleettrace.transport.ClientSettings;
import dev.fleettrace.transport.Topics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A consumer of the reports topic, as any Kafka consumer would read it: every fleet answer (interval
 * prints, END summaries, probe output, warnings) as bpftrace's text, its JSON, or the whole Avro record
 * in Avro's JSON encoding (schema: schemas/src/main/avro/Report.avsc).
 */
@Command(name = "reports", description = "print the fleet's answers from the reports topic of a Kafka cluster")
final class ReportsCommand implements Callable<Integer> {

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--job", paramLabel = "ID", description = "only this job's reports; stop after its END or ERROR")
    String job;

    @Option(names = "--from-beginning", description = "start with the oldest report the topic keeps (default: only new ones)")
    boolean fromBeginning;

    @Option(names = "-f", paramLabel = "FORMAT", defaultValue = "text", description = "text (bpftrace's), json (bpftrace -f json) or avro (every field, Avro JSON)")
    String format;

    @Override
    public Integer call() throws Exception {
        if (!List.of("text", "json", "avro").contains(format)) throw new UserError("fleettrace: unknown report format '" + format + "': use text, json or avro");
        Topics topics = cluster.join();
        AtomicBoolean stop = new AtomicBoolean();
        Signals.onInterrupt(() -> stop.set(true));
        AvroSerde<Report> serde = AvroSerde.reports();
        ReportPrinter printer = new ReportPrinter(System.out, format.equals("json"), false);
        SpecificDatumWriter<Report> writer = new SpecificDatumWriter<>(Report.class);
        try (var consumer = new KafkaConsumer<>(ClientSettings.consumer(cluster.bootstrap, ClientSettings.clientId("cli", LocalFleet.host(), "reports")).properties(),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topics.reports())) parts.add(new TopicPartition(p.topic(), p.partition()));
            consumer.assign(parts);
            if (fromBeginning) consumer.seekToBeginning(parts);
            else consumer.seekToEnd(parts);
            while (!stop.get()) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() == null || (job != null && !job.equals(r.key()))) continue;
                    Report report = serde.deserialize(r.topic(), r.value());
                    if (format.equals("avro")) {
                        System.out.println(avroJson(writer, report));
                        System.out.flush();
                    } else {
                        printer.print(report);
                    }
                    if (job != null && (report.getKind() == ReportKind.END || report.getKind() == ReportKind.ERROR)) return 0;
                }
            }
        }
        return 0;
    }

    /** The record in Avro's JSON encoding, on one line. */
    static String avroJson(SpecificDatumWriter<Report> writer, Report report) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        JsonEncoder encoder = EncoderFactory.get().jsonEncoder(Report.getClassSchema(), bytes);
        writer.write(report, encoder);
        encoder.flush();
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
