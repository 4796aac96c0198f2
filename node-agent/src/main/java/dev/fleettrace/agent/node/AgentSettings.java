package dev.fleettrace.agent.node;

import dev.fleettrace.compiler.CompileOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How agents run jobs and talk to Kafka. {@link #defaults()} is what a deployment uses; tests shorten the
 * intervals.
 *
 * @param heartbeatInterval  how often each agent writes a Heartbeat (the protocol says 1 s)
 * @param defaultFlushMs     flush interval when a JobSubmit carries none (flushIntervalMs &le; 0)
 * @param mapMaxEntries      capacity of each hash map (bpftrace's default 4096)
 * @param ringbufBytes       size of each job's ring buffer for printf and other events
 * @param readerAwait        how long the ring buffer thread waits in epoll before it checks for a stop
 * @param readerLinger       pause after a batch of events, so a burst travels as one record, not thousands
 * @param maxBatchEvents     most events in one EventBatch
 * @param stopTimeout        how long a graceful stop waits for the runners' final records
 * @param kafkaTimeout       admin calls at start-up (topic check, end offsets)
 * @param version            fleettrace's version, announced in heartbeats
 * @param kernelRelease      {@code uname -r}, announced in heartbeats
 * @param observer           told which kernel objects each job loaded (tests, diagnostics)
 */
public record AgentSettings(Duration heartbeatInterval, long defaultFlushMs, int mapMaxEntries, int ringbufBytes,
                            Duration readerAwait, Duration readerLinger, int maxBatchEvents, Duration stopTimeout,
                            Duration kafkaTimeout, String version, String kernelRelease, KernelObserver observer) {

    public AgentSettings {
        Objects.requireNonNull(observer, "observer");
        if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) throw new IllegalArgumentException("heartbeat interval must be positive");
        if (defaultFlushMs <= 0) throw new IllegalArgumentException("flush interval must be positive");
        if (maxBatchEvents < 1) throw new IllegalArgumentException("a batch holds at least one event");
        // Fails here, at start-up, rather than on every job.
        new CompileOptions(java.util.List.of(), false, "check", mapMaxEntries, ringbufBytes);
    }

    public static AgentSettings defaults() {
        CompileOptions c = CompileOptions.defaults();
        String version = AgentSettings.class.getPackage().getImplementationVersion();
        return new AgentSettings(Duration.ofSeconds(1), 1000, c.mapMaxEntries(), c.ringbufBytes(),
                Duration.ofMillis(100), Duration.ofMillis(10), 4096, Duration.ofSeconds(10), Duration.ofSeconds(30),
                version == null ? "" : version, kernelReleaseOfThisHost(), KernelObserver.NONE);
    }

    public AgentSettings withHeartbeatInterval(Duration d) {
        return new AgentSettings(d, defaultFlushMs, mapMaxEntries, ringbufBytes, readerAwait, readerLinger, maxBatchEvents,
                stopTimeout, kafkaTimeout, version, kernelRelease, observer);
    }

    public AgentSettings withDefaultFlushMs(long ms) {
        return new AgentSettings(heartbeatInterval, ms, mapMaxEntries, ringbufBytes, readerAwait, readerLinger, maxBatchEvents,
                stopTimeout, kafkaTimeout, version, kernelRelease, observer);
    }

    public AgentSettings withLimits(int maxEntries, int ringBytes) {
        return new AgentSettings(heartbeatInterval, defaultFlushMs, maxEntries, ringBytes, readerAwait, readerLinger, maxBatchEvents,
                stopTimeout, kafkaTimeout, version, kernelRelease, observer);
    }

    public AgentSettings withReader(Duration await, Duration linger, int maxEvents) {
        return new AgentSettings(heartbeatInterval, defaultFlushMs, mapMaxEntries, ringbufBytes, await, linger, maxEvents,
                stopTimeout, kafkaTimeout, version, kernelRelease, observer);
    }

    public AgentSettings withStopTimeout(Duration d) {
        return new AgentSettings(heartbeatInterval, defaultFlushMs, mapMaxEntries, ringbufBytes, readerAwait, readerLinger, maxBatchEvents,
                d, kafkaTimeout, version, kernelRelease, observer);
    }

    public AgentSettings withKafkaTimeout(Duration d) {
        return new AgentSettings(heartbeatInterval, defaultFlushMs, mapMaxEntries, ringbufBytes, readerAwait, readerLinger, maxBatchEvents,
                stopTimeout, d, version, kernelRelease, observer);
    }

    public AgentSettings withVersion(String v) {
        return new AgentSettings(heartbeatInterval, defaultFlushMs, mapMaxEntries, ringbufBytes, readerAwait, readerLinger, maxBatchEvents,
                stopTimeout, kafkaTimeout, v, kernelRelease, observer);
    }

    public AgentSettings withObserver(KernelObserver o) {
        return new AgentSettings(heartbeatInterval, defaultFlushMs, mapMaxEntries, ringbufBytes, readerAwait, readerLinger, maxBatchEvents,
                stopTimeout, kafkaTimeout, version, kernelRelease, o);
    }

    /** {@code uname -r}: the kernel's release string, or "" where /proc is unreadable. */
    public static String kernelReleaseOfThisHost() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
