package dev.fleettrace.coordinator.merge;

import java.util.HashMap;
import java.util.Map;

/**
 * Admits each record (agent, incarnation, seq) once. One agent incarnation's records arrive in order
 * (one partition per job/agent) but may arrive again after a consumer restart; a new incarnation starts
 * over at seq 1. Every incarnation seen is remembered (one entry per agent restart), so a replay of an
 * older incarnation is recognised as a replay rather than taken for a restart.
 */
public final class SequenceTracker {
    private final Map<String, Map<Long, Long>> lastSeq;

    public SequenceTracker() {
        lastSeq = new HashMap<>();
    }

    private SequenceTracker(SequenceTracker o) {
        lastSeq = new HashMap<>();
        o.lastSeq.forEach((agent, incs) -> lastSeq.put(agent, new HashMap<>(incs)));
    }

    public SequenceTracker copy() {
        return new SequenceTracker(this);
    }

    /** What {@link #admit} would answer, without recording anything. */
    public Admission check(String agent, long incarnation, long seq) {
        Map<Long, Long> incs = lastSeq.get(agent);
        Long last = incs == null ? null : incs.get(incarnation);
        if (last == null) return new Admission.Accepted(Math.max(0, seq - 1), true);
        if (seq <= last) return new Admission.Duplicate(last);
        return new Admission.Accepted(seq - last - 1, false);
    }

    /** Records the record as applied; call after {@link #check} said accepted and it was applied. */
    public void commit(String agent, long incarnation, long seq) {
        lastSeq.computeIfAbsent(agent, a -> new HashMap<>()).merge(incarnation, seq, Math::max);
    }

    public Admission admit(String agent, long incarnation, long seq) {
        Admission a = check(agent, incarnation, seq);
        if (a.accepted()) commit(agent, incarnation, seq);
        return a;
    }

    /** One (agent, incarnation) stream and the last seq admitted from it. */
    public record Cursor(String agent, long incarnation, long seq) {}

    /** Every stream's cursor, in agent then incarnation order: what has been taken in so far. */
    public java.util.List<Cursor> cursors() {
        java.util.List<Cursor> out = new java.util.ArrayList<>();
        lastSeq.forEach((agent, incs) -> incs.forEach((inc, seq) -> out.add(new Cursor(agent, inc, seq))));
        out.sort(java.util.Comparator.comparing(Cursor::agent).thenComparingLong(Cursor::incarnation));
        return out;
    }

    /** The last seq admitted for (agent, incarnation), or 0. */
    public long lastSeq(String agent, long incarnation) {
        Map<Long, Long> incs = lastSeq.get(agent);
        Long last = incs == null ? null : incs.get(incarnation);
        return last == null ? 0 : last;
    }
}
