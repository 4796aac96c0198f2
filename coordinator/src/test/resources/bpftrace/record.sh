#!/bin/sh
# Records what bpftrace (the oracle, 0.17 here) prints for each case folder given (default: all):
#   CASE/script.bt  the program
#   CASE/workload   arguments for the wl workload (conformance/wl.c), absent for BEGIN-only programs
# writes CASE/command (the exact command lines), CASE/expected.txt and CASE/expected.json: stdout,
# the "Attaching" / attached_probes line left out (stderr holds only the RLIMIT_MEMLOCK notice).
# Needs root; build wl first: gcc -O2 -o /tmp/wl conformance/wl.c
set -e
WL=${WL:-/tmp/wl}
cd "$(dirname "$0")"
[ $# -gt 0 ] || set -- */
for c in "$@"; do
  c=${c%/}
  if [ -f "$c/workload" ]; then
    run() { bpftrace "$@" "$c/script.bt" -c "$WL $(cat "$c/workload")"; }
    printf 'bpftrace %s/script.bt -c "%s %s"\nbpftrace -f json %s/script.bt -c "%s %s"\n' "$c" "$WL" "$(cat "$c/workload")" "$c" "$WL" "$(cat "$c/workload")" > "$c/command"
  else
    run() { bpftrace "$@" "$c/script.bt"; }
    printf 'bpftrace %s/script.bt\nbpftrace -f json %s/script.bt\n' "$c" "$c" > "$c/command"
  fi
  bpftrace --version >> "$c/command"
  run 2>/dev/null | grep -v '^Attaching [0-9]* probe' > "$c/expected.txt"
  run -f json 2>/dev/null | grep -v '^{"type": "attached_probes"' > "$c/expected.json"
  echo "recorded $c"
done
