#!/usr/bin/env bash
# Starts PostgreSQL and Mosquitto on 127.0.0.1 if they are not running (machine kind rust-svc),
# and installs from Debian's packages whatever the demo and the tests need that is absent:
#   mosquitto, postgresql (server binaries: tests start private clusters), curl, python3 (demo);
#   prometheus (promtool and a server: the alert rules' tests), systemd (systemd-analyze: the
#   unit's tests), man-db (tests/manuals.rs renders the pages), util-linux (runuser: tests run
#   commands as another user, which needs root), chromium (headless: tests/report_html.rs renders
#   the HTML reports to PNG and reads back their DOM) and a font for it (fonts-dejavu-core).
set -euo pipefail

need_apt=()
command -v mosquitto >/dev/null || need_apt+=(mosquitto)
command -v psql >/dev/null || need_apt+=(postgresql postgresql-client)
command -v curl >/dev/null || need_apt+=(curl)
command -v python3 >/dev/null || need_apt+=(python3)
{ command -v promtool >/dev/null && command -v prometheus >/dev/null; } || need_apt+=(prometheus)
command -v systemd-analyze >/dev/null || need_apt+=(systemd)
command -v man >/dev/null || need_apt+=(man-db)
command -v runuser >/dev/null || need_apt+=(util-linux)
command -v chromium >/dev/null || need_apt+=(chromium)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_apt+=(fonts-dejavu-core)
if [ ${#need_apt[@]} -gt 0 ]; then
  # Without the packages' recommendations (prometheus alone would bring node-exporter,
  # smartmontools, nvme-cli...), and with policy-rc.d refusing to start their services: the
  # tests run their own Prometheus, and nothing already running is stopped.
  # (one already there, as in container images, is left as it is).
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null; then
  mosquitto -d -c /etc/mosquitto/mosquitto.conf
fi
for _ in $(seq 50); do
  pg_isready -q -h 127.0.0.1 -p 5432 && (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null && exit 0
  sleep 0.2
done
echo "services did not come up: PostgreSQL 127.0.0.1:5432 and Mosquitto 127.0.0.1:1883 are required" >&2
exit 1
