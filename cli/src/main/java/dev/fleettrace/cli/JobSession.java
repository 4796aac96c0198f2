package dev.fleettrace.cli;

import dev.fleettrace.schemas.ControlMessage;
import dev.fleettrace.schemas.JobStop;
import dev.fleettrace.schemas.JobSubmit;
import dev.fleettrace.schemas.OutputFormat;
import dev.fleettrace.schemas.Report;
import dev.fleettrace.schemas.StopReason;
import dev.fleettrace.transport.AvroSerde;
import dev.fleettrace.transport.ClientSettings;
import dev.fleettrace.transport.Records;
import dev.fleettrace.transport.Topics;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One job seen from the user's terminal: submit it, print its reports as they come, start {@code -c}
 * once every agent attached, and turn the command's exit or Ctrl-C into a stop for the whole fleet.
 * Returns the exit status: the END report's, 1 after an error.
 */
final class JobSession {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(JobSession.class);

    record Settings(String bootstrap, Topics topics, ProgramInput program, boolean json, String command, int expectedAgents,
                    long flushIntervalMs, boolean unsafe, Duration attachTimeout, boolean hostPrefix, String jobId, int pid) {}

    private final Settings s;
    private final String job;
    private final AtomicInteger interrupts = new AtomicInteger();
    private final ReportPrinter printer;

    JobSession(Settings settings) {
        this.s = settings;
        this.job = settings.jobId() != null ? settings.jobId() : UUID.randomUUID().toString();
        this.printer = new ReportPrinter(System.out, settings.json(), settings.hostPrefix());
    }

    /** Counts Ctrl-C (and SIGTERM): the first stops the job gracefully, a second one gives up waiting. */
    void interrupt() {
        interrupts.incrementAndGet();
    }

    int run() throws IOException, InterruptedException {
        var reports = new KafkaConsumer<>(ClientSettings.consumer(s.bootstrap(), ClientSettings.clientId("cli", LocalFleet.host(), "reports")).properties(),
                new StringDeserializer(), new ByteArrayDeserializer());
        var producer = new KafkaProducer<>(ClientSettings.producer(s.bootstrap(), ClientSettings.clientId("cli", LocalFleet.host(), "control")).properties(),
                new StringSerializer(), new ByteArraySerializer());
        try {
            // Position on the reports before submitting, so that no report of this job can be missed.
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo p : reports.partitionsFor(s.topics().reports())) parts.add(new TopicPartition(p.topic(), p.partition()));
            reports.assign(parts);
            reports.seekToEnd(parts);
            for (TopicPartition p : parts) reports.position(p);

            send(producer, JobSubmit.newBuilder()
                    .setSource(s.program().source().text())
                    .setSourceName(s.program().source().name())
                    .setParams(s.program().params())
                    .setFormat(s.json() ? OutputFormat.JSON : OutputFormat.TEXT)
                    .setExpectedAgents(s.expectedAgents())
                    .setFlushIntervalMs(s.flushIntervalMs())
                    .setUnsafe(s.unsafe())
                    .setPid(s.pid())
                    .setSubmitter(System.getProperty("user.name") + "@" + LocalFleet.host())
                    .build());

            log.info("job {} submitted", job);
            AvroSerde<Report> serde = AvroSerde.reports();
            Process child = null;
            boolean stopSent = false;
            long deadline = System.nanoTime() + s.attachTimeout().toNanos() + TimeUnit.SECONDS.toNanos(10);
            boolean attached = false;
            while (true) {
                for (ConsumerRecord<String, byte[]> r : reports.poll(Duration.ofMillis(50))) {
                    if (!job.equals(r.key()) || r.value() == null) continue;
                    Report report = serde.deserialize(r.topic(), r.value());
                    log.info("report {} {}", report.getSeq(), report.getKind());
                    printer.print(report);
                    switch (report.getKind()) {
                        case ATTACHED -> {
                            attached = true;
                            if (s.command() != null && child == null && !stopSent) child = startCommand();
                        }
                        case END, ERROR -> {
                            printer.finish();
                            // As bpftrace: a job that ends (exit(), an error) takes its -c command with it.
                            if (child != null && child.isAlive()) child.destroy();
                            return report.getExitCode();
                        }
                        default -> {}
                    }
                }
                if (!stopSent && child != null && !child.isAlive()) {
                    send(producer, stop(StopReason.COMMAND_EXITED, "command exited with status " + child.exitValue()));
                    stopSent = true;
                }
                int n = interrupts.get();
                if (n > 0 && !stopSent) {
                    send(producer, stop(StopReason.INTERRUPTED, "interrupted"));
                    stopSent = true;
                    if (child != null) child.destroy();
                }
                if (n > 1) {
                    System.err.println("fleettrace: interrupted again: not waiting for the final summary");
                    return 130;
                }
                if (!attached && System.nanoTime() > deadline) {
                    throw new UserError("fleettrace: no coordinator answered for job " + job + " within " + (s.attachTimeout().toSeconds() + 10)
                            + " s: check that a coordinator runs against " + s.bootstrap() + " (fleettrace coordinator --bootstrap " + s.bootstrap() + ")");
                }
            }
        } finally {
            // Every message this session wrote was acknowledged when sent: closing need not wait.
            producer.close(Duration.ZERO);
            reports.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ZERO));
        }
    }

    private Process startCommand() {
        try {
            return new ProcessBuilder(CommandLine.split(s.command())).inheritIO().start();
        } catch (IOException e) {
            throw new UserError("fleettrace: cannot run -c '" + s.command() + "': " + e.getMessage());
        }
    }

    private JobStop stop(StopReason reason, String detail) {
        return JobStop.newBuilder().setReason(reason).setDetail(detail).build();
    }

    private void send(KafkaProducer<String, byte[]> producer, Object body) {
        ControlMessage m = ControlMessage.newBuilder().setJob(job).setTimestampMs(System.currentTimeMillis()).setBody(body).build();
        ProducerRecord<String, ControlMessage> r = Records.control(s.topics(), m);
        try {
            producer.send(new ProducerRecord<>(r.topic(), null, r.timestamp(), r.key(), AvroSerde.controlMessages().serialize(r.topic(), m)))
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new UserError("fleettrace: cannot write to the control topic at " + s.bootstrap() + ": " + rootMessage(e));
        }
    }

    static String rootMessage(Throwable e) {
        while (e.getCause() != null) e = e.getCause();
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
