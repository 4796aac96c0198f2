#!/usr/bin/env python3
"""Lossless interval ticks at full speed, and the latency from the end of a window to its report.

  sudo python3 bench/lossless.py [--events 3000000] [--agents 2] [--interval-ms 100] [--runs 3]

Runs a broker, a coordinator and --agents agent daemons (cluster mode, on this one kernel: every
agent sees every event), then, --runs times, the workload flat out under

  tracepoint:syscalls:sys_enter_getppid /comm == "ftloss"/ { @c = count(); }
  interval:ms:N { print(@c); clear(@c); }

and reports per run:
  - the sum of every printed count (the ticks and the final summary) against events x agents: it
    must be exact;
  - events a second per host (the workload's syscalls over its run time, traced by every agent);
  - from the end of each window to its INTERVAL report (the report's timestampMs - windowEndMs, read
    back with `fleettrace reports -f avro`): median, p90, max.
Then the same program under bpftrace (its clear() is not lossless: the sum drifts), for comparison.
"""
import argparse, json, os, re, socket, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FT = os.path.join(ROOT, "bin", "fleettrace")
COMM = "ftloss"


def program(interval_ms):
    return (f'tracepoint:syscalls:sys_enter_getppid /comm == "{COMM}"/ {{ @c = count(); }} '
            f'interval:ms:{interval_ms} {{ print(@c); clear(@c); }}')


def workload():
    wl = os.path.join(ROOT, "target", "wl")
    src = os.path.join(ROOT, "conformance", "wl.c")
    if not os.path.exists(wl) or os.path.getmtime(wl) < os.path.getmtime(src):
        os.makedirs(os.path.dirname(wl), exist_ok=True)
        subprocess.run(["gcc", "-O2", "-o", wl, src], check=True)
    return wl


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(path, text, timeout=120):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(path) and text in open(path, errors="replace").read():
            return
        time.sleep(0.2)
    sys.exit(f"no '{text}' in {path} within {timeout} s")


def measure(cmd, events):
    """Runs a tracer with -c "date; wl; date"; returns (sum of @c, events/s, stdout)."""
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    out = done.stdout
    if "@c: " not in out:
        sys.stderr.write(f"{cmd[0]} printed no count (exit {done.returncode}):\n{done.stderr}\n")
    stamps = [int(l) for l in out.splitlines() if re.fullmatch(r"\d{19}", l)]
    total = sum(int(l.split(": ")[1]) for l in out.splitlines() if l.startswith("@c: "))
    rate = events / ((stamps[1] - stamps[0]) / 1e9) if len(stamps) == 2 else float("nan")
    return total, rate, out


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=3_000_000)
    ap.add_argument("--agents", type=int, default=2)
    ap.add_argument("--interval-ms", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    wl = workload()
    # bpftrace splits -c at spaces without any quoting: the timed run is a script of its own.
    child = os.path.join(tempfile.mkdtemp(prefix="ft-lossless-"), "run.sh")
    with open(child, "w") as f:
        f.write(f"#!/bin/sh\ndate +%s%N\n{wl} {COMM} getppid {a.events}\ndate +%s%N\n")
    child = "/bin/sh " + child
    port = free_port()
    bootstrap = f"127.0.0.1:{port}"
    logs = tempfile.mkdtemp(prefix="ft-lossless-")
    daemons = []

    def daemon(name, *args):
        log = os.path.join(logs, name + ".log")
        daemons.append(subprocess.Popen([FT, *args], stdout=open(log, "w"), stderr=subprocess.STDOUT))
        return log

    try:
        wait_for(daemon("broker", "broker", "--port", str(port)), "listening")
        coord = daemon("coordinator", "coordinator", "--bootstrap", bootstrap)
        agents = [daemon(f"agent-{i}", "agent", "--bootstrap", bootstrap, "--name", f"node-{i}") for i in range(1, a.agents + 1)]
        for log in [coord, *agents]:
            wait_for(log, "running against")
        time.sleep(3)  # the coordinator sees every agent's heartbeat

        print(f"{a.events:,} getppid calls flat out, interval:ms:{a.interval_ms} print+clear, {a.agents} agents (each sees every call)")
        expected = a.events * a.agents
        for run in range(1, a.runs + 1):
            job = f"lossless-{os.getpid()}-{run}"
            total, rate, out = measure([FT, "--bootstrap", bootstrap, "--job-id", job, "-e", program(a.interval_ms), "-c", child], a.events)
            reports = subprocess.run([FT, "reports", "--bootstrap", bootstrap, "--job", job, "--from-beginning", "-f", "avro"],
                                     capture_output=True, text=True, timeout=120).stdout
            lat = [r["timestampMs"] - r["windowEndMs"] for r in map(json.loads, reports.splitlines()) if r["kind"] == "INTERVAL"]
            ticks = len(lat)
            print(f"  fleettrace run {run}: sum {total:,} of {expected:,} ({'exact' if total == expected else 'OFF BY ' + format(total - expected, ',')}), "
                  f"{rate:,.0f} events/s per host, {ticks} ticks, window end to report: median {statistics.median(lat) if lat else float('nan'):.0f} ms, "
                  f"p90 {pct(lat, 90) if lat else float('nan'):.0f} ms, max {max(lat) if lat else float('nan'):.0f} ms")
    finally:
        for p in reversed(daemons):
            p.terminate()
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()

    for run in range(1, a.runs + 1):
        total, rate, out = measure(["bpftrace", "-e", program(a.interval_ms), "-c", child], a.events)
        print(f"  bpftrace   run {run}: sum {total:,} of {a.events:,} ({'exact' if total == a.events else 'off by ' + format(total - a.events, ',')}), "
              f"{rate:,.0f} events/s")


if __name__ == "__main__":
    main()
