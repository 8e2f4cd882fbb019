#!/usr/bin/env bash
# What the demo needs, and nothing else: PostgreSQL on 127.0.0.1:5432 (user postgres, trust on
# 127.0.0.1, as Debian's test machines have it), the mosquitto binary (the demo runs its own
# broker), curl and python3. Installs from Debian's packages only what is missing, without the
# packages' recommendations, after asking (when run from a terminal; WASTEFLOW_DEMO_YES=1 answers
# yes); starts PostgreSQL if it is installed but stopped, and says so. Stops nothing.
set -euo pipefail

need=()
command -v mosquitto >/dev/null || need+=(mosquitto)
command -v psql >/dev/null || need+=(postgresql postgresql-client)
command -v curl >/dev/null || need+=(curl)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  echo "the demo needs these Debian packages, missing here: ${need[*]}"
  if [ "${WASTEFLOW_DEMO_YES:-}" != 1 ] && [ -t 0 ]; then
    read -r -p "install them with apt-get (y/N)? " answer
    case "$answer" in y|Y|yes) ;; *) echo "not installed; the demo cannot run without them" >&2; exit 1 ;; esac
  fi
  [ "$(id -u)" = 0 ] || { echo "installing needs root: run the demo as root, or install them first" >&2; exit 1; }
  # policy-rc.d: the packages' own services are not started by the installation (Mosquitto on
  # 1883 would be a broker the demo does not use).
  # (one already there, as in container images, is left as it is).
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  cluster=$(ls /etc/postgresql 2>/dev/null | head -n1)
  [ -n "$cluster" ] || { echo "no PostgreSQL cluster in /etc/postgresql" >&2; exit 1; }
  echo "starting PostgreSQL $cluster/main (it was stopped; the demo leaves it running)"
  pg_ctlcluster --skip-systemctl-redirect "$cluster" main start
  for _ in $(seq 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
fi
pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not answering on 127.0.0.1:5432" >&2; exit 1; }
