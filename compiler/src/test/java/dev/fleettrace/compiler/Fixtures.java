package dev.fleettrace.compiler;

import dev.fleettrace.compiler.facts.KernelFacts;
import dev.fleettrace.compiler.facts.TracepointFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Kernel facts for tests: tracepoint formats copied from a 6.18 kernel's tracefs (src/test/resources/formats). */
public final class Fixtures {
    private Fixtures() {}

    private static final List<String> FORMATS = List.of("syscalls:sys_enter_getppid", "syscalls:sys_enter_lseek", "syscalls:sys_enter_openat",
            "syscalls:sys_enter_read", "syscalls:sys_exit_read", "sched:sched_switch", "sched:sched_process_exec");

    public static KernelFacts facts() {
        List<TracepointFormat> formats = new ArrayList<>();
        for (String tp : FORMATS) {
            try (InputStream in = Fixtures.class.getResourceAsStream("/formats/" + tp + ".format")) {
                String[] ce = tp.split(":");
                formats.add(TracepointFormat.parse(ce[0], ce[1], new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return KernelFacts.of(2, formats.toArray(TracepointFormat[]::new));
    }
}
