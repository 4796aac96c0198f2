package dev.fleettrace.compiler.facts.elf;

import java.util.List;

/**
 * One USDT probe from a {@code .note.stapsdt} note.
 *
 * @param pc        link-time address of the probe's {@code nop}
 * @param semaphore link-time address of its semaphore (a 2-byte counter tracers increment), 0 when none
 * @param arguments its arguments as the note describes them ({@code -4@%edi 8@-8(%rbp)})
 * @param argSpec   the note's argument text as written
 */
public record UsdtProbe(String provider, String name, long pc, long semaphore, List<UsdtArgument> arguments, String argSpec) {
    public UsdtProbe {
        arguments = List.copyOf(arguments);
    }
}
