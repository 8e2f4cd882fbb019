#!/usr/bin/env bash
# Builds the Debian package: target/debian/wasteflow_<version>-1_<arch>.deb.
#   1. the release binary;
#   2. the manual pages and shell completions, generated from the command line definition
#      (examples/manuals.rs) into target/assets/;
#   3. `cargo deb --no-build`, with the metadata in Cargo.toml ([package.metadata.deb]).
# Installs cargo-deb when it is missing (about 2 minutes). Prints the package's path last.
# Usage: bash deploy/debian/build.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
CARGO_DEB_VERSION=3.8.0
if ! cargo deb --version 2>/dev/null | grep -qF "$CARGO_DEB_VERSION"; then
  cargo install cargo-deb --locked --version "$CARGO_DEB_VERSION"
fi
# No debug info: the package strips it anyway, and the build is shorter without it
# ([profile.release] keeps it for the benchmarks' profiles).
CARGO_PROFILE_RELEASE_DEBUG=0 cargo build --release --locked
cargo run --locked --quiet --example manuals -- target/assets >&2
cargo deb --no-build --locked --strip "$@"
