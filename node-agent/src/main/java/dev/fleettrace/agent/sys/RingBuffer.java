package dev.fleettrace.agent.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * The user-space consumer of a {@code BPF_MAP_TYPE_RINGBUF} map, as libbpf's {@code ring_buffer__poll}.
 *
 * <p>Layout of the map's mmap: page 0 holds {@code consumer_pos} (ours, mapped read-write); page 1
 * holds {@code producer_pos} (the kernel's, read-only); the data area follows and is mapped twice in a
 * row, so a record that wraps around the end can still be read as one contiguous slice. Each record
 * starts with an 8-byte header: a 32-bit length whose bit 31 says "still being written" (busy) and
 * bit 30 "discarded", then the page offset the kernel uses; the payload follows, the total rounded up
 * to 8 bytes. Positions only grow; a position's offset in the data area is {@code pos & (size - 1)}.
 *
 * <p>Waiting uses epoll on the map's descriptor rather than a sleep loop: the kernel wakes the
 * consumer when a record is committed while the consumer had caught up, so an idle agent costs
 * nothing and a busy one sees records without a sleep's latency. Callers should still wait with a
 * bounded timeout, as {@link #close()} waits for a pending {@link #await} to return.
 *
 * <p>One consumer at a time ({@link #consume} is serialized); {@link #await} may run on another thread.
 */
@SuppressWarnings("restricted") // mmap'ed memory becomes a segment here, and only here
public final class RingBuffer implements AutoCloseable {
    private static final int BUSY = 1 << 31, DISCARD = 1 << 30, HEADER = 8;
    private static final VarHandle LONG = JAVA_LONG.varHandle();
    private static final VarHandle INT = JAVA_INT.varHandle();
    private static final long EPOLL_CLOEXEC = 0x80000, EPOLL_CTL_ADD = 1;
    private static final int EPOLLIN = 1, EPOLL_EVENT_SIZE = 12; // struct epoll_event is packed on x86-64

    private final Fd map;
    private final int size;
    private final long mask;
    private final Arena arena;
    private final MemorySegment consumer;
    private final MemorySegment producer;
    private final MemorySegment data;
    private final Fd epoll;
    private final MemorySegment events;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    private RingBuffer(Fd map, int size) {
        this.map = map;
        this.size = size;
        this.mask = size - 1L;
        int page = Native.PAGE_SIZE;
        Arena a = Arena.ofShared();
        Fd ep = null;
        try {
            consumer = mmap(a, map, page, 0x1 | 0x2, 0); // PROT_READ | PROT_WRITE
            producer = mmap(a, map, page + 2L * size, 0x1, page); // PROT_READ
            data = producer.asSlice(page, 2L * size);
            ep = Fd.own(Native.check("epoll_create1", Native.SYS_EPOLL_CREATE1, EPOLL_CLOEXEC, 0, 0, 0, 0, 0), "epoll");
            events = a.allocate(EPOLL_EVENT_SIZE, 8);
            events.set(JAVA_INT, 0, EPOLLIN);
            Native.check("epoll_ctl", Native.SYS_EPOLL_CTL, ep.raw(), EPOLL_CTL_ADD, map.raw(), events.address(), 0, 0);
        } catch (RuntimeException e) {
            if (ep != null) ep.close();
            a.close();
            throw e;
        }
        this.arena = a;
        this.epoll = ep;
    }

    /**
     * Maps the ring buffer map {@code map} whose data area is {@code size} bytes (its max_entries: a
     * power of two, a multiple of the page size). The map descriptor stays owned by the caller.
     */
    public static RingBuffer open(Fd map, int size) {
        if (size <= 0 || Integer.bitCount(size) != 1 || size % Native.PAGE_SIZE != 0)
            throw new IllegalArgumentException("ring buffer size must be a power of two and a multiple of the page size: " + size);
        try {
            return new RingBuffer(map, size);
        } finally {
            Reference.reachabilityFence(map);
        }
    }

    /** The mapping is unmapped when the arena closes, so a stale ByteBuffer fails instead of faulting. */
    private static MemorySegment mmap(Arena arena, Fd fd, long length, int prot, long offset) {
        long addr = Native.check("mmap", Native.SYS_MMAP, 0, length, prot, 0x01 /* MAP_SHARED */, fd.raw(), offset);
        return MemorySegment.ofAddress(addr).reinterpret(length, arena,
                s -> Native.call(Native.SYS_MUNMAP, s.address(), length, 0, 0, 0, 0));
    }

    public int size() {
        return size;
    }

    /** Whether committed (or in-flight) records wait to be consumed. */
    public boolean available() {
        lock.readLock().lock();
        try {
            ensureOpen();
            return (long) LONG.getAcquire(producer, 0L) > (long) LONG.getAcquire(consumer, 0L);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Waits up to {@code timeoutMillis} for the kernel to signal records; true when there may be some to consume. */
    public boolean await(int timeoutMillis) {
        lock.readLock().lock();
        try {
            ensureOpen();
            if ((long) LONG.getAcquire(producer, 0L) > (long) LONG.getAcquire(consumer, 0L)) return true;
            try (Arena a = Arena.ofConfined()) {
                MemorySegment ev = a.allocate(EPOLL_EVENT_SIZE, 8);
                Native.Result r = Native.call(Native.SYS_EPOLL_WAIT, epoll.raw(), ev.address(), 1, timeoutMillis, 0, 0);
                if (r.failed() && r.errno() != Errno.EINTR) throw new SysException("epoll_wait", r.errno());
                return !r.failed() && r.value() > 0;
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Consumes every committed record; see {@link #consume(int, Consumer)}. */
    public int consume(Consumer<ByteBuffer> handler) {
        return consume(Integer.MAX_VALUE, handler);
    }

    /**
     * Hands up to {@code limit} committed records, in the order the kernel reserved them, to
     * {@code handler} as read-only little-endian buffers. A buffer is valid only during the call: the
     * kernel reuses its space once the consumer position passes it. Stops at a record still being
     * written. Returns the number of records handed over (discarded records are skipped, not counted).
     */
    public synchronized int consume(int limit, Consumer<ByteBuffer> handler) {
        lock.readLock().lock();
        try {
            ensureOpen();
            long cons = (long) LONG.getAcquire(consumer, 0L);
            int delivered = 0;
            try {
                boolean more = true;
                while (more && delivered < limit) {
                    more = false;
                    long prod = (long) LONG.getAcquire(producer, 0L);
                    while (cons < prod && delivered < limit) {
                        long off = cons & mask;
                        int header = (int) INT.getAcquire(data, off);
                        if ((header & BUSY) != 0) break;
                        int len = header & ~(BUSY | DISCARD);
                        cons += (HEADER + len + 7) & ~7L;
                        more = true;
                        if ((header & DISCARD) == 0) {
                            delivered++;
                            handler.accept(data.asSlice(off + HEADER, len).asByteBuffer().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN));
                        }
                    }
                    // Release: the kernel may reuse the space only after our reads of it are done.
                    LONG.setRelease(consumer, 0L, cons);
                }
            } finally {
                LONG.setRelease(consumer, 0L, cons);
            }
            return delivered;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Consumes every committed record into copies. */
    public List<byte[]> drain() {
        List<byte[]> out = new ArrayList<>();
        consume(b -> {
            byte[] copy = new byte[b.remaining()];
            b.get(copy);
            out.add(copy);
        });
        return out;
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("ring buffer is closed");
    }

    /** Unmaps the buffer and closes the epoll instance; waits for a pending await or consume. Idempotent. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) return;
            closed = true;
            epoll.close();
            arena.close();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "ring buffer of " + map + " (" + size + " bytes)";
    }
}
