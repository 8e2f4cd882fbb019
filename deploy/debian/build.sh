#!/usr/bin/env bash
# Builds the Debian package: target/debian/wasteflow_<version>-1_<arch>.deb.
#   1. the release binary;
#   2. the manual pages and shell completions, generated from the command line definition
#      (examples/manuals.rs) into target/assets/;
#   3. `cargo deb --no-build`, with the metadata in Cargo.toml ([package.metadata.deb]).
# Uses cargo-deb 3.8.0 when it is on the PATH, else installs it into target/tools/ (about 2
# minutes, said before it starts; nothing outside this checkout). Prints the package's path
# last.
# Usage: bash deploy/debian/build.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
CARGO_DEB_VERSION=3.8.0
export PATH="$PWD/target/tools/bin:$PATH"
if ! cargo deb --version 2>/dev/null | grep -qF "$CARGO_DEB_VERSION"; then
  echo "cargo-deb $CARGO_DEB_VERSION is not installed: installing it into target/tools/ (about 2 minutes)" >&2
  cargo install cargo-deb --locked --version "$CARGO_DEB_VERSION" --root target/tools
fi
# The release build as `cargo build --release` makes it, so an existing one is reused; the
# package strips its debug information (--strip).
cargo build --release --locked
cargo run --locked --quiet --example manuals -- target/assets >&2
cargo deb --no-build --locked --strip "$@"
