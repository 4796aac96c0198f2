package dev.fleettrace.coordinator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.plan.AggKind;
import dev.fleettrace.plan.CanonicalKey;
import dev.fleettrace.plan.FieldKind;
import dev.fleettrace.plan.MapSchema;
import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.DeltaBatch;
import dev.fleettrace.schemas.DeltaEntry;
import dev.fleettrace.schemas.JobState;
import dev.fleettrace.schemas.JobStatus;
import dev.fleettrace.schemas.JobStop;
import dev.fleettrace.schemas.JobSubmit;
import dev.fleettrace.schemas.MapDelta;
import dev.fleettrace.schemas.Report;
import dev.fleettrace.schemas.ReportKind;
import dev.fleettrace.schemas.StopReason;
import dev.fleettrace.transport.SchemaCodec;
import dev.fleettrace.transport.SchemaTrust;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Plain-value maps in a fleet: host-local values print keyed by host once several hosts hold them;
 * END and interval blocks read a value the hosts agree on, refuse one they disagree on (naming them),
 * and their own writes become the fleet's single value of that key.
 */
class PlainValuesTest {

    static final MapSchema I = MapSchema.of("@i", AggKind.VALUE, List.of(), FieldKind.INT);
    static final MapSchema V = MapSchema.of("@v", AggKind.VALUE, List.of(FieldKind.INT), FieldKind.INT);

    @BeforeAll
    static void trust() {
        SchemaTrust.install();
    }

    private final List<FleetJob.Effect> effects = new ArrayList<>();

    /** Agent {@code name}: attached, then one window setting {@code @i = i} and {@code @v[1] = v}. */
    private static List<AgentRecord> agent(String name, long i, long v) {
        List<AgentRecord> out = new ArrayList<>();
        out.add(record(name, 1, JobStatus.newBuilder().setState(JobState.ATTACHED).setProbes(1)
                .setMaps(List.of(SchemaCodec.toRecord(I), SchemaCodec.toRecord(V))).setError("").build()));
        out.add(record(name, 2, DeltaBatch.newBuilder().setWindow(0).setLast(false).setMaps(List.of(
                MapDelta.newBuilder().setMap("@i").setEntries(List.of(entry(CanonicalKey.EMPTY, i))).build(),
                MapDelta.newBuilder().setMap("@v").setEntries(List.of(entry(CanonicalKey.of(1L), v))).build())).build()));
        return out;
    }

    private static AgentRecord record(String agent, long seq, Object body) {
        return AgentRecord.newBuilder().setJob("j").setAgent(agent).setIncarnation(1).setSeq(seq).setTimestampMs(0).setBody(body).build();
    }

    private static DeltaEntry entry(byte[] key, long value) {
        return DeltaEntry.newBuilder().setKey(ByteBuffer.wrap(key)).setValues(List.of(value)).build();
    }

    private List<Report> run(String source, long... values) {
        FleetJob job = new FleetJob("j", JobSubmit.newBuilder().setSource(source).setSourceName("stdin").build(), values.length, () -> 0L);
        for (int h = 0; h < values.length; h++) for (AgentRecord r : agent("host-" + (h + 1), values[h], 10L * (h + 1))) effects.addAll(job.onRecord(r));
        effects.addAll(job.onStop(JobStop.newBuilder().setReason(StopReason.COMMAND_EXITED).setDetail("").build(), 0));
        for (int h = 0; h < values.length; h++) {
            effects.addAll(job.onRecord(record("host-" + (h + 1), 3, DeltaBatch.newBuilder().setWindow(1).setLast(true).setMaps(List.of()).build())));
        }
        List<Report> out = new ArrayList<>();
        for (FleetJob.Effect e : effects) if (e instanceof FleetJob.Effect.Publish(Report r)) out.add(r);
        return out;
    }

    @Test
    void oneHostPrintsAsBpftraceSeveralHostsAreKeyedByHost() {
        Report one = run("tracepoint:syscalls:sys_enter_getppid { @i = 1; @v[1] = 2; }", 5).getLast();
        assertEquals("\n\n@i: 5\n@v[1]: 10\n", FleetJobTest.text(one));
        effects.clear();
        Report two = run("tracepoint:syscalls:sys_enter_getppid { @i = 1; @v[1] = 2; }", 5, 5).getLast();
        assertEquals("\n\n@i[host-1]: 5\n@i[host-2]: 5\n@v[host-1, 1]: 10\n@v[host-2, 1]: 20\n", FleetJobTest.text(two));
        assertEquals("\n\n{\"type\": \"map\", \"data\": {\"@i\": {\"host-1\": 5, \"host-2\": 5}}}\n"
                + "{\"type\": \"map\", \"data\": {\"@v\": {\"host-1,1\": 10, \"host-2,1\": 20}}}\n", two.getJson());
        // In the structured rows the host has a field of its own, never a key part.
        var rows = two.getMaps().get(1).getRows();
        assertEquals(List.of("host-1", "host-2"), rows.stream().map(r -> r.getHost()).toList());
        assertEquals(List.<Object>of(1L), rows.getFirst().getKey());
    }

    @Test
    void endReadsAValueTheHostsAgreeOnAndItsWriteIsTheFleetsOneValue() {
        Report end = run("BEGIN { @i = 0; } tracepoint:syscalls:sys_enter_getppid { @v[1] = 2; } END { @i = @i + 1; printf(\"i=%d\\n\", @i); }", 7, 7, 7)
                .getLast();
        assertEquals(ReportKind.END, end.getKind());
        assertEquals("", end.getStderr());
        assertTrue(FleetJobTest.text(end).startsWith("i=8\n\n\n@i: 8\n"), FleetJobTest.text(end));
    }

    @Test
    void endRefusesAValueTheHostsDisagreeOnNamingThem() {
        Report end = run("tracepoint:syscalls:sys_enter_getppid { @i = 1; @v[1] = 2; } END { printf(\"v=%d\\n\", @v[1]); }", 1, 1).getLast();
        assertTrue(end.getStderr().contains("@v holds different values on 2 hosts (host-1, host-2); it has no single fleet-wide value"), end.getStderr());
        assertTrue(FleetJobTest.text(end).contains("@v[host-1, 1]: 10\n@v[host-2, 1]: 20\n"), "the summary still prints: " + FleetJobTest.text(end));
    }
}
