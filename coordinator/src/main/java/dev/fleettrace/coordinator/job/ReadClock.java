package dev.fleettrace.coordinator.job;

import java.util.function.LongSupplier;

/**
 * The coordinator's clock for deciding that something did not arrive: how far in time it has <em>read</em>
 * its topics, not the wall clock. A coordinator that reads behind (CPU starved, a GC pause, a burst of
 * large deltas ahead in the stream) would otherwise judge records still waiting in Kafka as missing:
 * agents whose heartbeats are stored but unread would be declared lost (and a job whose agents are all
 * lost stops), windows would close without hosts that shipped in time, and the stop timeout would end a
 * job before the last batches already written were read.
 *
 * <p>The coordinator writes its own heartbeat every interval and reads it back in the same stream as the
 * agents' records: when it reads its beat written at {@code T}, at wall time {@code R}, everything written
 * before {@code T} on that partition is read, and the read lag is {@code R - T}. {@link #now()} is the wall
 * clock minus the latest lag, and never more than 1.25 intervals past the latest beat read (a reader that
 * stalls sees no time pass; the quarter interval absorbs the beat timer's jitter). Both times are the
 * coordinator's own clock: no skew. Before its first beat is read back, no time has been read at all.
 *
 * <p>{@link #wall()} is the plain wall clock, for a coordinator whose beats do not come back to it (tests
 * that drive the actors directly). Thread-safe: the guardian advances it, every job reads it.
 */
public final class ReadClock {
    private final LongSupplier wall;
    private final boolean readBack;
    private final long intervalMs;
    private long beatMs = Long.MIN_VALUE;
    private long lagMs;

    private ReadClock(LongSupplier wall, boolean readBack, long intervalMs) {
        this.wall = wall;
        this.readBack = readBack;
        this.intervalMs = intervalMs;
    }

    /** A clock advanced by the coordinator's own heartbeats read back, written every {@code intervalMs}. */
    public static ReadClock readBack(long intervalMs) {
        return new ReadClock(System::currentTimeMillis, true, intervalMs);
    }

    /** The same with {@code wall} for the wall clock (tests). */
    public static ReadClock readBack(long intervalMs, LongSupplier wall) {
        return new ReadClock(wall, true, intervalMs);
    }

    public static ReadClock wall() {
        return new ReadClock(System::currentTimeMillis, false, 0);
    }

    /** The coordinator read its own beat, written at {@code writtenMs}. */
    public synchronized void ownBeatRead(long writtenMs) {
        if (writtenMs <= beatMs) return;
        beatMs = writtenMs;
        lagMs = Math.max(0, wall.getAsLong() - writtenMs);
    }

    /** The time up to which the topics are read (epoch ms); {@code Long.MIN_VALUE} before anything was. */
    public synchronized long now() {
        long w = wall.getAsLong();
        if (!readBack) return w;
        if (beatMs == Long.MIN_VALUE) return Long.MIN_VALUE;
        return Math.min(w - lagMs, beatMs + intervalMs + intervalMs / 4);
    }

    /** How long to wait before {@code atMs} may have been read: at least 10 ms, at most one interval (the next beat). */
    public long delayUntil(long atMs) {
        long n = now();
        long d = n == Long.MIN_VALUE ? Long.MAX_VALUE : atMs - n;
        return Math.clamp(d, 10, Math.max(10, readBack ? intervalMs : d));
    }
}
