package dev.fleettrace.cli;

import dev.fleettrace.agent.kernel.features.KernelFeatures;
import dev.fleettrace.agent.kernel.pmu.EventSources;
import dev.fleettrace.bpf.Helper;
import dev.fleettrace.bpf.MapType;
import dev.fleettrace.bpf.ProgType;
import dev.fleettrace.compiler.facts.KernelFacts;
import dev.fleettrace.compiler.facts.ProbeFamily;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code fleettrace --info}: what this kernel supports, found by trying, in the layout of
 * {@code bpftrace --info}: the system, the build, helpers, kernel features, map types, probe types.
 */
final class KernelInfo {
    private KernelInfo() {}

    static int print(PrintStream out) {
        Main.Privileges.require();
        KernelFacts facts = Main.facts();
        EventSources pmus = EventSources.host();
        StringBuilder sb = new StringBuilder();
        sb.append("System\n");
        sb.append("  OS: Linux ").append(read("/proc/sys/kernel/osrelease")).append(' ').append(read("/proc/sys/kernel/version")).append('\n');
        sb.append("  Arch: ").append(arch()).append("\n\n");

        sb.append("Build\n");
        sb.append("  version: fleettrace v").append(Main.VERSION).append(" (the bpftrace 0.17 language)\n");
        sb.append("  code generation: eBPF emitted in Java (no LLVM)\n");
        sb.append("  unsafe uprobe: no\n\n");

        Map<String, Helper> helpers = new LinkedHashMap<>();
        helpers.put("probe_read", Helper.PROBE_READ);
        helpers.put("probe_read_str", Helper.PROBE_READ_STR);
        helpers.put("probe_read_user", Helper.PROBE_READ_USER);
        helpers.put("probe_read_user_str", Helper.PROBE_READ_USER_STR);
        helpers.put("probe_read_kernel", Helper.PROBE_READ_KERNEL);
        helpers.put("probe_read_kernel_str", Helper.PROBE_READ_KERNEL_STR);
        helpers.put("get_current_cgroup_id", Helper.GET_CURRENT_CGROUP_ID);
        helpers.put("send_signal", Helper.SEND_SIGNAL);
        helpers.put("override_return", Helper.OVERRIDE_RETURN);
        helpers.put("get_boot_ns", Helper.KTIME_GET_BOOT_NS);
        helpers.put("ringbuf_output", Helper.RINGBUF_OUTPUT);
        helpers.put("get_stackid", Helper.GET_STACKID);
        helpers.put("get_func_ip", Helper.GET_FUNC_IP);
        sb.append("Kernel helpers\n");
        for (var h : helpers.entrySet()) {
            // override_return exists for kprobe programs only, as in bpftrace's probe.
            ProgType type = h.getValue() == Helper.OVERRIDE_RETURN ? ProgType.KPROBE : ProgType.TRACEPOINT;
            line(sb, h.getKey(), KernelFeatures.helper(type, h.getValue()));
        }
        sb.append('\n');

        sb.append("Kernel features\n");
        sb.append("  Instruction limit: ").append(KernelFeatures.loops() ? 1000000 : 4096).append('\n');
        line(sb, "Loop support", KernelFeatures.loops());
        line(sb, "btf", facts.btf().isPresent());
        line(sb, "map batch", KernelFeatures.mapBatch());
        line(sb, "uprobe refcount", pmus.configBit("uprobe", "ref_ctr_offset").isPresent());
        sb.append('\n');

        sb.append("Map types\n");
        line(sb, "hash", KernelFeatures.mapType(MapType.HASH));
        line(sb, "percpu hash", KernelFeatures.mapType(MapType.PERCPU_HASH));
        line(sb, "array", KernelFeatures.mapType(MapType.ARRAY));
        line(sb, "percpu array", KernelFeatures.mapType(MapType.PERCPU_ARRAY));
        line(sb, "stack_trace", KernelFeatures.mapType(MapType.STACK_TRACE));
        line(sb, "perf_event_array", KernelFeatures.mapType(MapType.PERF_EVENT_ARRAY));
        line(sb, "ringbuf", KernelFeatures.mapType(MapType.RINGBUF));
        sb.append('\n');

        sb.append("Probe types\n");
        line(sb, "kprobe", facts.unsupported(ProbeFamily.KPROBE).isEmpty() && KernelFeatures.progType(ProgType.KPROBE));
        line(sb, "tracepoint", KernelFeatures.progType(ProgType.TRACEPOINT));
        line(sb, "perf_event", KernelFeatures.progType(ProgType.PERF_EVENT));
        line(sb, "kfunc", facts.unsupported(ProbeFamily.KFUNC).isEmpty());
        line(sb, "raw_tp_special", KernelFeatures.progType(ProgType.RAW_TRACEPOINT));
        line(sb, "rawtracepoint", KernelFeatures.progType(ProgType.RAW_TRACEPOINT));
        line(sb, "uprobe", facts.unsupported(ProbeFamily.UPROBE).isEmpty());
        line(sb, "usdt", facts.unsupported(ProbeFamily.UPROBE).isEmpty());
        line(sb, "hardware", facts.unsupported(ProbeFamily.HARDWARE).isEmpty());
        out.print(sb);
        out.flush();
        return 0;
    }

    private static void line(StringBuilder sb, String name, boolean yes) {
        sb.append("  ").append(name).append(": ").append(yes ? "yes" : "no").append('\n');
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path)).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String arch() {
        String a = System.getProperty("os.arch");
        return "amd64".equals(a) ? "x86_64" : a;
    }

}
