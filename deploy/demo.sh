#!/usr/bin/env bash
# The demo: runs the daemon against a simulated Liévin zone on this machine and shows what got
# stored. Needs PostgreSQL on 127.0.0.1:5432 (started if stopped), the mosquitto binary, curl
# and python3 (deploy/demo-needs.sh installs what is missing, after asking): the demo runs its
# own broker on 127.0.0.1:1884 with deploy/mosquitto/mosquitto.conf, because Mosquitto's
# defaults drop a session's queue beyond 1000 messages. It stops only what it started: its
# broker and its daemon.
# Usage: bash deploy/demo.sh [days] [speedup]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

DAYS=${1:-14}
SPEEDUP=${2:-60480}   # simulated seconds per real second: two weeks in about 20 s
DB=wasteflow_demo
export WASTEFLOW__DATABASE__URL="postgres://postgres@127.0.0.1:5432/$DB"
BROKER_PORT=1884
export WASTEFLOW__MQTT__URL="mqtt://127.0.0.1:$BROKER_PORT?client_id=wasteflow-demo"
export WASTEFLOW__MQTT__TOPIC_FILTER="demo/+/+/up"
export WASTEFLOW__METRICS__LISTEN="127.0.0.1:9187"

bash deploy/demo-needs.sh
echo "== building (release; the first build compiles for several minutes)"
cargo build --release
# Where cargo put it: target/, or CARGO_TARGET_DIR (or build.target-dir) when set.
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
BIN=$TARGET_DIR/release/wasteflow

echo "== broker: deploy/mosquitto/mosquitto.conf on 127.0.0.1:$BROKER_PORT"
BROKER_DIR=$(mktemp -d /tmp/wasteflow-demo-broker.XXXXXX)
sed -e "s/^listener .*/listener $BROKER_PORT 127.0.0.1/" -e "s#^persistence_location .*#persistence_location $BROKER_DIR/#" \
  deploy/mosquitto/mosquitto.conf > "$BROKER_DIR/mosquitto.conf"
[ "$(id -u)" = 0 ] && echo "user root" >> "$BROKER_DIR/mosquitto.conf"
mosquitto -c "$BROKER_DIR/mosquitto.conf" 2> "$BROKER_DIR/broker.log" &
BROKER=$!
# The broker's directory goes with the demo, whatever way it ends.
trap 'kill $BROKER 2>/dev/null || true; rm -rf "$BROKER_DIR"' EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$BROKER_PORT) 2>/dev/null && break; sleep 0.1; done

echo "== fresh database $DB"
psql -q -h 127.0.0.1 -U postgres -d postgres -c "SET client_min_messages TO warning" \
  -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
$BIN --config config/wasteflow.toml migrate

echo "== starting the daemon (metrics on http://$WASTEFLOW__METRICS__LISTEN/metrics)"
$BIN --config config/wasteflow.toml run 2> /tmp/wasteflow-demo.log &
DAEMON=$!
trap 'kill $DAEMON $BROKER 2>/dev/null || true; rm -rf "$BROKER_DIR"' EXIT
for _ in $(seq 100); do
  curl -s "http://$WASTEFLOW__METRICS__LISTEN/metrics" 2>/dev/null | grep -q '^wasteflow_mqtt_subscribed 1' && break
  sleep 0.1
done

echo "== simulating $DAYS days of the zone (shifts, weekends, collections, the containers' devices; faults:"
echo "   overflow, fire risk, a device fire alarm, a fallen container, a moved skip, a lid left open;"
echo "   1% duplicates, 0.5% malformed), $SPEEDUP x real time"
SUMMARY=$($BIN --config config/wasteflow.toml simulate --realistic --days "$DAYS" --speedup "$SPEEDUP" --seed 2026 \
  --fault overflow --fault fire --fault fire-alarm --fault tilt --fault moved --fault lid \
  --duplicates 0.01 --malformed 0.005 | tail -n 1)
