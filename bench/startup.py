#!/usr/bin/env python3
"""Start-up, memory and idle cost of fleettrace, side by side with bpftrace.

  sudo python3 bench/startup.py [--runs 5] [--idle-seconds 30]

Measures, for the same one-liner:
  - seconds from launch to "Attaching N probes..." (median, min, max of --runs):
    bpftrace; fleettrace embedded (broker, coordinator and agent in one process);
    fleettrace --bootstrap against running broker, coordinator and agent daemons.
  - resident memory (peak VmHWM) of each, and of the agent daemon.
  - CPU an idle agent daemon uses (no job), and one running a job on an idle tracepoint.
Prints one line per figure and the ratios against bpftrace.
"""
import argparse, os, re, signal, socket, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FT = os.path.join(ROOT, "bin", "fleettrace")
PROGRAM = 'tracepoint:syscalls:sys_enter_getppid /comm == "ftbench"/ { @ = count(); }'
CLK = os.sysconf("SC_CLK_TCK")


def hwm_kib(pid):
    """Peak resident set of a process and its descendants' largest (the launcher execs java)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            m = re.search(r"VmHWM:\s+(\d+) kB", f.read())
            return int(m.group(1)) if m else 0
    except OSError:
        return 0


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def time_to_attached(cmd, timeout=120):
    """Launches cmd, returns (seconds until the Attaching line, peak RSS KiB); then stops it with SIGINT."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    took = None
    try:
        while True:
            line = p.stdout.readline()
            if not line:
                break
            if line.startswith("Attaching") or '"attached_probes"' in line:
                took = time.monotonic() - t0
                break
            if time.monotonic() - t0 > timeout:
                break
        time.sleep(1.0)  # let it settle, so the peak includes a running job
        rss = hwm_kib(p.pid)
        p.send_signal(signal.SIGINT)
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
        return took, rss
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_daemon(args, ready_text, log):
    f = open(log, "w")
    p = subprocess.Popen([FT] + args, stdout=f, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with open(log) as r:
            if ready_text in r.read():
                return p
        time.sleep(0.2)
    raise SystemExit(f"{args[0]} did not start: see {log}")


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)


def summary(name, xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        print(f"{name}: no measurement")
        return None
    med = statistics.median(xs)
    print(f"{name}: median {med:.2f} s (min {min(xs):.2f}, max {max(xs):.2f}, n={len(xs)})")
    return med


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--idle-seconds", type=int, default=30)
    a = ap.parse_args()
    subprocess.run([FT, "--version"], check=True, stdout=subprocess.DEVNULL)  # build first, outside the timings

    results = {}
    have_bpftrace = subprocess.run(["which", "bpftrace"], capture_output=True).returncode == 0
    if have_bpftrace:
        runs = [time_to_attached(["bpftrace", "-e", PROGRAM]) for _ in range(a.runs)]
        results["bpftrace"] = summary("bpftrace launch to attached", [t for t, _ in runs])
        print(f"bpftrace peak resident: {max(r for _, r in runs) / 1024:.0f} MiB")
    runs = [time_to_attached([FT, "-e", PROGRAM]) for _ in range(a.runs)]
    results["embedded"] = summary("fleettrace (embedded: broker + coordinator + agent) launch to attached", [t for t, _ in runs])
    print(f"fleettrace embedded peak resident: {max(r for _, r in runs) / 1024:.0f} MiB")

    port = free_port()
    bootstrap = f"127.0.0.1:{port}"
    logs = "/tmp/ftbench"
    os.makedirs(logs, exist_ok=True)
    broker = start_daemon(["broker", "--port", str(port)], "listening", f"{logs}/broker.log")
    coord = start_daemon(["coordinator", "--bootstrap", bootstrap], "running against", f"{logs}/coordinator.log")
    agent = start_daemon(["agent", "--bootstrap", bootstrap, "--name", "bench-node"], "running against", f"{logs}/agent.log")
    try:
        time.sleep(3)  # the coordinator learns the agent from its heartbeats
        agent_java = int(subprocess.run(["pgrep", "-P", str(agent.pid)], capture_output=True, text=True).stdout.split()[0]) \
            if subprocess.run(["pgrep", "-P", str(agent.pid)], capture_output=True, text=True).stdout.strip() else agent.pid
        t0, c0 = time.monotonic(), cpu_ticks(agent_java)
        time.sleep(a.idle_seconds)
        idle = (cpu_ticks(agent_java) - c0) / CLK / (time.monotonic() - t0)
        print(f"agent daemon, idle (no job): {idle * 100:.2f}% of one CPU over {a.idle_seconds} s; resident {hwm_kib(agent_java) / 1024:.0f} MiB")

        runs = [time_to_attached([FT, "--bootstrap", bootstrap, "-e", PROGRAM]) for _ in range(a.runs)]
        results["bootstrap"] = summary("fleettrace --bootstrap (daemons running) launch to attached", [t for t, _ in runs])
        print(f"fleettrace --bootstrap client peak resident: {max(r for _, r in runs) / 1024:.0f} MiB")

        # An agent running a job whose probe never fires: the cost of flushing and heartbeats.
        p = subprocess.Popen([FT, "--bootstrap", bootstrap, "-e", 'tracepoint:syscalls:sys_enter_getppid /comm == "nobody-ever"/ { @ = count(); }'],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
        p.stdout.readline()
        time.sleep(2)
        t0, c0 = time.monotonic(), cpu_ticks(agent_java)
        time.sleep(a.idle_seconds)
        busy = (cpu_ticks(agent_java) - c0) / CLK / (time.monotonic() - t0)
        print(f"agent daemon, one job on an idle probe (1 s flushes): {busy * 100:.2f}% of one CPU; resident {hwm_kib(agent_java) / 1024:.0f} MiB")
        p.send_signal(signal.SIGINT)
        p.wait(timeout=60)
    finally:
        for d in (agent, coord, broker):
            stop(d)

    if have_bpftrace and results.get("bpftrace"):
        for k in ("embedded", "bootstrap"):
            if results.get(k):
                print(f"ratio {k} / bpftrace launch to attached: {results[k] / results['bpftrace']:.1f}x")


if __name__ == "__main__":
    main()
