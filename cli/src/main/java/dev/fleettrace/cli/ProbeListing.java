package dev.fleettrace.cli;

import dev.fleettrace.compiler.listing.ListingException;
import dev.fleettrace.compiler.listing.ProbeLister;
import java.io.PrintStream;

/** {@code fleettrace -l [PATTERN]} and {@code -lv}: this host's probes, as bpftrace lists them. */
final class ProbeListing {
    private ProbeListing() {}

    static int print(String pattern, boolean verbose, PrintStream out) {
        try {
            out.print(ProbeLister.render(ProbeLister.list(pattern, verbose, Main.facts())));
            out.flush();
            return 0;
        } catch (ListingException e) {
            throw new UserError("fleettrace: " + e.getMessage());
        }
    }
}
