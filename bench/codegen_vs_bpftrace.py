#!/usr/bin/env python3
"""Size and per-event cost of the code fleettrace loads, side by side with bpftrace 0.17.

  python3 bench/codegen_vs_bpftrace.py [--events N] [--only NAME ...]   (as root)

For each script, bpftrace and fleettrace (embedded: one agent) run it at the same time, both
attached to the same tracepoints, while one workload (conformance/wl.c, under a comm of its own)
makes the events. With `sysctl kernel.bpf_stats_enabled=1` the kernel counts run_cnt and
run_time_ns per program; this script reads `bpftool prog show -j` before and after the workload
for the programs each tracer holds (the prog ids behind the bpf-prog descriptors in its /proc/PID/fd)
and prints, per script and tracer:
  - translated instructions (bytes_xlated / 8) of the programs that ran;
  - nanoseconds per event: run_time_ns / run_cnt over the workload;
and the ratios fleettrace / bpftrace. The sysctl is restored afterwards.
"""
import argparse, json, os, random, re, signal, string, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FT = os.path.join(ROOT, "bin", "fleettrace")
WL = os.environ.get("WL", "/tmp/wl")

# (name, program, workload mode): COMM stands for the workload's comm.
SCRIPTS = [
    ("count-by-comm", 'tracepoint:syscalls:sys_enter_getppid /comm == "COMM"/ { @[comm] = count(); }', "getppid"),
    ("sum", 'tracepoint:syscalls:sys_enter_lseek /comm == "COMM"/ { @bytes = sum(args->offset); }', "lseek"),
    ("hist", 'tracepoint:syscalls:sys_enter_read /comm == "COMM"/ { @size = hist(args->count); }', "read"),
    ("lhist", 'tracepoint:syscalls:sys_enter_lseek /comm == "COMM"/ { @off = lhist(args->offset, 0, 100000, 10000); }', "lseek"),
    ("stats", 'tracepoint:syscalls:sys_enter_read /comm == "COMM"/ { @s = stats(args->count); @a = avg(args->count); @m = max(args->count); }', "read"),
    ("str-predicate", 'tracepoint:syscalls:sys_enter_openat /comm == "COMM" && str(args->filename) == "/tmp/wl-missing-3"/ { @ = count(); }', "openat"),
    ("tuple-key", 'tracepoint:syscalls:sys_enter_lseek /comm == "COMM"/ { @[comm, args->whence] = sum(args->offset); }', "lseek"),
    ("printf", 'tracepoint:syscalls:sys_enter_lseek /comm == "COMM" && args->whence == 2/ { printf("%s %d %d\\n", comm, pid, args->offset); }', "lseek"),
    ("count-and-hist", 'tracepoint:syscalls:sys_enter_getppid /comm == "COMM"/ { @[comm] = count(); @h = hist(nsecs & 0xffff); }', "getppid"),
]


def bpftool_progs():
    out = subprocess.run(["bpftool", "prog", "show", "-j"], capture_output=True, text=True, check=True).stdout
    return {p["id"]: p for p in json.loads(out)}


def prog_ids(pid):
    """The ids of the BPF programs a process holds descriptors of."""
    ids = set()
    fd_dir = f"/proc/{pid}/fd"
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        return ids
    for fd in fds:
        try:
            if os.readlink(os.path.join(fd_dir, fd)) != "anon_inode:bpf-prog":
                continue
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                m = re.search(r"^prog_id:\s+(\d+)", f.read(), re.M)
            if m:
                ids.add(int(m.group(1)))
        except OSError:
            pass
    return ids


def start(cmd, timeout=180):
    """Starts a tracer and waits for its "Attaching" line."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        if line.startswith("Attaching"):
            # keep reading its output (printf lines) so that it never blocks on a full pipe
            import threading
            threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True).start()
            return p
    stop(p)
    raise SystemExit(f"{cmd[0]} did not attach")


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def measure(before, after, ids):
    """(translated instructions, events, ns per event) over the programs that ran."""
    insns, cnt, ns = 0, 0, 0
    for i in ids:
        a, b = after.get(i), before.get(i, {})
        if a is None:
            continue
        dc = a.get("run_cnt", 0) - b.get("run_cnt", 0)
        if dc <= 0:
            continue
        insns += a["bytes_xlated"] // 8
        cnt += dc
        ns += a.get("run_time_ns", 0) - b.get("run_time_ns", 0)
    return insns, cnt, (ns / cnt if cnt else float("nan"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=200000, help="workload events per script")
    ap.add_argument("--only", nargs="*", help="only these scripts")
    a = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root (BPF, and sysctl kernel.bpf_stats_enabled)")
    subprocess.run([FT, "--version"], check=True, stdout=subprocess.DEVNULL)  # build first, outside the timings
    stats_was = open("/proc/sys/kernel/bpf_stats_enabled").read().strip()
    subprocess.run(["sysctl", "-q", "kernel.bpf_stats_enabled=1"], check=True)
    rows = []
    try:
        for name, prog, mode in SCRIPTS:
            if a.only and name not in a.only:
                continue
            comm = "ftb" + "".join(random.SystemRandom().choice(string.ascii_lowercase) for _ in range(8))
            text = prog.replace("COMM", comm)
            bt = start(["bpftrace", "-e", text])
            ft = None
            try:
                ft = start([FT, "-e", text])
                time.sleep(0.5)
                bt_ids, ft_ids = prog_ids(bt.pid), prog_ids(ft.pid)
                before = bpftool_progs()
                subprocess.run([WL, comm, mode, str(a.events)], check=True)
                after = bpftool_progs()
            finally:
                stop(bt)
                if ft is not None:
                    stop(ft)
            b, f = measure(before, after, bt_ids), measure(before, after, ft_ids)
            rows.append((name, b, f))
            print(f"{name}: bpftrace {b[0]} insns {b[2]:.0f} ns/event ({b[1]} runs); "
                  f"fleettrace {f[0]} insns {f[2]:.0f} ns/event ({f[1]} runs)", file=sys.stderr)
    finally:
        subprocess.run(["sysctl", "-q", f"kernel.bpf_stats_enabled={stats_was}"])
    print(f"{'script':<16} {'bt insns':>8} {'ft insns':>8} {'ratio':>6}   {'bt ns/ev':>8} {'ft ns/ev':>8} {'ratio':>6}")
    for name, b, f in rows:
        ri = f[0] / b[0] if b[0] else float("nan")
        rt = f[2] / b[2] if b[2] else float("nan")
        print(f"{name:<16} {b[0]:>8} {f[0]:>8} {ri:>6.2f}   {b[2]:>8.0f} {f[2]:>8.0f} {rt:>6.2f}")


if __name__ == "__main__":
    main()
