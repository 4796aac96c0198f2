package dev.fleettrace.agent.kernel.features;

import dev.fleettrace.agent.kernel.programs.Program;
import dev.fleettrace.agent.sys.Bpf;
import dev.fleettrace.agent.sys.Errno;
import dev.fleettrace.agent.sys.Fd;
import dev.fleettrace.agent.sys.SysException;
import dev.fleettrace.bpf.Assembler;
import dev.fleettrace.bpf.Encoding;
import dev.fleettrace.bpf.Helper;
import dev.fleettrace.bpf.JmpOp;
import dev.fleettrace.bpf.Label;
import dev.fleettrace.bpf.MapType;
import dev.fleettrace.bpf.ProgType;
import dev.fleettrace.bpf.Reg;
import dev.fleettrace.bpf.Src;
import dev.fleettrace.compiler.facts.btf.Btf;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kernel features found by trying them, each once per process: every object created to try is closed
 * at once.
 */
public final class KernelFeatures {
    private KernelFeatures() {}

    private static final ConcurrentHashMap<String, Boolean> CACHE = new ConcurrentHashMap<>();
    private static volatile Optional<String> fentry;

    /** Whether programs of {@code type} can call {@code helper} (as libbpf's probe: the verifier does not call it unknown). */
    public static boolean helper(ProgType type, Helper helper) {
        return CACHE.computeIfAbsent("helper:" + type + ":" + helper, k -> {
            Assembler a = new Assembler();
            a.call(helper).mov(Reg.R0, Src.imm(0)).exit();
            Bpf.ProgLoad r = Bpf.progLoad(type.id, Encoding.encode(a.build()), Program.LICENSE, "ft_probe", 1, 64 * 1024);
            if (r.loaded()) {
                r.fd().close();
                return true;
            }
            String log = r.log();
            return !(log.contains("invalid func ") || log.contains("unknown func ") || log.contains("program of this type cannot use helper"));
        });
    }

    /** Whether programs of {@code type} load at all. */
    public static boolean progType(ProgType type) {
        return CACHE.computeIfAbsent("prog:" + type, k -> {
            Bpf.ProgLoad r = Bpf.progLoad(type.id, Encoding.encode(new Assembler().mov(Reg.R0, Src.imm(0)).exit().build()), Program.LICENSE, "ft_probe", 0, 0);
            if (r.fd() != null) r.fd().close();
            return r.loaded();
        });
    }

    /** Whether maps of {@code type} can be created. */
    public static boolean mapType(MapType type) {
        return CACHE.computeIfAbsent("map:" + type, k -> {
            int key = switch (type) {
                case RINGBUF -> 0;
                case ARRAY, PERCPU_ARRAY, PERF_EVENT_ARRAY, STACK_TRACE -> 4;
                default -> 8;
            };
            int value = switch (type) {
                case RINGBUF -> 0;
                case PERF_EVENT_ARRAY -> 4;
                default -> 8;
            };
            int entries = type == MapType.RINGBUF ? 4096 : 1;
            try (Fd fd = Bpf.mapCreate(type.id, key, value, entries, 0, "ft_probe")) {
                return fd != null;
            } catch (SysException e) {
                return false;
            }
        });
    }

    /** Bounded loops (Linux 5.3+): a program with a backward jump loads. */
    public static boolean loops() {
        return CACHE.computeIfAbsent("loops", k -> {
            Assembler a = new Assembler();
            Label top = a.newLabel("top");
            a.mov(Reg.R0, Src.imm(0)).bind(top).add(Reg.R0, 1).jump(Reg.R0, JmpOp.JLT, 4, top).mov(Reg.R0, Src.imm(0)).exit();
            Bpf.ProgLoad r = Bpf.progLoad(ProgType.TRACEPOINT.id, Encoding.encode(a.build()), Program.LICENSE, "ft_probe", 0, 0);
            if (r.fd() != null) r.fd().close();
            return r.loaded();
        });
    }

    /** Batched map reads (BPF_MAP_LOOKUP_BATCH, Linux 5.6+). */
    public static boolean mapBatch() {
        return CACHE.computeIfAbsent("batch", k -> {
            try (Fd fd = Bpf.mapCreate(MapType.HASH.id, 8, 8, 1, 0, "ft_probe")) {
                Bpf.mapLookupBatch(fd, null, new byte[8], new byte[8], new byte[8], 1);
                return true;
            } catch (SysException e) {
                return false;
            }
        });
    }

    /**
     * Why fentry/fexit programs cannot load here (this kernel answers EPERM, for instance), or empty when
     * one loads for {@code function} of {@code btf}.
     */
    public static Optional<String> fentryRefused(Btf btf, String function) {
        Optional<String> f = fentry;
        if (f != null) return f;
        Optional<Integer> id = btf.find(function, Btf.FUNC);
        if (id.isEmpty()) return Optional.of("the kernel's BTF has no function " + function + " to try fentry on");
        Bpf.ProgLoad r = Bpf.progLoad(ProgType.TRACING.id, Bpf.ATTACH_TRACE_FENTRY, id.get(),
                Encoding.encode(new Assembler().mov(Reg.R0, Src.imm(0)).exit().build()), Program.LICENSE, "ft_probe", 0, 0);
        if (r.loaded()) {
            r.fd().close();
            f = Optional.empty();
        } else {
            f = Optional.of("this kernel refuses to load fentry/fexit programs (BPF_PROG_LOAD returned " + Errno.name(r.errno())
                    + (r.errno() == Errno.EPERM ? " although fleettrace runs as root: its ftrace function patching is locked" : "") + ")");
        }
        fentry = f;
        return f;
    }
}
