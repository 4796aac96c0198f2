package dev.fleettrace.agent.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * {@code cgroupid("path")}: the id of a cgroup v2 directory, as bpftrace finds it, through
 * {@code name_to_handle_at(2)}: kernfs hands out an 8-byte handle that is the cgroup's id (what
 * {@code bpf_get_current_cgroup_id} returns). A path on another file system needs a larger handle and
 * fails with EOVERFLOW, as in bpftrace.
 */
public final class CgroupId {
    private CgroupId() {}

    private static final long SYS_NAME_TO_HANDLE_AT = 303;
    private static final int AT_FDCWD = -100;

    /** The cgroup id of {@code path}; throws {@link SysException} with errno when it has none. */
    public static long of(String path) {
        try (Arena a = Arena.ofConfined()) {
            byte[] p = path.getBytes(StandardCharsets.UTF_8);
            MemorySegment cpath = a.allocate(p.length + 1);
            MemorySegment.copy(p, 0, cpath, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, p.length);
            // struct file_handle { u32 handle_bytes; int handle_type; u64 f_handle; }
            MemorySegment fh = a.allocate(16, 8);
            fh.set(JAVA_INT, 0, 8);
            MemorySegment mountId = a.allocate(JAVA_INT);
            Native.check("name_to_handle_at", SYS_NAME_TO_HANDLE_AT, AT_FDCWD, cpath.address(), fh.address(), mountId.address(), 0, 0);
            return fh.get(JAVA_LONG, 8);
        }
    }
}
