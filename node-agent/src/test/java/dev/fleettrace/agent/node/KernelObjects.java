package dev.fleettrace.agent.node;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleettrace.agent.Fixtures;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records which programs and maps jobs loaded, and checks the kernel let go of them. */
final class KernelObjects implements KernelObserver {
    final List<Integer> programs = new CopyOnWriteArrayList<>();
    final List<Integer> maps = new CopyOnWriteArrayList<>();
    final List<String> jobs = new CopyOnWriteArrayList<>();

    @Override
    public void loaded(String job, String agent, List<Integer> programIds, List<Integer> mapIds) {
        jobs.add(job + "@" + agent);
        programs.addAll(programIds);
        maps.addAll(mapIds);
    }

    void assertLoaded() {
        assertFalse(programs.isEmpty(), "the job loaded programs");
    }

    /** Every program and map is gone from the kernel (and bpftool no longer lists the programs). */
    void assertAllGone() throws Exception {
        for (int id : programs) {
            assertTrue(Fixtures.programGone(id), "program " + id + " still in the kernel");
            assertFalse(Fixtures.bpftoolShowsProgram(id), "bpftool still shows program " + id);
        }
        for (int id : maps) assertTrue(Fixtures.mapGone(id), "map " + id + " still in the kernel");
    }
}