EXPECTED=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["readings"])' "$SUMMARY")
echo "sent: $EXPECTED readings"
LAST=-1; STILL=0
while :; do
  DONE=$(psql -h 127.0.0.1 -U postgres -d $DB -Atc \
    "SELECT (SELECT count(*) FROM readings) + (SELECT count(*) FROM rejected_messages WHERE reading_index >= 0)")
  [ "$DONE" != "$LAST" ] && { printf '\rstored or dead-lettered %s / %s readings' "$DONE" "$EXPECTED"; STILL=0; } || STILL=$((STILL + 1))
  LAST=$DONE
  [ "$DONE" -ge "$EXPECTED" ] && break
  if [ $STILL -ge 50 ]; then echo; echo "no progress for 10 s: $((EXPECTED - DONE)) readings missing" >&2; exit 1; fi
  sleep 0.2
done
echo

echo "== per company over the $DAYS days: ESRS E5-5 as a company reports it (view kpi_esrs_e5_5_resolved, local days; docs/kpis.md)"
echo "   generated = diverted + disposal; estimated_t: tonnes whose fate comes from the destinations' declared final operations"
psql -h 127.0.0.1 -U postgres -d $DB -c "
  SELECT coalesce(company_id, '(zone)') AS company,
         round(sum(tonnes) FILTER (WHERE category = 'waste-generated')::numeric, 2) AS generated_t,
         round(sum(tonnes) FILTER (WHERE category = 'diverted-from-disposal')::numeric, 2) AS diverted_t,
         round(sum(tonnes) FILTER (WHERE category = 'directed-to-disposal')::numeric, 2) AS disposal_t,
         round(sum(resolved_t + assumed_t) FILTER (WHERE category = 'waste-generated')::numeric, 2) AS estimated_t,
         round(sum(tonnes) FILTER (WHERE category = 'by-product')::numeric, 2) AS by_product_t
  FROM kpi_esrs_e5_5_resolved WHERE period = 'day' AND hazardous IS NULL
  GROUP BY company_id ORDER BY company_id NULLS LAST"
echo "== one company's year on one page: wasteflow report --company beton-artois --year $(date +%Y)"
$BIN --config config/wasteflow.toml report --company beton-artois --year "$(date +%Y)"
echo "== savings and avoided impact over the $DAYS days, per company and for the zone (view savings_monthly; docs/kpis.md)"
echo "   empty EUR / CO2e: not configured (never 0); *_reference_t: tonnes whose figure rests on shipped reference estimates"
psql -h 127.0.0.1 -U postgres -d $DB -c "
  SELECT coalesce(company_id, '(zone)') AS company, round(sum(recovered_t)::numeric, 2) AS recovered_t,
         round((CASE WHEN bool_and(cost_avoided_eur IS NOT NULL) THEN sum(cost_avoided_eur) END)::numeric) AS eur_avoided,
         round(sum(priced_zone_t)::numeric, 2) AS priced_zone_t, round(sum(priced_reference_t)::numeric, 2) AS priced_reference_t,
         round(sum(unpriced_t)::numeric, 2) AS unpriced_t,
         round((CASE WHEN bool_and(co2e_avoided_t IS NOT NULL) THEN sum(co2e_avoided_t) END)::numeric, 3) AS tco2e_avoided,
         round(sum(factored_zone_t)::numeric, 2) AS factored_zone_t, round(sum(factored_reference_t)::numeric, 2) AS factored_reference_t,
         round(sum(unfactored_t)::numeric, 2) AS unfactored_t
  FROM savings_monthly GROUP BY company_id ORDER BY company_id NULLS LAST"
echo "== symbiosis exchanges (tonnes)"
psql -h 127.0.0.1 -U postgres -d $DB -c "SELECT source_company, destination_company, treatment, round(sum(tonnes)::numeric, 2) AS tonnes
  FROM exchange_flows_daily GROUP BY 1, 2, 3 ORDER BY 4 DESC"
