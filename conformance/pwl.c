/* Deterministic user-space workload for probe tests (uprobes, uretprobes, usdt, stacks).
 * Usage: pwl NAME MODE N [HOLD_MS [DELAY_MS]]
 *   sets comm to NAME, then:
 *   calls N   : pwl_work(i) for i in [0,N): returns 2*i+1; each call fires usdt pwl:tick(i, i%7, 2*i+1, 3*i)
 *               and, while a tracer holds the semaphore, usdt pwl:guarded(i) — so a count of guarded
 *               shows that the semaphore was set
 *   malloc N  : malloc(12345) and free, N times (a uprobe on libc's malloc filtered by arg0)
 *   getppid N : N getppid() system calls through pwl_syscall (a raw tracepoint on sys_enter)
 *   spin N    : burns N milliseconds of CPU time
 *   typed N   : pwl_typed(...) N times, with arguments of many C types (uprobe args from DWARF: build
 *               with -g), then pwl_point(&p) with a struct pointer; pwl_counter counts the calls and
 *               pwl_greeting holds a string (uaddr)
 *   then sleeps HOLD_MS milliseconds (default 0), so user stacks can be symbolized while it lives;
 *   DELAY_MS sleeps before the work, so a tracer can attach to this process (-p) first; "-" waits
 *   for a line (or the end) on standard input instead.
 * USDT notes are written by hand, as <sys/sdt.h> would write them, so no systemtap headers are needed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The semaphore of pwl:guarded: tracers increment it (the kernel does, with the uprobe's ref_ctr_offset). */
__attribute__((section(".probes"), used)) volatile unsigned short pwl_guarded_semaphore;

#define PWL_NOTE(provider, name, sem, args, ...)                                            \
  __asm__ __volatile__("990: nop\n"                                                         \
                       ".pushsection .note.stapsdt,\"?\",\"note\"\n"                        \
                       ".balign 4\n"                                                        \
                       ".4byte 992f-991f, 994f-993f, 3\n"                                   \
                       "991: .asciz \"stapsdt\"\n"                                          \
                       "992: .balign 4\n"                                                   \
                       "993: .8byte 990b\n"                                                 \
                       ".8byte _.stapsdt.base\n"                                            \
                       ".8byte " sem "\n"                                                   \
                       ".asciz \"" provider "\"\n"                                          \
                       ".asciz \"" name "\"\n"                                              \
                       ".asciz \"" args "\"\n"                                              \
                       "994: .balign 4\n"                                                   \
                       ".popsection\n"                                                      \
                       ".ifndef _.stapsdt.base\n"                                           \
                       ".pushsection .stapsdt.base,\"aG\",\"progbits\",.stapsdt.base,comdat\n" \
                       ".weak _.stapsdt.base\n"                                             \
                       ".hidden _.stapsdt.base\n"                                           \
                       "_.stapsdt.base: .space 1\n"                                         \
                       ".size _.stapsdt.base, 1\n"                                          \
                       ".popsection\n"                                                      \
                       ".endif\n" ::__VA_ARGS__)

__attribute__((noinline)) long pwl_work(long i) {
  long r = 2 * i + 1;
  int small = (int)(i % 7);
  volatile long slot = 3 * i; /* in memory: its argument is read through the stack pointer */
  PWL_NOTE("pwl", "tick", "0", "8@%[a] -4@%[b] 8@%[c] 8@%[d]", [a] "nor"(i), [b] "nor"(small), [c] "nor"(r), [d] "m"(slot));
  if (pwl_guarded_semaphore) PWL_NOTE("pwl", "guarded", "pwl_guarded_semaphore", "8@%[a]", [a] "nor"(i));
  __asm__ __volatile__("" ::: "memory");
  return r;
}

__attribute__((noinline)) void pwl_calls(long n) {
  long sum = 0;
  for (long i = 0; i < n; i++) sum += pwl_work(i);
  if (sum == -1) puts("impossible");
}

__attribute__((noinline)) void pwl_syscall(long n) {
  for (long i = 0; i < n; i++) syscall(SYS_getppid);
}

__attribute__((noinline)) void pwl_malloc(long n) {
  for (long i = 0; i < n; i++) {
    void *p = malloc(12345);
    __asm__ __volatile__("" : : "r"(p) : "memory");
    free(p);
  }
}

/* Burns ms milliseconds of this thread's CPU time (not wall time: a busy machine only makes it take longer). */
__attribute__((noinline)) void pwl_spin(long ms) {
  struct timespec t0, t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
  volatile unsigned long x = 0;
  do {
    for (int i = 0; i < 10000; i++) x += i;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  } while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

struct pwl_point {
  int x;
  long y;
  char tag[8];
};

char pwl_greeting[16] = "hello from pwl";
long pwl_counter = 1000;

/* Arguments in registers and on the stack: the six integer registers take sc..flag, the double
 * travels in %xmm0 (it takes no integer register), so seventh and eighth are on the stack. */
__attribute__((noipa)) long pwl_typed(signed char sc, unsigned short us, int neg, long long big, const char *name,
                                      unsigned char flag, double scale, long seventh, long eighth) {
  pwl_counter++;
  return sc + us + neg + big + name[0] + flag + (long)scale + seventh + eighth;
}

__attribute__((noipa)) long pwl_point(const struct pwl_point *p) {
  return p->x + p->y + p->tag[0];
}

__attribute__((noinline)) void pwl_types(long n) {
  static const char *names[] = {"alpha", "beta", "gamma"};
  long sum = 0;
  for (long i = 0; i < n; i++)
    sum += pwl_typed((signed char)(-i - 1), (unsigned short)(65535 - i), (int)(-1000 * i), -3000000000LL * (i + 1),
                     names[i % 3], (unsigned char)(200 + i), 1.5 * i, 70 + i, 80 + i);
  struct pwl_point p = {7, -8000000000L, "pt"};
  sum += pwl_point(&p);
  if (sum == -1) puts("impossible");
}

int main(int c, char **v) {
  if (c < 4) {
    fprintf(stderr, "usage: pwl NAME MODE N [HOLD_MS [DELAY_MS]]\n");
    return 2;
  }
  prctl(PR_SET_NAME, v[1], 0, 0, 0);
  long n = atol(v[3]);
  if (c > 5 && !strcmp(v[5], "-")) {
    int ch;
    while ((ch = getchar()) != EOF && ch != '\n') {}
  } else if (c > 5) {
    usleep(atol(v[5]) * 1000);
  }
  if (!strcmp(v[2], "calls")) pwl_calls(n);
  else if (!strcmp(v[2], "malloc")) pwl_malloc(n);
  else if (!strcmp(v[2], "getppid")) pwl_syscall(n);
  else if (!strcmp(v[2], "spin")) pwl_spin(n);
  else if (!strcmp(v[2], "typed")) pwl_types(n);
  else {
    fprintf(stderr, "bad mode\n");
    return 2;
  }
  if (c > 4) usleep(atol(v[4]) * 1000);
  return 0;
}
