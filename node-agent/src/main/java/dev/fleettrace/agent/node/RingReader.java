package dev.fleettrace.agent.node;

import dev.fleettrace.agent.sys.RingBuffer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that empties one job's ring buffer: waits in epoll, copies what the kernel committed and hands
 * the copies over in batches, in the order the kernel reserved the records. It only copies: decoding and
 * formatting (several microseconds an event while the JIT is cold) happen on the receiving side, so the
 * kernel's buffer is freed as fast as possible and a burst waits in the heap instead of overflowing it.
 *
 * <p>Batches go to {@code batches} from this thread only, then {@code done} is called once, last, also from
 * this thread: whoever receives both through one mailbox sees every batch before the end.
 * {@link #finish()} asks it to drain what is left and end (used once the probes are detached);
 * {@link #close()} also waits for it, so the ring buffer can be unmapped safely afterwards.
 */
final class RingReader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RingReader.class);

    private final RingBuffer ring;
    private final Consumer<List<byte[]>> batches;
    private final Consumer<Optional<Throwable>> done;
    private final int awaitMs;
    private final long lingerMs;
    private final int maxBatch;
    private final Thread thread;
    private volatile boolean finishing;

    RingReader(String name, RingBuffer ring, AgentSettings settings, Consumer<List<byte[]>> batches, Consumer<Optional<Throwable>> done) {
        this.ring = ring;
        this.batches = batches;
        this.done = done;
        this.awaitMs = (int) Math.max(1, settings.readerAwait().toMillis());
        this.lingerMs = Math.max(0, settings.readerLinger().toMillis());
        this.maxBatch = settings.maxBatchEvents();
        this.thread = Thread.ofPlatform().daemon().name(name).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /** Asks the thread to drain everything committed so far and end; returns at once. */
    void finish() {
        finishing = true;
    }

    /** Finishes and waits for the thread to end (bounded: it re-checks the flag every await). */
    @Override
    public void close() {
        finish();
        if (Thread.currentThread() == thread) return;
        try {
            long waitMs = awaitMs + lingerMs + TimeUnit.SECONDS.toMillis(5);
            if (!thread.join(Duration.ofMillis(waitMs))) log.warn("{} did not end within {} ms", thread.getName(), waitMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        Optional<Throwable> failure = Optional.empty();
        try {
            while (!finishing) {
                if (!ring.await(awaitMs)) continue;
                int drained = drain();
                // A trickle: pause so the next events travel together, bounding the batches (Kafka
                // records) to about 1000 / linger a second while the kernel keeps the events in the
                // ring. A flood fills whole batches by itself, and pausing would let the ring overflow.
                if (drained < maxBatch && lingerMs > 0 && !finishing) Thread.sleep(lingerMs);
            }
            drain();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failure = Optional.of(t);
        } finally {
            done.accept(failure);
        }
    }

    /** Hands over everything committed now, in batches of at most {@code maxBatch}; returns the number of records. */
    private int drain() {
        List<byte[]> batch = new ArrayList<>();
        int total = 0;
        while (true) {
            int n = ring.consume(maxBatch - batch.size(), record -> batch.add(copy(record)));
            total += n;
            if (batch.size() >= maxBatch) {
                batches.accept(List.copyOf(batch));
                batch.clear();
            } else if (n == 0) {
                break;
            }
        }
        if (!batch.isEmpty()) batches.accept(List.copyOf(batch));
        return total;
    }

    private static byte[] copy(ByteBuffer record) {
        byte[] b = new byte[record.remaining()];
        record.get(b);
        return b;
    }
}
