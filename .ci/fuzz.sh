#!/usr/bin/env bash
# Fuzzes decode + validate (fuzz/fuzz_targets/decode_validate.rs) for a bounded time.
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`); libFuzzer's instrumentation uses
# unstable compiler flags, which the stable toolchain accepts with RUSTC_BOOTSTRAP=1.
# Usage: .ci/fuzz.sh [seconds]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
SECONDS_TO_RUN=${1:-60}
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O decode_validate
mkdir -p corpus/decode_validate
# Seed the corpus with the documented wire vectors (the `hex:` lines of docs/wire-format.md),
# behind a first byte that picks a known gateway's topic.
python3 - <<'PY'
import re, pathlib
doc = pathlib.Path("../docs/wire-format.md").read_text()
for i, hexs in enumerate(re.findall(r"^hex: ([0-9a-f]+)$", doc, re.M)):
    pathlib.Path(f"corpus/decode_validate/vector-{i}").write_bytes(b"\x00" + bytes.fromhex(hexs))
PY
cargo fuzz run -O decode_validate corpus/decode_validate -- -max_total_time="$SECONDS_TO_RUN" -max_len=4096 \
  -print_final_stats=1 2>&1 | grep -E "stat::number_of_executed_units|Done|ERROR|panicked|crash" || true
# A crash leaves an artifact and a non-zero exit above; fail loudly if one exists.
if ls artifacts/decode_validate/crash-* >/dev/null 2>&1; then
  echo "fuzzing found a crash: fuzz/artifacts/decode_validate/" >&2
  exit 1
fi
