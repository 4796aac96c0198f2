package dev.fleettrace.agent.node;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Incarnations: the wall-clock time of a start in milliseconds, made strictly increasing within the
 * process, so agents started twice in one JVM (tests, a restarted embedded pipeline) never share one and
 * a restarted process (later clock) gets a new one.
 */
public final class Incarnation {
    private static final AtomicLong LAST = new AtomicLong();

    private Incarnation() {}

    public static long next() {
        long now = System.currentTimeMillis();
        return LAST.updateAndGet(prev -> Math.max(prev + 1, now));
    }
}
