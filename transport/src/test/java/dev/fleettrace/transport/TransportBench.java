package dev.fleettrace.transport;

import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.Heartbeat;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.apache.kafka.common.utils.internals.ByteBufferOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Figures for the transport: serde throughput, compression codecs on a delta-like payload, and
 * the embedded broker's start and stop. Not part of the normal test run:
 *
 * <pre>
 * mvn -q -B -o -pl transport test -Dtest=TransportBench -Dfleettrace.bench=true
 * </pre>
 *
 * Results go to stderr (target/surefire-reports/dev.fleettrace.transport.TransportBench-output.txt).
 */
@EnabledIfSystemProperty(named = "fleettrace.bench", matches = "true")
class TransportBench {

    private static final int ENTRIES = 100_000;

    @Test
    void serdeThroughput() {
        var serde = AvroSerde.agentRecords();
        AgentRecord delta = Messages.bigDelta("job", "host", 1, ENTRIES);
        byte[] bytes = serde.encode(delta);
        for (int i = 0; i < 10; i++) serde.decode(serde.encode(delta)); // warm-up

        // Median of single operations: a decode allocates ~25 MB, so GC pauses land on a few of them.
        int n = 31;
        long[] encs = new long[n];
        long[] decs = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            serde.encode(delta);
            encs[i] = System.nanoTime() - t0;
            t0 = System.nanoTime();
            serde.decode(bytes);
            decs[i] = System.nanoTime() - t0;
        }
        java.util.Arrays.sort(encs);
        java.util.Arrays.sort(decs);
        long enc = encs[n / 2];
        long dec = decs[n / 2];
        report("serde, 100k-entry DeltaBatch (%d bytes), median of %d: encode %.1f ms (%.1f M entries/s, %.0f MB/s), decode %.1f ms (%.1f M entries/s, %.0f MB/s); decode p90 %.1f ms",
                bytes.length, n, enc / 1e6, ENTRIES / (enc / 1e9) / 1e6, bytes.length / (enc / 1e9) / 1e6,
                dec / 1e6, ENTRIES / (dec / 1e9) / 1e6, bytes.length / (dec / 1e9) / 1e6, decs[n * 9 / 10] / 1e6);
        var hb = AvroSerde.heartbeats();
        Heartbeat beat = Messages.heartbeat("host-17");
        byte[] hbBytes = hb.encode(beat);
        for (int i = 0; i < 200_000; i++) hb.decode(hb.encode(beat));
        int m = 1_000_000;
        long t0 = System.nanoTime();
        for (int i = 0; i < m; i++) hb.encode(beat);
        long hbEnc = System.nanoTime() - t0;
        t0 = System.nanoTime();
        for (int i = 0; i < m; i++) hb.decode(hbBytes);
        long hbDec = System.nanoTime() - t0;
        report("serde, Heartbeat (%d bytes): encode %.2f M/s, decode %.2f M/s", hbBytes.length, m / (hbEnc / 1e9) / 1e6,
                m / (hbDec / 1e9) / 1e6);
    }

    @Test
    void compressionCodecs() throws Exception {
        var serde = AvroSerde.agentRecords();
        var payloads = new ArrayList<byte[]>();
        for (int i = 0; i < 5; i++) payloads.add(serde.encode(Messages.bigDelta("job", "host-" + i, i, ENTRIES, 42 + i)));
        long raw = payloads.stream().mapToLong(b -> b.length).sum();

        // The codec alone, one thread: what each costs the agent producing and the coordinator consuming.
        for (String codec : List.of("none", "lz4", "zstd", "snappy", "gzip")) {
            Compression c = Compression.of(codec).build();
            for (int i = 0; i < 5; i++) for (byte[] p : payloads) decompress(c, compress(c, p));
            int rounds = 6;
            long compressed = 0;
            long tc = 0;
            long td = 0;
            for (int r = 0; r < rounds; r++) {
                for (byte[] p : payloads) {
                    long t0 = System.nanoTime();
                    ByteBuffer z = compress(c, p);
                    tc += System.nanoTime() - t0;
                    compressed += z.remaining();
                    t0 = System.nanoTime();
                    decompress(c, z);
                    td += System.nanoTime() - t0;
                }
            }
            report("codec %-6s ratio %.2f  compress %4.0f MB/s (%5.1f ms per 100k-entry delta)  decompress %4.0f MB/s",
                    codec, (double) raw * rounds / compressed, raw * rounds / (tc / 1e3),
                    tc / 1e6 / (rounds * payloads.size()), raw * rounds / (td / 1e3));
        }

        // Through the embedded broker: producer, broker and consumer share the 2 cores, as in embedded mode.
        try (var kafka = new EmbeddedKafka().start();
             var admin = Admin.create(ClientSettings.admin(kafka.bootstrapServers(), "bench").properties())) {
            for (String codec : List.of("none", "lz4", "zstd")) {
                String topic = "bench-" + codec;
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1)
                        .configs(Map.of("max.message.bytes", String.valueOf(Topics.MAX_RECORD_BYTES))))).all().get();
                int records = 40;
                var props = ClientSettings.producer(kafka.bootstrapServers(), "bench-" + codec)
                        .set("compression.type", codec).properties();
                long cpu0 = cpu();
                long t0 = System.nanoTime();
                try (var p = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
                    for (int i = 0; i < records; i++) p.send(new ProducerRecord<>(topic, "job/host-" + (i % 5), payloads.get(i % 5)));
                    p.flush();
                }
                long produceNs = System.nanoTime() - t0;
                long produceCpu = cpu() - cpu0;
                long stored = admin.describeLogDirs(List.of(1)).allDescriptions().get().get(1).values().stream()
                        .flatMap(d -> d.replicaInfos().entrySet().stream())
                        .filter(e -> e.getKey().topic().equals(topic)).mapToLong(e -> e.getValue().size()).sum();

                var cprops = ClientSettings.consumer(kafka.bootstrapServers(), "bench-read-" + codec).properties();
                cpu0 = cpu();
                t0 = System.nanoTime();
                int got = 0;
                try (var consumer = new KafkaConsumer<>(cprops, new StringDeserializer(), new ByteArrayDeserializer())) {
                    var tp = new TopicPartition(topic, 0);
                    consumer.assign(List.of(tp));
                    consumer.seekToBeginning(List.of(tp));
                    while (got < records) got += consumer.poll(Duration.ofMillis(500)).count();
                }
                long consumeNs = System.nanoTime() - t0;
                long consumeCpu = cpu() - cpu0;
                double mb = records * (raw / 5.0) / 1e6;
                report("broker %-5s %d deltas (%.0f MB): produce %5.0f ms (%4.0f MB/s, cpu %5.0f ms)  stored %5.1f MB  consume %5.0f ms (cpu %5.0f ms)",
                        codec, records, mb, produceNs / 1e6, mb / (produceNs / 1e9), produceCpu / 1e6, stored / 1e6,
                        consumeNs / 1e6, consumeCpu / 1e6);
            }
        }
    }

    @Test
    void embeddedBrokerStartAndStop() {
        var starts = new ArrayList<Long>();
        var stops = new ArrayList<Long>();
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            var kafka = new EmbeddedKafka().start();
            long t1 = System.nanoTime();
            kafka.close();
            long t2 = System.nanoTime();
            starts.add((t1 - t0) / 1_000_000);
            stops.add((t2 - t1) / 1_000_000);
        }
        report("embedded broker in one JVM: start %s ms, stop %s ms (the first start includes class loading)", starts, stops);
    }

    @Test
    void embeddedBrokerColdStartInAFreshJvm() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        var times = new ArrayList<String>();
        for (int i = 0; i < 3; i++) {
            var p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                    "-cp", System.getProperty("java.class.path"), ColdStart.class.getName())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            out.lines().filter(l -> l.startsWith("COLD ")).forEach(l -> times.add(l.substring(5)));
        }
        report("embedded broker in a fresh JVM (start includes loading Kafka's classes): %s", times);
    }

    /** Starts and stops one broker in a new JVM: what `fleettrace -e` pays on every run. */
    static final class ColdStart {
        public static void main(String[] args) {
            long t0 = System.nanoTime();
            var kafka = new EmbeddedKafka().start();
            long t1 = System.nanoTime();
            kafka.close();
            long t2 = System.nanoTime();
            System.out.printf("COLD start %d ms, close %d ms%n", (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
        }
    }

    private static ByteBuffer compress(Compression c, byte[] p) throws Exception {
        var out = new ByteBufferOutputStream(p.length / 2 + 64);
        try (OutputStream os = c.wrapForOutput(out, RecordBatch.CURRENT_MAGIC_VALUE)) {
            os.write(p);
        }
        return out.buffer().flip();
    }

    private static long decompress(Compression c, ByteBuffer z) throws Exception {
        long n = 0;
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = c.wrapForInput(z.duplicate(), RecordBatch.CURRENT_MAGIC_VALUE, BufferSupplier.NO_CACHING)) {
            for (int r; (r = in.read(buf)) > 0; ) n += r;
        }
        return n;
    }

    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void report(String format, Object... args) {
        System.err.println("BENCH " + String.format(java.util.Locale.ROOT, format, args));
    }
}
