package dev.fleettrace.bpf;

import java.util.HashMap;
import java.util.Map;

/** The kernel helper functions fleettrace calls, by their stable ids in {@code include/uapi/linux/bpf.h}. */
public enum Helper {
    MAP_LOOKUP_ELEM(1),
    MAP_UPDATE_ELEM(2),
    MAP_DELETE_ELEM(3),
    PROBE_READ(4),
    KTIME_GET_NS(5),
    TRACE_PRINTK(6),
    GET_PRANDOM_U32(7),
    GET_SMP_PROCESSOR_ID(8),
    TAIL_CALL(12),
    GET_CURRENT_PID_TGID(14),
    GET_CURRENT_UID_GID(15),
    GET_CURRENT_COMM(16),
    PERF_EVENT_OUTPUT(25),
    GET_STACKID(27),
    GET_CURRENT_TASK(35),
    PROBE_READ_STR(45),
    OVERRIDE_RETURN(58),
    GET_STACK(67),
    GET_CURRENT_CGROUP_ID(80),
    SEND_SIGNAL(109),
    PROBE_READ_USER(112),
    PROBE_READ_KERNEL(113),
    PROBE_READ_USER_STR(114),
    PROBE_READ_KERNEL_STR(115),
    JIFFIES64(118),
    KTIME_GET_BOOT_NS(125),
    RINGBUF_OUTPUT(130),
    RINGBUF_RESERVE(131),
    RINGBUF_SUBMIT(132),
    RINGBUF_DISCARD(133),
    GET_CURRENT_TASK_BTF(158),
    GET_FUNC_IP(173),
    GET_ATTACH_COOKIE(174),
    KTIME_GET_TAI_NS(208);

    public final int id;

    Helper(int id) {
        this.id = id;
    }

    private static final Map<Integer, Helper> BY_ID = new HashMap<>();

    static {
        for (Helper h : values()) BY_ID.put(h.id, h);
    }

    /** The helper with this id, or null when fleettrace does not know it by name. */
    public static Helper byId(int id) {
        return BY_ID.get(id);
    }

    /** The C name, as bpftool prints it: {@code bpf_map_lookup_elem}. */
    public String cName() {
        return "bpf_" + name().toLowerCase();
    }
}
