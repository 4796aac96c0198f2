package dev.fleettrace.coordinator.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SequenceTrackerTest {

    @Test
    void admitsEachRecordOnce() {
        SequenceTracker t = new SequenceTracker();
        assertEquals(new Admission.Accepted(0, true), t.admit("a", 1, 1));
        assertEquals(new Admission.Accepted(0, false), t.admit("a", 1, 2));
        assertEquals(new Admission.Duplicate(2), t.admit("a", 1, 2));
        assertEquals(new Admission.Duplicate(2), t.admit("a", 1, 1));
        assertEquals(new Admission.Accepted(0, true), t.admit("b", 1, 1), "agents are independent");
        assertEquals(new Admission.Accepted(2, false), t.admit("a", 1, 5), "a gap is reported");
        assertEquals(new Admission.Duplicate(5), t.admit("a", 1, 4), "and what was skipped cannot come later");
    }

    @Test
    void aNewIncarnationStartsOverAndAnOldOneIsStillRecognised() {
        SequenceTracker t = new SequenceTracker();
        t.admit("a", 10, 1);
        t.admit("a", 10, 2);
        assertEquals(new Admission.Accepted(0, true), t.admit("a", 11, 1));
        assertEquals(new Admission.Duplicate(2), t.admit("a", 10, 2), "a replay of the old incarnation");
        assertEquals(new Admission.Accepted(0, false), t.admit("a", 10, 3), "its tail, if it was never seen");
        assertEquals(new Admission.Accepted(3, true), t.admit("c", 1, 4), "read from the middle of the topic");
    }

    @Test
    void checkDoesNotRecord() {
        SequenceTracker t = new SequenceTracker();
        assertEquals(new Admission.Accepted(0, true), t.check("a", 1, 1));
        assertEquals(new Admission.Accepted(0, true), t.check("a", 1, 1));
        assertEquals(0, t.lastSeq("a", 1));
        t.commit("a", 1, 1);
        assertEquals(1, t.lastSeq("a", 1));
        SequenceTracker copy = t.copy();
        t.admit("a", 1, 2);
        assertEquals(1, copy.lastSeq("a", 1));
    }
}
