#!/bin/bash
# Issue 29's wide figure with PostgreSQL on a core of its own: the machine's PostgreSQL pinned to
# CPU 0 (its running processes; backends forked later inherit it), the benchmark, the daemon,
# Mosquitto and the simulator on CPU 1, then `WASTEFLOW_BENCH_ONLY=wide` RUNS times (default 3).
# The affinity is restored (every CPU) on exit, whatever happens. Needs root (or the postgres
# user's processes' owner) and a machine with at least 2 CPUs. docs/performance.md, session 14.
set -euo pipefail
cd "$(dirname "$0")/.."
restore() { for p in $(pgrep -u postgres); do taskset -a -p "$(printf '%x' $(( (1 << $(nproc)) - 1 )))" "$p" > /dev/null || true; done; }
trap restore EXIT
for p in $(pgrep -u postgres); do taskset -a -p 0x1 "$p" > /dev/null; done
for _ in $(seq "${RUNS:-3}"); do
    taskset -c 1 env WASTEFLOW_BENCH_ONLY=wide cargo bench --bench end_to_end 2>&1 | grep -E '^50|^v2'
done
