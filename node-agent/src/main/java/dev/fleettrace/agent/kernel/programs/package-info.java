/** BPF programs: loading with the verifier's log on rejection, and test runs. */
package dev.fleettrace.agent.kernel.programs;
