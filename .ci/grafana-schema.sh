#!/usr/bin/env bash
# Holds every dashboard of deploy/grafana/dashboards to Grafana's own published schema: the
# `Dashboard` type of @grafana/schema (npm, pinned in .ci/grafana-schema/package.json), checked
# by the TypeScript compiler (strict; an unknown key is an error, as a missing required one, or
# a value outside an enum).
# Grafana itself is not installable here; its schema is. Also holds the panel types to the
# stock panels of Grafana (no plugin to install).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=.ci/grafana-schema
if ! command -v node >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
fi
npm ci --prefix "$DIR" --no-audit --no-fund --loglevel=error
CHECK="$DIR/check"
rm -rf "$CHECK" && mkdir -p "$CHECK"
for f in deploy/grafana/dashboards/*.json; do
  name=$(basename "$f" .json | tr -c 'a-zA-Z0-9\n' _)
  { echo "import type { Dashboard } from '@grafana/schema';"
    # JSON writes an enum's value (\"absolute\"), TypeScript's string enums take only their
    # members: Json<T> is T with each string enum as the union of its values, recursively.
    echo 'type Json<T> = T extends string ? `${T}` : T extends (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;'
    echo "export const $name: Json<Dashboard> ="
    cat "$f"
    echo ";"; } > "$CHECK/$name.ts"
done
cat > "$CHECK/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "strict": true, "noEmit": true, "skipLibCheck": true, "types": [],
    "module": "esnext", "moduleResolution": "bundler", "target": "es2022"
  },
  "include": ["*.ts"]
}
JSON
"$DIR/node_modules/.bin/tsc" -p "$CHECK"
echo "dashboards: $(ls deploy/grafana/dashboards/*.json | wc -l) hold to @grafana/schema $(node -p "require('./$DIR/node_modules/@grafana/schema/package.json').version")"
