package dev.fleettrace.transport;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaLoggingTest {

    @Test
    void theShippedIncludeQuietsKafkaInALogbackConfiguration() throws Exception {
        assertNotNull(getClass().getClassLoader().getResource(KafkaLogging.LOGBACK_INCLUDE));
        // A separate context: the test JVM's own logging stays as it is.
        var context = new LoggerContext();
        var configurator = new JoranConfigurator();
        configurator.setContext(context);
        String xml = """
                <configuration>
                  <include resource="%s"/>
                  <root level="INFO"/>
                </configuration>
                """.formatted(KafkaLogging.LOGBACK_INCLUDE);
        configurator.doConfigure(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));

        assertEquals(Level.ERROR, context.getLogger("org.apache.kafka.controller.QuorumController").getEffectiveLevel());
        assertEquals(Level.ERROR, context.getLogger("kafka.server.BrokerServer").getEffectiveLevel());
        assertEquals(Level.ERROR, context.getLogger("state.change.logger").getEffectiveLevel());
        assertEquals(Level.OFF, context.getLogger("org.apache.kafka.clients.NetworkClient").getEffectiveLevel());
        assertEquals(Level.INFO, context.getLogger("dev.fleettrace.cli").getEffectiveLevel(), "other loggers untouched");
        assertTrue(context.getStatusManager().getCopyOfStatusList().stream().noneMatch(s -> s.getLevel() >= 2),
                "logback reported errors: " + context.getStatusManager().getCopyOfStatusList());
        context.stop();
    }
}
