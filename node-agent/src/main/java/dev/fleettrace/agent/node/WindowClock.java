package dev.fleettrace.agent.node;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Fires the flushes at the ends of the jobs' windows. Pekko's scheduler ticks every 50 ms here (an idle
 * agent wakes less), too coarse for windows of 100 ms; one daemon thread keeps them to a millisecond and
 * sleeps when no job runs. The task only tells an actor: the flush itself runs on the actor's thread.
 */
final class WindowClock {
    private static final ScheduledThreadPoolExecutor CLOCK = new ScheduledThreadPoolExecutor(1,
            r -> Thread.ofPlatform().daemon().name("fleettrace-window-clock").unstarted(r));

    static {
        CLOCK.setRemoveOnCancelPolicy(true);
    }

    private WindowClock() {}

    /** Runs {@code task} after {@code delayMs} (at once when it is 0 or less). */
    static ScheduledFuture<?> schedule(long delayMs, Runnable task) {
        return CLOCK.schedule(task, Math.max(0, delayMs), TimeUnit.MILLISECONDS);
    }
}
