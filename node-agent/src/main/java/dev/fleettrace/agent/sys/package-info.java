/**
 * The system call layer: the only package that uses {@code java.lang.foreign}. bpf(2),
 * perf_event_open(2), ioctl, mmap and epoll as plain Java calls over one variadic downcall of libc's
 * {@code syscall}; owned descriptors ({@link dev.fleettrace.agent.sys.Fd}); errno as
 * {@link dev.fleettrace.agent.sys.SysException}; the ring buffer consumer. Nothing here knows about
 * plans or bpftrace.
 */
package dev.fleettrace.agent.sys;
