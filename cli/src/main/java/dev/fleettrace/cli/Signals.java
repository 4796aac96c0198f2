package dev.fleettrace.cli;

import sun.misc.Signal;

/**
 * Ctrl-C and SIGTERM end the job the way bpftrace's Ctrl-C does: the fleet stops, END runs and the
 * maps print. The JVM's default would exit at once, so the signals are taken over here.
 */
final class Signals {
    private Signals() {}

    static void onInterrupt(Runnable handler) {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal.handle(new Signal(name), s -> {
                    org.slf4j.LoggerFactory.getLogger(Signals.class).info("received SIG{}", s.getName());
                    handler.run();
                });
            } catch (IllegalArgumentException e) {
                // The signal is not available on this platform.
            }
        }
    }
}
