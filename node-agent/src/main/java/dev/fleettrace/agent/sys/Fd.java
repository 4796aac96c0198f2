package dev.fleettrace.agent.sys;

import java.lang.ref.Cleaner;

/**
 * An owned file descriptor: a map, a program, a link, a perf event, an epoll instance. Closing is
 * idempotent. If an owner forgets to close, the {@link Cleaner} closes the descriptor once the
 * {@code Fd} is unreachable, so a leaked map or link does not stay in the kernel for the life of the
 * agent. Users of {@link #raw()} must keep the {@code Fd} reachable while the number is in use
 * (the syscall wrappers here do, with {@link java.lang.ref.Reference#reachabilityFence}).
 */
public final class Fd implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    /** The close action, shared by close() and the cleaner; holds no reference to the Fd. */
    private static final class Closer implements Runnable {
        private final int fd;
        private volatile boolean closed;

        Closer(int fd) {
            this.fd = fd;
        }

        @Override
        public void run() {
            closed = true;
            Native.close(fd);
        }
    }

    private final int fd;
    private final String kind;
    private final Closer closer;
    private final Cleaner.Cleanable cleanable;

    private Fd(int fd, String kind) {
        if (fd < 0) throw new IllegalArgumentException("not a descriptor: " + fd);
        this.fd = fd;
        this.kind = kind;
        this.closer = new Closer(fd);
        this.cleanable = CLEANER.register(this, closer);
    }

    /** Takes ownership of a descriptor a system call just returned. */
    static Fd own(long fd, String kind) {
        return new Fd((int) fd, kind);
    }

    /** The descriptor number; throws once closed, so a stale number is never handed to the kernel. */
    public int raw() {
        if (closer.closed) throw new IllegalStateException(this + " is closed");
        return fd;
    }

    public boolean isClosed() {
        return closer.closed;
    }

    /** Closes the descriptor; later calls do nothing. */
    @Override
    public void close() {
        cleanable.clean();
    }

    @Override
    public String toString() {
        return kind + " fd " + fd + (closer.closed ? " (closed)" : "");
    }
}