echo "== synergy opportunities: waste sent out of the zone or to disposal that a zone company accepts"
psql -h 127.0.0.1 -U postgres -d $DB -c "SELECT company_id, stream_id, ewc, accepter_id, change, hierarchy, current_basis,
  round(sum(available_t)::numeric, 2) AS available_t, round(sum(fits_t)::numeric, 2) AS fits_t,
  round(sum(cost_avoided_eur)::numeric) AS eur, round(sum(co2e_avoided_t)::numeric, 3) AS tco2e
  FROM synergy_opportunities GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 8 DESC"
echo "== collection plan for the next 3 days: wasteflow plan --date $(date +%F)"
$BIN --config config/wasteflow.toml plan --date "$(date +%F)" | head -n 40
echo "== events (alerts) raised"
psql -h 127.0.0.1 -U postgres -d $DB -c "SELECT kind, count(*) AS events, count(*) FILTER (WHERE closed_at IS NULL) AS still_open
  FROM events GROUP BY 1 ORDER BY 2 DESC"
echo "== live state, shared by every instance (view live_containers)"
psql -h 127.0.0.1 -U postgres -d $DB -c "SELECT container_id, round(fill_pct::numeric, 1) AS fill_pct,
  round((seconds_to_full / 3600)::numeric, 1) AS hours_to_full, last_reading_at, open_events
  FROM live_containers ORDER BY seconds_to_full NULLS LAST LIMIT 8"
echo "== the containers' devices (live_containers: load cell, lid, tilt, position, radio)"
psql -h 127.0.0.1 -U postgres -d $DB -c "SELECT container_id, round(load_kg::numeric) AS load_kg, lid_open,
  round(tilt_deg::numeric, 1) AS tilt_deg, round(distance_from_site_m::numeric) AS from_site_m, geofence_radius_m,
  round(rssi_dbm::numeric, 1) AS rssi_dbm, round(quality_pct::numeric) AS quality_pct
  FROM live_containers ORDER BY container_id"
echo "== frames per gateway (missing: skipped by the gateway's counter, never reached wasteflow)"
psql -h 127.0.0.1 -U postgres -d $DB -c "SELECT gateway_id, frames_received, frames_missing, frames_late, restarts
  FROM gateway_frames ORDER BY 1"
echo "== dead letters by reason"
psql -h 127.0.0.1 -U postgres -d $DB -c "SELECT reason, count(*) FROM rejected_messages GROUP BY 1 ORDER BY 2 DESC"
echo "== verify: rollups against a recomputation from the raw readings"
$BIN --config config/wasteflow.toml verify
echo "== metrics: curl http://$WASTEFLOW__METRICS__LISTEN/metrics (a few lines)"
curl -s "http://$WASTEFLOW__METRICS__LISTEN/metrics" | grep -E '^wasteflow_(readings|messages)_[a-z_]*_total' || true
kill -TERM $DAEMON; wait $DAEMON || true
kill $BROKER; wait $BROKER 2>/dev/null || true
rm -rf "$BROKER_DIR"
trap - EXIT
echo "== where to look next"
echo "  - the data: psql -h 127.0.0.1 -U postgres $DB   (views kpi_*, exchange_flows_*, container_fill_*, recent_events)"
# The demo's broker is gone: the daemon again uses a Mosquitto on 127.0.0.1:1883
# (config/wasteflow.toml), and the demo's database.
echo "  - metrics: the daemon again on the demo's database (Ctrl-C stops it; it needs PostgreSQL and"
echo "    a Mosquitto on 127.0.0.1:1883), then from another terminal curl:"
printf '      cd %q && WASTEFLOW__DATABASE__URL=%q %q --config config/wasteflow.toml run\n' \
  "$ROOT" "$WASTEFLOW__DATABASE__URL" "$BIN"
echo "      curl -s http://127.0.0.1:9187/metrics | grep -E '^wasteflow_(container_fill|mqtt|database)'"
echo "    alert rules: deploy/prometheus/"
echo "  - Grafana: deploy/grafana/provisioning (data sources, dashboards provider) and deploy/grafana/dashboards"
echo "  - daemon log: /tmp/wasteflow-demo.log; operations and runbooks: docs/operations.md"
