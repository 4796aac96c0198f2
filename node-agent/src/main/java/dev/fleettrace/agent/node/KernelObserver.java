package dev.fleettrace.agent.node;

import java.util.List;

/**
 * Told which kernel objects a job loaded, so a test (or a diagnostic log) can check they are gone after
 * the job ends. Called on the runner's thread; must not block.
 */
@FunctionalInterface
public interface KernelObserver {

    KernelObserver NONE = (job, agent, programIds, mapIds) -> { };

    void loaded(String job, String agent, List<Integer> programIds, List<Integer> mapIds);
}
