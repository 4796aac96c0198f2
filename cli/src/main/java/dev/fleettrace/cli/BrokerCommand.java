package dev.fleettrace.cli;

import dev.fleettrace.transport.EmbeddedKafka;
import dev.fleettrace.transport.Topics;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** A single-node Kafka broker for trying cluster mode on one machine: {@code fleettrace broker --port 9092}. */
@Command(name = "broker", description = "run a single-node Kafka broker (KRaft) on 127.0.0.1, for trying cluster mode on one machine")
final class BrokerCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "9092", description = "port to listen on (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--topic-prefix", defaultValue = "", description = "prefix of the topic names")
    String topicPrefix;

    @Override
    public Integer call() throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onInterrupt(stop::countDown);
        try (EmbeddedKafka broker = new EmbeddedKafka(Map.of(), port).start()) {
            LocalFleet.ensureTopics(broker.bootstrapServers(), Topics.defaults().withPrefix(topicPrefix));
            System.err.println("fleettrace: Kafka broker listening on " + broker.bootstrapServers() + " (Ctrl-C stops it)");
            stop.await();
        } catch (IllegalStateException e) {
            throw new UserError("fleettrace: cannot start a broker on port " + port + ": " + JobSession.rootMessage(e));
        }
        return 0;
    }
}
