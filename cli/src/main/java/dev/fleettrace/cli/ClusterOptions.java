package dev.fleettrace.cli;

import dev.fleettrace.transport.BrokerCheck;
import dev.fleettrace.transport.BrokerUnavailableException;
import dev.fleettrace.transport.Topics;
import picocli.CommandLine.Option;

/** What a daemon needs to join a cluster: the broker, the topic prefix; checked before anything starts. */
final class ClusterOptions {

    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT", description = "the Kafka cluster")
    String bootstrap;

    @Option(names = "--topic-prefix", defaultValue = "", description = "prefix of the topic names")
    String topicPrefix;

    /** Verifies the broker answers and the topics exist (creating missing ones), then returns the topics. */
    Topics join() {
        try {
            BrokerCheck.verify(bootstrap);
        } catch (BrokerUnavailableException e) {
            throw new UserError("fleettrace: " + e.getMessage());
        }
        Topics topics = Topics.defaults().withPrefix(topicPrefix);
        LocalFleet.ensureTopics(bootstrap, topics);
        return topics;
    }
}
