package dev.fleettrace.load;

import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.schemas.ControlMessage;
import dev.fleettrace.schemas.JobStart;
import dev.fleettrace.schemas.JobStop;
import dev.fleettrace.schemas.JobSubmit;
import dev.fleettrace.schemas.OutputFormat;
import dev.fleettrace.schemas.Report;
import dev.fleettrace.schemas.ReportKind;
import dev.fleettrace.schemas.StopReason;
import dev.fleettrace.transport.AvroSerde;
import dev.fleettrace.transport.ClientSettings;
import dev.fleettrace.transport.EmbeddedKafka;
import dev.fleettrace.transport.Records;
import dev.fleettrace.transport.SchemaTrust;
import dev.fleettrace.transport.Topics;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The load runner: a broker (embedded KRaft, or {@code --bootstrap}), the real coordinator service in a
 * JVM of its own, N simulated agents, one job submitted as the CLI submits it; then the figures: merge
 * throughput, latency from a window's end to its INTERVAL report, bytes per delta, the coordinator's heap,
 * windows closed late or without hosts, and whether the END summary is exactly what the agents sent.
 *
 * <pre>load-tests/run --agents 100 --keys 1000 --seconds 30</pre>
 */
public final class LoadRun {

    /** What to run; see {@link #usage()}. */
    public record Options(int agents, int keys, double touch, int seconds, long windowMs, List<Workload.Kind> maps, Workload.Print print,
                          long graceMs, String bootstrap, int threads, List<String> coordinatorJvm) {

        public static Options defaults() {
            return new Options(50, 1000, 1.0, 30, 1000, List.of(Workload.Kind.values()), Workload.Print.FIRST, 500, null, 2, List.of());
        }

        public Options withSize(int agents, int keys, int seconds, long windowMs) {
            return new Options(agents, keys, touch, seconds, windowMs, maps, print, graceMs, bootstrap, threads, coordinatorJvm);
        }

        static Options parse(String[] args) {
            Options o = defaults();
            int agents = o.agents, keys = o.keys, seconds = o.seconds, threads = o.threads;
            double touch = o.touch;
            long window = o.windowMs, grace = o.graceMs;
            List<Workload.Kind> maps = o.maps;
            Workload.Print print = o.print;
            String bootstrap = null;
            List<String> jvm = List.of();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("-h") || a.equals("--help")) throw new Usage(null);
                if (i + 1 >= args.length) throw new Usage(a + " needs a value");
                String v = args[++i];
                try {
                    switch (a) {
                        case "--agents" -> agents = Integer.parseInt(v);
                        case "--keys" -> keys = Integer.parseInt(v);
                        case "--touch" -> touch = Double.parseDouble(v);
                        case "--seconds" -> seconds = Integer.parseInt(v);
                        case "--window-ms" -> window = Long.parseLong(v);
                        case "--maps" -> maps = Workload.Kind.parse(v);
                        case "--print" -> print = Workload.Print.valueOf(v.toUpperCase(Locale.ROOT));
                        case "--grace" -> grace = Long.parseLong(v);
                        case "--bootstrap" -> bootstrap = v;
                        case "--threads" -> threads = Integer.parseInt(v);
                        case "--coordinator-jvm" -> jvm = Arrays.stream(v.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
                        default -> throw new Usage("unknown option " + a);
                    }
                } catch (IllegalArgumentException e) {
                    throw new Usage(a + " " + v + ": " + e.getMessage());
                }
            }
            if (agents < 1 || seconds < 1 || threads < 1) throw new Usage("--agents, --seconds and --threads must be at least 1");
            return new Options(agents, keys, touch, seconds, window, maps, print, grace, bootstrap, threads, jvm);
        }
    }

    static final class Usage extends RuntimeException {
        Usage(String message) {
            super(message);
        }
    }

    static String usage() {
        return """
                usage: load-tests/run [options]
                  --agents N          simulated agents (hosts), each its own identity (50)
                  --keys K            distinct keys per map (1000)
                  --touch F           fraction of the keys each agent updates per window, 0..1 (1)
                  --seconds S         how long the job runs (30)
                  --window-ms W       the interval probe's period: the job's window (1000)
                  --maps LIST         map kinds, one map each: count,sum,hist,lhist,stats,min,max (all)
                  --print first|all|none   what the interval block prints (first: the first map)
                  --grace MS          the coordinator's --window-grace (500)
                  --bootstrap H:P     an external Kafka cluster (default: an embedded KRaft broker)
                  --threads T         threads the simulated agents share (2)
                  --coordinator-jvm "OPTS"   extra JVM options for the coordinator, e.g. "-Xmx512m"
                """;
    }

    /** Every figure of one run. */
    public record Result(Options options, long windowMs, long windowsDue, List<Long> intervalWindows, int windowsWithMissingHosts,
                         int windowsPastGrace, int agentsLost, long[] madeLatencyMs, long[] receivedLatencyMs, long batches, long keyUpdates,
                         long avroBytes, long wireBytes, long spanMs, long coordinatorCpuNanos, long heapIdleBytes, long heapLiveBytes,
                         List<String> differences, List<String> endMissingHosts, long sendErrors, long lateFlushes, String endStderr,
                         int missingHostWindows, int missingButStoredInTime, long maxBeatGapMs, String firstWarning,
                         long[] coordinatorLatencyMs) {

        public boolean exact() {
            return differences.isEmpty() && endMissingHosts.isEmpty();
        }

        /** Windows 1..windowsDue each got its INTERVAL report, and no other window did. */
        public boolean everyWindowReported() {
            List<Long> want = new ArrayList<>();
            for (long w = 1; w <= windowsDue; w++) want.add(w);
            return intervalWindows.equals(want);
        }
    }

    public static void main(String[] args) throws Exception {
        SchemaTrust.install();
        Options o;
        try {
            o = Options.parse(args);
        } catch (Usage u) {
            if (u.getMessage() != null) System.err.println("load-tests: " + u.getMessage());
            System.err.print(usage());
            System.exit(u.getMessage() == null ? 0 : 2);
            return;
        }
        Result r;
        try {
            r = run(o, System.err);
        } catch (IllegalStateException failed) {
            // The run could not go on (no attach, the job failed): what happened, not a stack trace.
            System.err.println("load-tests: " + failed.getMessage());
            System.exit(1);
            return;
        }
        print(r, System.out);
        System.exit(r.exact() && r.everyWindowReported() ? 0 : 1);
    }

    public static Result run(Options o, PrintStream progress) throws Exception {
        Workload workload = new Workload(o.keys(), o.touch(), o.windowMs(), o.maps(), o.print());
        List<MapSchema> schemas = workload.schemas();
        String job = "load-" + UUID.randomUUID().toString().substring(0, 8);
        EmbeddedKafka broker = null;
        try {
            String bootstrap = o.bootstrap();
            if (bootstrap == null) {
                progress.println("load-tests: starting an embedded broker...");
                broker = new EmbeddedKafka().start();
                bootstrap = broker.bootstrapServers();
            }
            // Topics of this run only, so an external cluster's other users are undisturbed.
            Topics topics = Topics.defaults().withPrefix(job + ".");
            try (Admin admin = Admin.create(ClientSettings.admin(bootstrap, ClientSettings.clientId("cli", "load", "admin")).properties())) {
                Topics.ensureTopics(admin, topics, Duration.ofSeconds(30));
            }
            progress.println("load-tests: starting the coordinator (fleettrace coordinator)...");
            try (CoordinatorProcess coordinator = CoordinatorProcess.start(bootstrap, topics.prefix(), o.graceMs(), o.coordinatorJvm())) {
                long heapIdle = coordinator.heapAfterGc();
                Expected expected = new Expected(schemas, o.keys());
                try (ReportReader reports = new ReportReader(bootstrap, topics, job);
                     SimFleet fleet = new SimFleet(bootstrap, topics, job, o.agents(), workload, schemas, expected, o.threads())) {
                    return drive(o, workload, job, bootstrap, topics, coordinator, reports, fleet, expected, heapIdle, progress);
                } catch (Exception | AssertionError e) {
                    progress.println("load-tests: the coordinator's output:\n" + coordinator.output());
                    throw e;
                }
            }
        } finally {
            if (broker != null) broker.close();
        }
    }

    private static Result drive(Options o, Workload workload, String job, String bootstrap, Topics topics, CoordinatorProcess coordinator,
                                ReportReader reports, SimFleet fleet, Expected expected, long heapIdle, PrintStream progress) throws Exception {
        try (var producer = new KafkaProducer<>(ClientSettings.producer(bootstrap, ClientSettings.clientId("cli", "load", "control")).properties(),
                new StringSerializer(), new ByteArraySerializer())) {
            progress.printf("load-tests: job %s: %d agents, %d keys, %s, window %d ms, %d s%n", job, o.agents(), o.keys(),
                    String.join(",", o.maps().stream().map(k -> k.name().toLowerCase(Locale.ROOT)).toList()), o.windowMs(), o.seconds());
            // As the CLI submits it: the attach barrier is every simulated agent.
            send(producer, topics, job, JobSubmit.newBuilder()
                    .setSource(workload.source()).setSourceName("load.bt").setParams(List.of()).setFormat(OutputFormat.TEXT)
                    .setExpectedAgents(o.agents()).setFlushIntervalMs(o.windowMs()).setUnsafe(false)
                    .setSubmitter(System.getProperty("user.name") + "@load-tests").setPid(0).build());
            ReportReader.Seen attached = reports.await(ReportReader.kind(ReportKind.ATTACHED, ReportKind.ERROR), 60_000);
            if (attached == null) throw new IllegalStateException("no ATTACHED report within 60 s");
            if (attached.report().getKind() == ReportKind.ERROR) throw new IllegalStateException("the job failed: " + attached.report().getStderr());
            JobStart start = fleet.started().get(30, TimeUnit.SECONDS);
            long cpu0 = coordinator.cpuNanos();
            long runnerCpu0 = processCpu();
            long w = start.getWindowMs();
            progress.printf("load-tests: attached; windows of %d ms from %d%n", w, start.getOriginMs());

            // Run; then, right after a window's report came (so the GC's pause delays no tick), the heap.
            long endAt = start.getOriginMs() + o.seconds() * 1000L;
            Thread.sleep(Math.max(0, endAt - System.currentTimeMillis()));
            long lastEnded = Math.floorDiv(System.currentTimeMillis() - start.getOriginMs(), w);
            reports.await(r -> r.getKind() == ReportKind.INTERVAL && r.getWindow() >= lastEnded, w + o.graceMs() + 5000);
            long heapLive = coordinator.heapAfterGc();
            // Stop in the middle of a window, as far as possible from a window's end.
            long now = System.currentTimeMillis();
            long stopAt = start.getOriginMs() + Math.floorDiv(now - start.getOriginMs(), w) * w + w / 2;
            if (stopAt < now + 5) stopAt += w;
            Thread.sleep(Math.max(0, stopAt - System.currentTimeMillis()));
            long stopMs = send(producer, topics, job, JobStop.newBuilder().setReason(StopReason.INTERRUPTED).setDetail("interrupted").build());
            ReportReader.Seen end = reports.await(ReportReader.kind(ReportKind.END, ReportKind.ERROR), 60_000);
            if (end == null) throw new IllegalStateException("no END report within 60 s of the stop");
            long cpu = coordinator.cpuNanos() - cpu0;
            fleet.detached().get(10, TimeUnit.SECONDS);
            Report e = end.report();
            if (e.getKind() == ReportKind.ERROR) throw new IllegalStateException("the job failed: " + e.getStderr());
            progress.printf("load-tests: END after %d ms; simulated agents and broker used %.1f CPU-s%n", end.receivedMs() - stopMs,
                    (processCpu() - runnerCpu0) / 1e9);

            // Windows that ended before the stop tick; the others' data is in END.
            long due = Math.floorDiv(stopMs - start.getOriginMs(), w);
            List<Long> windows = new ArrayList<>();
            List<Long> made = new ArrayList<>();
            List<Long> received = new ArrayList<>();
            List<Long> coordinatorPart = new ArrayList<>();
            int missing = 0, pastGrace = 0, lost = 0, missingInTime = 0, missingHosts = 0;
            for (ReportReader.Seen s : reports.all()) {
                Report r = s.report();
                if (r.getKind() == ReportKind.WARNING && r.getWindow() == 0) lost += r.getMissingHosts().size();
                if (r.getKind() == ReportKind.WARNING && r.getWindow() > 0) missing++;
                if (r.getKind() != ReportKind.INTERVAL) continue;
                windows.add(r.getWindow());
                made.add(r.getTimestampMs() - r.getWindowEndMs());
                received.add(s.receivedMs() - r.getWindowEndMs());
                if (!r.getMissingHosts().isEmpty()) missing++;
                Long complete = r.getMissingHosts().isEmpty() ? fleet.completeAt(r.getWindow()) : null;
                if (complete != null) coordinatorPart.add(r.getTimestampMs() - Math.max(complete, r.getWindowEndMs()));
                // A host named missing whose batch the broker had stored before the deadline: the coordinator was behind.
                for (String h : r.getMissingHosts()) {
                    missingHosts++;
                    Long at = fleet.storedAt(h, r.getWindow());
                    if (at != null && at <= r.getWindowEndMs() + o.graceMs()) missingInTime++;
                }
                if (r.getTimestampMs() - r.getWindowEndMs() > o.graceMs()) pastGrace++;
            }
            return new Result(o, w, due, windows, missing, pastGrace, lost, sorted(made), sorted(received), fleet.batches.get(),
                    fleet.entries.get(), fleet.avroBytes.get(), fleet.wireBytes.get(), end.receivedMs() - fleet.firstBatchMs.get(), cpu,
                    heapIdle, heapLive, expected.differences(e, 20), List.copyOf(e.getMissingHosts()), fleet.sendErrors.get(),
                    fleet.lateFlushes.get(), e.getStderr(), missingHosts, missingInTime, fleet.maxBeatGapMs.get(), firstWarning(reports), sorted(coordinatorPart));
        }
    }

    private static String firstWarning(ReportReader reports) {
        return reports.all().stream().map(ReportReader.Seen::report).filter(r -> r.getKind() == ReportKind.WARNING).findFirst()
                .map(r -> r.getStderr().strip()).orElse("");
    }

    private static long send(KafkaProducer<String, byte[]> producer, Topics topics, String job, Object body) throws Exception {
        long now = System.currentTimeMillis();
        ControlMessage m = ControlMessage.newBuilder().setJob(job).setTimestampMs(now).setBody(body).build();
        ProducerRecord<String, ControlMessage> r = Records.control(topics, m);
        producer.send(new ProducerRecord<>(r.topic(), null, r.timestamp(), r.key(), AvroSerde.controlMessages().serialize(r.topic(), m)))
                .get(10, TimeUnit.SECONDS);
        return now;
    }

    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static String loadAverage() {
        try {
            String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "unknown";
        }
    }

    private static long[] sorted(List<Long> v) {
        return v.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) return -1;
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.clamp(i, 0, sorted.length - 1)];
    }

    static void print(Result r, PrintStream out) {
        Options o = r.options();
        double secs = r.spanMs() / 1000.0;
        double cpu = r.coordinatorCpuNanos() / 1e9;
        out.printf(Locale.ROOT, "fleettrace load: %d agents, %d keys x %d maps (%s), touch %.2f, window %d ms, %d s, %s broker%n",
                o.agents(), o.keys(), o.maps().size(), String.join(",", o.maps().stream().map(k -> k.name().toLowerCase(Locale.ROOT)).toList()),
                o.touch(), r.windowMs(), o.seconds(), o.bootstrap() == null ? "embedded" : o.bootstrap());
        out.printf(Locale.ROOT, "  machine   %d cores, load average %s at the end (everything on this machine, not only this run)%n",
                Runtime.getRuntime().availableProcessors(), loadAverage());
        out.printf(Locale.ROOT, "  merge     %,d delta batches (%,.0f/s), %,d key updates (%,.0f/s) absorbed, first batch to END%n",
                r.batches(), r.batches() / secs, r.keyUpdates(), r.keyUpdates() / secs);
        out.printf(Locale.ROOT, "            coordinator CPU %.1f s: %,.0f key updates per CPU-second%n", cpu, cpu > 0 ? r.keyUpdates() / cpu : 0);
        out.printf(Locale.ROOT, "  latency   window end to INTERVAL report (ms): made p50 %d  p90 %d  p99 %d  max %d; received p50 %d  p99 %d  max %d%n",
                percentile(r.madeLatencyMs(), 50), percentile(r.madeLatencyMs(), 90), percentile(r.madeLatencyMs(), 99), percentile(r.madeLatencyMs(), 100),
                percentile(r.receivedLatencyMs(), 50), percentile(r.receivedLatencyMs(), 99), percentile(r.receivedLatencyMs(), 100));
        if (r.coordinatorLatencyMs().length > 0) {
            out.printf(Locale.ROOT, "            the coordinator's part (every host's batch stored to report made, windows closed complete): p50 %d  p90 %d  p99 %d  max %d%n",
                    percentile(r.coordinatorLatencyMs(), 50), percentile(r.coordinatorLatencyMs(), 90), percentile(r.coordinatorLatencyMs(), 99),
                    percentile(r.coordinatorLatencyMs(), 100));
        }
        long b = Math.max(1, r.batches());
        long k = Math.max(1, r.keyUpdates());
        out.printf(Locale.ROOT, "  bytes     per delta batch: %,d Avro, %,d on the wire (lz4); per key update: %.1f Avro, %.1f on the wire%n",
                r.avroBytes() / b, r.wireBytes() / b, (double) r.avroBytes() / k, (double) r.wireBytes() / k);
        out.printf(Locale.ROOT, "  heap      coordinator after GC: %.1f MB idle, %.1f MB holding the job%n", r.heapIdleBytes() / 1048576.0,
                r.heapLiveBytes() / 1048576.0);
        out.printf(Locale.ROOT, "  windows   %d due, %d INTERVAL reports%s, %d closed with hosts missing, %d reported later than the grace (%d ms), %d agents lost%s%n",
                r.windowsDue(), r.intervalWindows().size(), r.everyWindowReported() ? " (every one)" : " (NOT windows 1.." + r.windowsDue() + ": " + r.intervalWindows() + ")",
                r.windowsWithMissingHosts(), r.windowsPastGrace(), o.graceMs(), r.agentsLost(),
                r.lateFlushes() > 0 ? ", " + r.lateFlushes() + " agent flushes fell behind" : "");
        if (r.agentsLost() > 0) {
            out.printf("            longest gap between two stored heartbeats of an agent: %d ms; first warning: %s%n", r.maxBeatGapMs(),
                    r.firstWarning().lines().findFirst().orElse(""));
        }
        if (r.missingHostWindows() > 0) {
            out.printf("            of %d hosts named missing from a window, %d had their batch stored by the broker before the deadline%n",
                    r.missingHostWindows(), r.missingButStoredInTime());
        }
        if (r.sendErrors() > 0) out.printf("  errors    %d records the simulated agents could not send%n", r.sendErrors());
        if (r.exact()) {
            out.println("  END       EXACT: every map and key equals the sum of what the agents sent");
        } else {
            out.println("  END       DIFFERENT from what the agents sent:");
            if (!r.endMissingHosts().isEmpty()) out.println("            missing hosts " + new TreeSet<>(r.endMissingHosts()) + ": " + r.endStderr().strip());
            for (String d : r.differences()) out.println("            " + d);
        }
    }
}
