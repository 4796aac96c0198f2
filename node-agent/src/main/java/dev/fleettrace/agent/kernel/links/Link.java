package dev.fleettrace.agent.kernel.links;

/** A program attached somewhere; closing detaches it. */
public sealed interface Link extends AutoCloseable permits PerfEventLink, PerCpuLink, RawTracepointLink {

    /** Detaches; idempotent. */
    @Override
    void close();
}
