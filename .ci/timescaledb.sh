#!/usr/bin/env bash
# Installs (npm) and starts a real TimescaleDB 2.23 (PGlite WebAssembly build) on 127.0.0.1:$1,
# then runs the storage suite against it. There is no native TimescaleDB package here.
# Usage: bash .ci/timescaledb.sh [port]
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${1:-15433}

if ! command -v node >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
fi
npm ci --prefix .ci/timescaledb --legacy-peer-deps --no-audit --no-fund --loglevel=error
LOG=$(mktemp /tmp/wasteflow-timescaledb.XXXXXX.log)
node .ci/timescaledb/server.mjs "$PORT" > "$LOG" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 120); do
  grep -q listening "$LOG" && break
  kill -0 $SERVER 2>/dev/null || {
    cat "$LOG" >&2
    echo "TimescaleDB (PGlite) exited before listening on 127.0.0.1:$PORT (is the port taken? ss -ltnp | grep $PORT)" >&2
    exit 1
  }
  sleep 0.5
done
grep -q listening "$LOG" || { echo "TimescaleDB (PGlite) did not start" >&2; tail -20 "$LOG" >&2; exit 1; }

# PGlite has a single backend: the suite runs one test at a time. storage_upgrade upgrades a v1
# database of 20,000 readings with compressed hypertables (about 7 s; docs/storage.md).
WASTEFLOW_TEST_TIMESCALE_URL="postgres://postgres:x@127.0.0.1:$PORT/postgres" \
  cargo test --locked --test storage_rollups --test storage_kpis --test storage_esrs --test storage_esrs_resolved --test storage_esrs_balance --test storage_one_set_of_figures --test storage_plausibility --test storage_dashboards --test storage_access --test storage_weighings --test storage_upgrade -- --test-threads=1 --nocapture
