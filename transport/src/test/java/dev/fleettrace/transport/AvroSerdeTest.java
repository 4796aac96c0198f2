package dev.fleettrace.transport;

import dev.fleettrace.schemas.AgentRecord;
import dev.fleettrace.schemas.ControlMessage;
import dev.fleettrace.schemas.Heartbeat;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AvroSerdeTest {

    @Test
    void everyMessageKindRoundTripsWithoutKafka() {
        var control = AvroSerde.controlMessages();
        var agent = AvroSerde.agentRecords();
        for (ControlMessage m : List.of(Messages.submit("j"), Messages.start("j"), Messages.stop("j"))) {
            assertEquals(m, control.decode(control.encode(m)));
        }
        for (AgentRecord r : List.of(Messages.status("j", "a", 1), Messages.events("j", "a", 2),
                Messages.bigDelta("j", "a", 3, 1000))) {
            assertEquals(r, agent.decode(agent.encode(r)));
        }
        var hb = AvroSerde.heartbeats();
        assertEquals(Messages.heartbeat("m"), hb.decode(hb.encode(Messages.heartbeat("m"))));
        var reports = AvroSerde.reports();
        assertEquals(Messages.report("j", 4), reports.decode(reports.encode(Messages.report("j", 4))));
    }

    @Test
    void usesSingleObjectEncodingThatPlainAvroDecodes() throws Exception {
        byte[] bytes = AvroSerde.heartbeats().encode(Messages.heartbeat("m"));
        assertEquals((byte) 0xC3, bytes[0]);
        assertEquals((byte) 0x01, bytes[1]);
        // Any consumer holding the .avsc decodes it, generically, with no fleettrace code.
        var generic = new BinaryMessageDecoder<GenericRecord>(GenericData.get(), Heartbeat.getClassSchema());
        assertEquals("m", generic.decode(bytes).get("member").toString());
    }

    @Test
    void nullIsATombstoneBothWays() {
        var serde = AvroSerde.heartbeats();
        assertNull(serde.serialize("t", null));
        assertNull(serde.deserialize("t", (byte[]) null));
        assertNull(serde.deserialize("t", new RecordHeaders(), (ByteBuffer) null));
    }

    @Test
    void decodesInPlaceFromASliceOfALargerBuffer() {
        var serde = AvroSerde.controlMessages();
        byte[] bytes = serde.encode(Messages.submit("j"));
        byte[] padded = new byte[bytes.length + 20];
        System.arraycopy(bytes, 0, padded, 10, bytes.length);
        ByteBuffer slice = ByteBuffer.wrap(padded, 10, bytes.length).slice();
        assertEquals(Messages.submit("j"), serde.deserialize("t", new RecordHeaders(), slice));
        assertEquals(bytes.length, slice.remaining(), "the consumer's buffer is left as it was");

        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        assertEquals(Messages.submit("j"), serde.deserialize("t", new RecordHeaders(), direct));
    }

    @Test
    void decodeErrorsNameTheTopicAndTheCause() {
        var serde = AvroSerde.controlMessages();
        var garbage = assertThrows(SerializationException.class,
                () -> serde.deserialize("fleettrace.control", "hello, world".getBytes()));
        assertTrue(garbage.getMessage().contains("ControlMessage from topic fleettrace.control"), garbage.getMessage());
        assertTrue(garbage.getMessage().contains("not an Avro single-object encoded record"), garbage.getMessage());

        byte[] good = serde.encode(Messages.submit("j"));
        var truncated = assertThrows(SerializationException.class,
                () -> serde.deserialize("fleettrace.control", Arrays.copyOf(good, good.length - 5)));
        assertTrue(truncated.getMessage().startsWith("cannot decode a ControlMessage from topic fleettrace.control"),
                truncated.getMessage());

        // A heartbeat on the control topic: the fingerprint names a schema this decoder does not know.
        byte[] wrong = AvroSerde.heartbeats().encode(Messages.heartbeat("m"));
        var unknown = assertThrows(SerializationException.class, () -> serde.deserialize("fleettrace.control", wrong));
        assertTrue(unknown.getMessage().contains("from topic fleettrace.control"), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("schema this build does not know"), unknown.getMessage());
        assertTrue(!unknown.getMessage().contains("\n"));
    }

    @Test
    void resolvesRecordsWrittenWithAnOlderSchema() throws Exception {
        // An older Heartbeat without the fields that have defaults.
        Schema v0 = SchemaBuilder.record("Heartbeat").namespace("dev.fleettrace.schemas").fields()
                .requiredString("member")
                .name("role").type(Heartbeat.getClassSchema().getField("role").schema()).noDefault()
                .requiredLong("incarnation").requiredLong("timestampMs").requiredLong("intervalMs")
                .endRecord();
        var old = new GenericData.Record(v0);
        old.put("member", "old-agent");
        old.put("role", new GenericData.EnumSymbol(v0.getField("role").schema(), "AGENT"));
        old.put("incarnation", 1L);
        old.put("timestampMs", 2L);
        old.put("intervalMs", 3L);
        byte[] bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v0).encode(old).array();

        Heartbeat hb = new AvroSerde<>(Heartbeat.class, v0).decode(bytes);
        assertEquals("old-agent", hb.getMember());
        assertEquals(List.of(), hb.getJobs());
        assertEquals("", hb.getKernel());
    }

    @Test
    void worksWhenAvroTrustsNoApplicationClass() {
        var saved = ClassSecurityValidator.getGlobal();
        byte[] bytes = AvroSerde.controlMessages().encode(Messages.submit("j"));
        try {
            // What a JVM without -Dorg.apache.avro.SERIALIZABLE_PACKAGES sees.
            ClassSecurityValidator.setGlobal(ClassSecurityValidator.DEFAULT_TRUSTED_CLASSES);
            var plain = new BinaryMessageDecoder<ControlMessage>(new SpecificData(), ControlMessage.getClassSchema());
            Throwable t = assertThrows(Throwable.class, () -> plain.decode(bytes));
            assertTrue(causes(t, SecurityException.class), "plain Avro should refuse the class: " + t);

            assertEquals(Messages.submit("j"), AvroSerde.controlMessages().decode(bytes));
            var big = Messages.bigDelta("j", "a", 1, 2000);
            var agents = AvroSerde.agentRecords();
            assertEquals(big, agents.decode(agents.encode(big)));

            SchemaTrust.install();
            SchemaTrust.install();
            // Builders fill enum defaults through the same class lookup (it throws without trust; not
            // asserted here since Avro caches a default once any builder has computed it).
            assertEquals(dev.fleettrace.schemas.OutputFormat.TEXT, dev.fleettrace.schemas.JobSubmit.newBuilder()
                    .setSource("x").setSourceName("stdin").build().getFormat());
            var again = new BinaryMessageDecoder<ControlMessage>(new SpecificData(), ControlMessage.getClassSchema());
            assertEquals(Messages.submit("j"), again.decode(bytes));
            assertTrue(ClassSecurityValidator.getGlobal().isTrusted(String.class), "the defaults stay trusted");
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            ClassSecurityValidator.setGlobal(saved);
        }
    }

    @Test
    void encodedBytesAreStable() {
        var serde = AvroSerde.heartbeats();
        assertArrayEquals(serde.encode(Messages.heartbeat("m")), serde.encode(Messages.heartbeat("m")));
    }

    private static boolean causes(Throwable t, Class<? extends Throwable> type) {
        for (; t != null; t = t.getCause()) if (type.isInstance(t)) return true;
        return false;
    }
}
