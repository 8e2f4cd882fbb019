#!/usr/bin/env bash
# Installs wasteflow from source as a systemd service (the Debian package is the other route:
# deploy/debian/build.sh, docs/operations.md "Install"):
#   /usr/local/bin/wasteflow                      the binary (built here in release mode)
#   /etc/systemd/system/wasteflow.service         the unit (deploy/systemd/wasteflow.service)
#   /etc/wasteflow/wasteflow.toml, zone.toml      example configuration (kept if present)
#   /etc/wasteflow/credentials/                   secrets for LoadCredential= (root:wasteflow 0750;
#                                                 a secret 0640 is the group's, 0600 root's)
#   /usr/local/share/doc/wasteflow/               operations, alerting, reliability, scaling, KPIs
# and a system user `wasteflow` that owns nothing but reads its configuration.
#
# Usage: sudo deploy/install.sh [--binary PATH]
#   DESTDIR=/tmp/stage deploy/install.sh   stages into a directory instead (no user, no systemctl)
# Upgrades: run it again, then `wasteflow migrate` if the release notes say so (or keep
# database.migrate_on_start), then `systemctl restart wasteflow`. Configuration files that
# exist are never overwritten; the new examples land next to them as *.example. The unit is
# replaced: change it with drop-ins (`systemctl edit wasteflow`), never in place.
set -euo pipefail
cd "$(dirname "$0")/.."
BINARY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) BINARY=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (try --help)" >&2; exit 64 ;;
  esac
done
D=${DESTDIR:-}
if [ -z "$D" ] && [ "$(id -u)" != 0 ]; then
  echo "run as root (or set DESTDIR to stage the files)" >&2
  exit 1
fi
if [ -z "$BINARY" ]; then
  cargo build --release --locked --quiet
  BINARY=target/release/wasteflow
fi

install -d -m 0755 "$D/usr/local/bin" "$D/etc/systemd/system" "$D/usr/local/share/doc/wasteflow"
install -m 0755 "$BINARY" "$D/usr/local/bin/wasteflow"
# The unit names the package's paths (/usr/bin, /usr/share/doc); from source, /usr/local.
sed -e 's#/usr/bin/wasteflow#/usr/local/bin/wasteflow#g' -e 's#/usr/share/doc/wasteflow#/usr/local/share/doc/wasteflow#g' \
  deploy/systemd/wasteflow.service > "$D/etc/systemd/system/wasteflow.service.tmp"
install -m 0644 "$D/etc/systemd/system/wasteflow.service.tmp" "$D/etc/systemd/system/wasteflow.service"
rm -f "$D/etc/systemd/system/wasteflow.service.tmp"
# Every document: they link to one another.
for doc in docs/*.md; do
  install -m 0644 "$doc" "$D/usr/local/share/doc/wasteflow/$(basename "$doc")"
done

if [ -z "$D" ] && ! id wasteflow >/dev/null 2>&1; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin wasteflow
fi
OWNER=root:root
[ -z "$D" ] && OWNER=root:wasteflow

# Configuration: readable by the service's group, writable by root only.
install -d -m 0750 "$D/etc/wasteflow"
install -d -m 0750 "$D/etc/wasteflow/credentials"
for f in wasteflow.toml zone.toml; do
  target="$D/etc/wasteflow/$f"
  [ -e "$target" ] && target="$target.example"
  # As shipped: `file = "zone.toml"` is relative to the configuration file's directory.
  install -m 0640 "config/$f" "$target"
done
[ -z "$D" ] && chown -R "$OWNER" "$D/etc/wasteflow"
if [ ! -e "$D/etc/wasteflow/credentials/db-password" ]; then
  echo "note: put the database password in /etc/wasteflow/credentials/db-password (mode 0640, group wasteflow)," \
       "or remove LoadCredential= from the unit if the database needs none"
fi

"$D/usr/local/bin/wasteflow" --config "$D/etc/wasteflow/wasteflow.toml" --version
if [ -z "$D" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  echo "installed; start with: systemctl enable --now wasteflow"
else
  echo "installed into ${D:-/} (systemd not running here: enable the unit on the target host)"
fi
