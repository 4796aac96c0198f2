package dev.fleettrace.coordinator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReadClockTest {

    @Test
    void followsTheWallClockLessTheReadLagAndStopsWhenTheReadingStalls() {
        AtomicLong wall = new AtomicLong(10_000);
        ReadClock c = ReadClock.readBack(1000, wall::get);
        assertEquals(Long.MIN_VALUE, c.now(), "nothing read yet");
        c.ownBeatRead(9_000); // read 1 s after it was written
        assertEquals(9_000, c.now());
        wall.set(10_500);
        assertEquals(9_500, c.now());
        assertEquals(500, c.delayUntil(10_000));
        wall.set(60_000); // no beat read for 50 s: the reading stalled at the last beat (plus a quarter interval of jitter)
        assertEquals(10_250, c.now());
        assertEquals(1000, c.delayUntil(20_000), "checks again at the next beat at the latest");
        c.ownBeatRead(59_990);
        assertEquals(59_990, c.now());
        c.ownBeatRead(50_000); // an older beat read late changes nothing
        assertEquals(59_990, c.now());
        assertEquals(10, c.delayUntil(0));
    }

    @Test
    void theWallClockIsTheWallClock() {
        long before = System.currentTimeMillis();
        long now = ReadClock.wall().now();
        assertEquals(true, now >= before && now <= System.currentTimeMillis());
    }
}
