package dev.fleettrace.transport;

import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.AggKind;
import dev.fleettrace.schemas.ControlMessage;
import dev.fleettrace.schemas.DeltaBatch;
import dev.fleettrace.schemas.DeltaEntry;
import dev.fleettrace.schemas.EventBatch;
import dev.fleettrace.schemas.EventKind;
import dev.fleettrace.schemas.FieldKind;
import dev.fleettrace.schemas.Heartbeat;
import dev.fleettrace.schemas.JobState;
import dev.fleettrace.schemas.JobStatus;
import dev.fleettrace.schemas.JobStop;
import dev.fleettrace.schemas.JobSubmit;
import dev.fleettrace.schemas.MapDelta;
import dev.fleettrace.schemas.MapReport;
import dev.fleettrace.schemas.MapRow;
import dev.fleettrace.schemas.MapSchemaRecord;
import dev.fleettrace.schemas.OutputFormat;
import dev.fleettrace.schemas.ProbeEvent;
import dev.fleettrace.schemas.Report;
import dev.fleettrace.schemas.ReportKind;
import dev.fleettrace.schemas.Role;
import dev.fleettrace.schemas.StopReason;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Sample messages of every kind. Built with the all-fields constructors, not builders: builders
 * fill defaults through Avro's class lookup, which needs the class-trust flag this module's code
 * must work without.
 */
final class Messages {

    static final long T = 1_790_000_000_000L;
    private static final String[] COMMS = {"bash", "sshd", "systemd", "java", "postgres", "nginx", "kworker/0:1",
            "containerd", "kubelet", "python3", "node", "redis-server", "chronyd", "journald", "cron", "bpfwl"};

    private Messages() {
    }

    static ControlMessage submit(String job) {
        return new ControlMessage(job, T, new JobSubmit(
                "tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }", "stdin",
                List.of("1", "two"), OutputFormat.JSON, 3, 500L, false, "alice@laptop", 0));
    }

    static ControlMessage start(String job) {
        return new ControlMessage(job, T + 1, new dev.fleettrace.schemas.JobStart(T, 250L));
    }

    static ControlMessage stop(String job) {
        return new ControlMessage(job, T + 1, new JobStop(StopReason.INTERRUPTED, "^C"));
    }

    static MapSchemaRecord countMap() {
        return new MapSchemaRecord("@", AggKind.COUNT, List.of(FieldKind.INT, FieldKind.STRING), FieldKind.UINT, 0L, 0L, 0L);
    }

    static MapSchemaRecord histMap() {
        return new MapSchemaRecord("@h", AggKind.HIST, List.of(FieldKind.STRING), FieldKind.INT, 0L, 0L, 0L);
    }

    static AgentRecord status(String job, String agent, long seq) {
        return new AgentRecord(job, agent, 7L, seq, T + seq,
                new JobStatus(JobState.ATTACHED, 2, List.of(countMap(), histMap()), ""));
    }

    static AgentRecord events(String job, String agent, long seq) {
        return new AgentRecord(job, agent, 7L, seq, T + seq, new EventBatch(List.of(
                new ProbeEvent(EventKind.PRINTF, false, "pid 42 opened /etc/passwd\n", null, "", ByteBuffer.wrap(new byte[0]), 0L, 0L),
                new ProbeEvent(EventKind.PRINT, true, "", null, "@", ByteBuffer.wrap(new byte[0]), 10L, 1L),
                new ProbeEvent(EventKind.VALUE, false, "", -3L, "", ByteBuffer.wrap(new byte[0]), 0L, 0L),
                new ProbeEvent(EventKind.DELETE, false, "", null, "@m", ByteBuffer.wrap(new byte[] {0, 3, 'a', 'b', 'c'}), 0L, 0L),
                new ProbeEvent(EventKind.EXIT, false, "", null, "", ByteBuffer.wrap(new byte[0]), 0L, 0L))));
    }

    /** A small delta whose one entry carries {@code seq}, for ordering checks. */
    static AgentRecord smallDelta(String job, String agent, long seq) {
        var e = new DeltaEntry(key(seq, "bash"), List.of(seq), null, false);
        return new AgentRecord(job, agent, 7L, seq, T + seq,
                new DeltaBatch(seq, false, List.of(new MapDelta("@", List.of(e)))));
    }

    /**
     * A delta like one flush of {@code @[pid, comm] = count(); @h[comm] = hist(...)}: nine in ten
     * entries are (pid, comm) counts, one in ten a 32-bucket histogram with a few buckets set.
     */
    static AgentRecord bigDelta(String job, String agent, long seq, int entries) {
        return bigDelta(job, agent, seq, entries, 42);
    }

    static AgentRecord bigDelta(String job, String agent, long seq, int entries, long seed) {
        var rnd = new Random(seed);
        int hists = entries / 10;
        var counts = new ArrayList<DeltaEntry>(entries - hists);
        for (int i = 0; i < entries - hists; i++) {
            long pid = 1 + rnd.nextInt(4_000_000);
            long count = 1 + (long) (-Math.log(1 - rnd.nextDouble()) * 20);
            counts.add(new DeltaEntry(key(pid, COMMS[rnd.nextInt(COMMS.length)] + (i % 500)), List.of(count), null, false));
        }
        var hist = new ArrayList<DeltaEntry>(hists);
        for (int i = 0; i < hists; i++) {
            var buckets = new ArrayList<Long>(32);
            for (int b = 0; b < 32; b++) buckets.add(rnd.nextInt(4) == 0 ? (long) rnd.nextInt(1000) : 0L);
            hist.add(new DeltaEntry(strKey(COMMS[i % COMMS.length] + "-" + i), buckets, null, false));
        }
        return new AgentRecord(job, agent, 7L, seq, T + seq, new DeltaBatch(seq, seq % 2 == 0,
                List.of(new MapDelta("@", counts), new MapDelta("@h", hist))));
    }

    /** Canonical key: 8-byte big-endian integer, then 2-byte length + bytes. */
    static ByteBuffer key(long n, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + 2 + b.length).putLong(n).putShort((short) b.length).put(b).flip();
    }

    static ByteBuffer strKey(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + b.length).putShort((short) b.length).put(b).flip();
    }

    static Heartbeat heartbeat(String member) {
        return new Heartbeat(member, Role.AGENT, 7L, T, 1000L, List.of("job-1", "job-2"), "0.1.0", "6.18.0");
    }

    static Report report(String job, long seq) {
        var rows = List.of(
                new MapRow(List.<Object>of(42L, "bash"), null, List.of(17L), null),
                new MapRow(List.<Object>of(7L, "sshd"), "host-a", List.of(3L), "text value"));
        return new Report(job, seq, T + seq, ReportKind.INTERVAL, 3L, T + 3, List.of("host-a", "host-b"), List.of("host-c"), 2,
                java.nio.ByteBuffer.wrap("@[42, bash]: 17\n@[7, sshd]: 3\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)), "{\"type\": \"map\"}\n", "1 host missing\n",
                List.of(new MapReport(countMap(), rows)), 0, List.of(new dev.fleettrace.schemas.AppliedCursor("host-a", 7L, 12L)));
    }
}
