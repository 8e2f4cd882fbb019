#!/usr/bin/env bash
# The demo: runs the daemon against a simulated Liévin zone on this machine and shows what got
# stored. Needs PostgreSQL on 127.0.0.1:5432 (started if stopped) and the mosquitto binary: the
# demo runs its own broker on 127.0.0.1:1884 with deploy/mosquitto/mosquitto.conf, because
# Mosquitto's defaults drop a session's queue beyond 1000 messages.
# Usage: bash deploy/demo.sh [frames] [readings-per-frame]
set -euo pipefail
cd "$(dirname "$0")/.."

FRAMES=${1:-3000}
PER_FRAME=${2:-50}
DB=wasteflow_demo
export WASTEFLOW__DATABASE__URL="postgres://postgres@127.0.0.1:5432/$DB"
BROKER_PORT=1884
export WASTEFLOW__MQTT__URL="mqtt://127.0.0.1:$BROKER_PORT?client_id=wasteflow-demo"
export WASTEFLOW__MQTT__TOPIC_FILTER="demo/+/+/up"
export WASTEFLOW__METRICS__LISTEN="127.0.0.1:9187"

bash .ci/services.sh
echo "== building (release)"
cargo build --release --quiet
BIN=target/release/wasteflow

echo "== broker: deploy/mosquitto/mosquitto.conf on 127.0.0.1:$BROKER_PORT"
BROKER_DIR=$(mktemp -d /tmp/wasteflow-demo-broker.XXXXXX)
sed -e "s/^listener .*/listener $BROKER_PORT 127.0.0.1/" -e "s#^persistence_location .*#persistence_location $BROKER_DIR/#" \
  deploy/mosquitto/mosquitto.conf > "$BROKER_DIR/mosquitto.conf"
[ "$(id -u)" = 0 ] && echo "user root" >> "$BROKER_DIR/mosquitto.conf"
mosquitto -c "$BROKER_DIR/mosquitto.conf" 2> "$BROKER_DIR/broker.log" &
BROKER=$!
trap 'kill $BROKER 2>/dev/null || true' EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$BROKER_PORT) 2>/dev/null && break; sleep 0.1; done

echo "== fresh database $DB"
psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
$BIN --config config/wasteflow.toml migrate

echo "== starting the daemon (metrics on http://$WASTEFLOW__METRICS__LISTEN/metrics)"
$BIN --config config/wasteflow.toml run 2> /tmp/wasteflow-demo.log &
DAEMON=$!
trap 'kill $DAEMON $BROKER 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -s "http://$WASTEFLOW__METRICS__LISTEN/metrics" 2>/dev/null | grep -q '^wasteflow_mqtt_subscribed 1' && break
  sleep 0.1
done

echo "== simulating $FRAMES frames x $PER_FRAME readings (2% duplicates, 1% malformed)"
SUMMARY=$($BIN --config config/wasteflow.toml simulate --frames "$FRAMES" --readings-per-frame "$PER_FRAME" \
  --duplicates 0.02 --malformed 0.01 --rate 2000 | tail -n 1)
echo "sent: $SUMMARY"
EXPECTED=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["readings"])' "$SUMMARY")
LAST=-1; STILL=0
while :; do
  STORED=$(psql -h 127.0.0.1 -U postgres -d $DB -Atc "SELECT count(*) FROM readings")
  [ "$STORED" != "$LAST" ] && { printf '\rstored %s / %s readings' "$STORED" "$EXPECTED"; STILL=0; } || STILL=$((STILL + 1))
  LAST=$STORED
  [ "$STORED" -ge "$EXPECTED" ] && break
  if [ $STILL -ge 50 ]; then echo; echo "no progress for 10 s: $((EXPECTED - STORED)) readings missing" >&2; exit 1; fi
  sleep 0.2
done
echo

echo "== per company (mass weighed in tonnes, from the 1-minute rollups)"
psql -h 127.0.0.1 -U postgres -d $DB -c "
  SELECT r.company_id AS company, r.readings, round(coalesce(f.mass_g, 0) / 1e6, 2) AS tonnes_weighed,
         coalesce(d.dead_letters, 0) AS dead_letters
  FROM (SELECT company_id, count(*) AS readings FROM readings GROUP BY 1) r
  LEFT JOIN (SELECT company_id, sum(mass_g) AS mass_g FROM flow_rollup_1m GROUP BY 1) f USING (company_id)
  LEFT JOIN (SELECT company_id, count(*) AS dead_letters FROM rejected_messages GROUP BY 1) d USING (company_id)
  ORDER BY 1"
echo "== dead letters by reason"
psql -h 127.0.0.1 -U postgres -d $DB -c "SELECT reason, count(*) FROM rejected_messages GROUP BY 1 ORDER BY 2 DESC"
echo "== verify: rollups against a recomputation from the raw readings"
$BIN --config config/wasteflow.toml verify
echo "== metrics: curl http://$WASTEFLOW__METRICS__LISTEN/metrics (a few lines)"
curl -s "http://$WASTEFLOW__METRICS__LISTEN/metrics" | grep -E '^wasteflow_(readings|messages)_[a-z_]*_total' || true
kill -TERM $DAEMON; wait $DAEMON || true
kill $BROKER; wait $BROKER 2>/dev/null || true
trap - EXIT
echo "== done; daemon log in /tmp/wasteflow-demo.log, data in database $DB"
