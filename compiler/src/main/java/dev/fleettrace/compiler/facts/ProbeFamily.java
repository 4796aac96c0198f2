package dev.fleettrace.compiler.facts;

/** Kinds of attach points a kernel may or may not support. */
public enum ProbeFamily {
    TRACEPOINT, RAWTRACEPOINT, KPROBE, UPROBE, KFUNC, PROFILE, SOFTWARE, HARDWARE
}
