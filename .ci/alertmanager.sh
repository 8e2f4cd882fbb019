#!/usr/bin/env bash
# CI: the example Alertmanager configuration (deploy/alertmanager, docs/alerting.md). Checks it,
# runs the routing cases of routes.test with amtool, checks that every alert of the rules file
# and every company of the example zone has a routing case, then starts a real Alertmanager on
# a free port and checks the inhibition cases of inhibit.test. Takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=deploy/alertmanager
config=$dir/alertmanager.yml

# amtool and the Alertmanager (Debian package), as .ci/run installs promtool.
if ! command -v amtool >/dev/null || ! command -v prometheus-alertmanager >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus-alertmanager
  # The package may start its own server on :9093; the checks below run their own. Matched on
  # the command line: the process name is cut to 15 characters, so `pkill -x` would miss it.
  pkill -f '^/usr/bin/prometheus-alertmanager' || true
fi

amtool check-config "$config"

# Routing: one case a line, `receivers label=value ...`.
failed=0
cases=0
set -f   # label values are taken literally, never as globs
while read -r expected labels; do
  case "$expected" in ''|'#'*) continue ;; esac
  cases=$((cases + 1))
  # shellcheck disable=SC2086 # one argument per label
  if ! amtool config routes test --config.file="$config" --verify.receivers="$expected" $labels >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    got=$(amtool config routes test --config.file="$config" $labels 2>/dev/null || true)
    echo "routes.test: expected $expected, routed to ${got:-nothing}: $labels" >&2
    failed=1
  fi
done < "$dir/routes.test"
set +f
[ "$failed" = 0 ] || exit 1
echo "routing: $cases cases pass"

# No alert without a routing case, no company of the example zone without its receiver.
python3 .ci/alertmanager.py coverage
echo "routing: every alert of the rules and every company of the zone has a case"

# Inhibition: a real Alertmanager, on a free port, with its own storage, clustering off.
tmp=$(mktemp -d)
am_pid=
cleanup() {
  if [ -n "$am_pid" ]; then kill "$am_pid" 2>/dev/null || true; wait "$am_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
prometheus-alertmanager --config.file="$config" --storage.path="$tmp" \
  --web.listen-address="127.0.0.1:$port" --cluster.listen-address= --log.level=warn \
  >"$tmp/alertmanager.log" 2>&1 &
am_pid=$!
if ! python3 .ci/alertmanager.py inhibit "$url"; then
  echo "Alertmanager log:" >&2
  cat "$tmp/alertmanager.log" >&2
  exit 1
fi
echo "inhibition: $(grep -cE '^(active|inhibited) ' "$dir/inhibit.test") cases pass"
