package dev.fleettrace.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The load runner at a size for the normal suite (a 2-core CI machine): a few simulated agents for a few
 * seconds through the embedded broker to the real coordinator subcommand. Asserts what must hold at any
 * load, not how fast: END equals what the agents sent, and every window that ended before the stop got
 * its INTERVAL report.
 */
class LoadSmokeTest {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aSmallFleetMergesExactlyAndEveryWindowReports() throws Exception {
        LoadRun.Options o = LoadRun.Options.defaults().withSize(3, 40, 3, 500);
        var log = new ByteArrayOutputStream();
        LoadRun.Result r = LoadRun.run(o, new PrintStream(log, true, StandardCharsets.UTF_8));
        var figures = new ByteArrayOutputStream();
        LoadRun.print(r, new PrintStream(figures, true, StandardCharsets.UTF_8));
        String shown = log.toString(StandardCharsets.UTF_8) + figures.toString(StandardCharsets.UTF_8);

        assertTrue(r.exact(), shown);
        assertTrue(r.windowsDue() >= 4, shown);
        assertTrue(r.everyWindowReported(), shown);
        assertEquals(0, r.sendErrors(), shown);
        // At least a last batch from every agent (one that fell behind ships several windows in one batch).
        assertTrue(r.batches() >= 3, shown);
        assertEquals(r.intervalWindows().size(), r.madeLatencyMs().length, shown);
        assertTrue(shown.contains("EXACT"), shown);
    }
}
