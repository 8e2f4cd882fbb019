//! The live state's rows: `container_live` read and written, events written, and a container
//! without a row seeded from its latest readings.

use super::state::{ContainerState, EventKind};
use super::tracker::{ContainerEvent, ZoneState};
use crate::clock::system_time;
use crate::store::{column, timed, StoreError};
use crate::wire::{InboxFrame, MeasurementKind};
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, SystemTime};
use tokio_postgres::GenericClient;

/// Writes openings and closings. An opening that is already open, or a closing of an event
/// that is not open, changes nothing, so writing the same events twice is harmless.
pub async fn write_events(
    db: &impl GenericClient,
    events: &[ContainerEvent],
    limit: Duration,
) -> Result<(), StoreError> {
    for e in events {
        let t = &e.transition;
        if t.open {
            timed(
                limit,
                db.execute(
                    "INSERT INTO events (container_id, company_id, kind, opened_at, open_value) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (container_id, kind) WHERE closed_at IS NULL DO NOTHING",
                    &[&e.container, &e.company, &t.kind.name(), &system_time(t.at_ms), &finite(t.value)],
                ),
            )
            .await?;
        } else {
            timed(
                limit,
                db.execute(
                    "UPDATE events SET closed_at = $3, close_value = $4 WHERE container_id = $1 AND kind = $2 AND closed_at IS NULL",
                    &[&e.container, &t.kind.name(), &system_time(t.at_ms), &finite(t.value)],
                ),
            )
            .await?;
        }
    }
    Ok(())
}

fn finite(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        -1.0
    }
}

/// Learns the containers of the attributions `frames` name that `state` does not know yet.
pub async fn learn_attributions(
    db: &impl GenericClient,
    state: &mut ZoneState,
    frames: &[InboxFrame],
    limit: Duration,
) -> Result<(), StoreError> {
    let unknown: BTreeSet<i32> = frames
        .iter()
        .flat_map(|f| f.readings.iter().map(|r| r.attribution))
        .filter(|a| !state.attributions.contains_key(a))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let ids: Vec<i32> = unknown.into_iter().collect();
    let rows = timed(limit, db.query("SELECT id, container_id FROM attributions WHERE id = ANY($1)", &[&ids])).await?;
    for row in &rows {
        state.attributions.insert(column(row, "id")?, column(row, "container_id")?);
    }
    Ok(())
}

/// Replaces the state of every registered container by its row (a container without a row
/// keeps the state it has). Returns the registered containers that have no row.
pub async fn load_states(
    db: &impl GenericClient,
    state: &mut ZoneState,
    limit: Duration,
) -> Result<Vec<String>, StoreError> {
    let rows = timed(limit, db.query("SELECT container_id, state FROM container_live", &[])).await?;
    let mut without_row: BTreeSet<String> = state.states.keys().cloned().collect();
    for row in &rows {
        let id: String = column(row, "container_id")?;
        let Some(slot) = state.states.get_mut(&id) else { continue };
        without_row.remove(&id);
        match serde_json::from_value::<ContainerState>(column(row, "state")?) {
            Ok(s) => *slot = s,
            Err(e) => tracing::warn!(container = %id, error = %e, "live state row not understood; starting it afresh"),
        }
    }
    Ok(without_row.into_iter().collect())
}

/// Writes the rows of `containers`: the whole state, and the figures the gauges and
/// dashboards read.
pub async fn save_states(
    db: &impl GenericClient,
    state: &ZoneState,
    containers: &[String],
    limit: Duration,
) -> Result<(), StoreError> {
    let mut id = Vec::new();
    let mut company = Vec::new();
    let mut whole = Vec::new();
    let (mut fill, mut rate, mut to_full, mut seen, mut battery, mut temp, mut mass, mut score, mut open) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for c in containers {
        let (Some(s), Some(info)) = (state.states.get(c), state.infos.get(c)) else { continue };
        id.push(c.as_str());
        company.push(info.company.as_str());
        whole.push(serde_json::to_value(s).unwrap_or_default());
        fill.push(s.fill_pct);
        rate.push(s.fill_rate_per_hour());
        to_full.push(s.seconds_to_full(info));
        seen.push(s.last_seen_ms.map(system_time));
        battery.push(s.battery_pct);
        temp.push(s.temperature_c);
        mass.push(s.last_mass_kg);
        score.push(s.anomaly_score());
        open.push(s.open.iter().map(|k| k.name()).collect::<Vec<_>>().join(","));
    }
    if id.is_empty() {
        return Ok(());
    }
    let seen: Vec<Option<SystemTime>> = seen;
    timed(
        limit,
        db.execute(
            "INSERT INTO container_live AS t (container_id, company_id, state, fill_pct, fill_rate_per_hour, seconds_to_full,
                 last_reading_at, battery_pct, temperature_c, last_mass_kg, anomaly_score, open_events, updated_at)
             SELECT c, co, st, f, r, tf, ls, b, te, m, sc, coalesce(string_to_array(nullif(o, ''), ','), '{}'), now()
             FROM UNNEST($1::text[], $2::text[], $3::jsonb[], $4::float8[], $5::float8[], $6::float8[], $7::timestamptz[],
                         $8::float8[], $9::float8[], $10::float8[], $11::float8[], $12::text[])
                  AS x(c, co, st, f, r, tf, ls, b, te, m, sc, o)
             ON CONFLICT (container_id) DO UPDATE SET company_id = EXCLUDED.company_id, state = EXCLUDED.state,
                 fill_pct = EXCLUDED.fill_pct, fill_rate_per_hour = EXCLUDED.fill_rate_per_hour,
                 seconds_to_full = EXCLUDED.seconds_to_full, last_reading_at = EXCLUDED.last_reading_at,
                 battery_pct = EXCLUDED.battery_pct, temperature_c = EXCLUDED.temperature_c,
                 last_mass_kg = EXCLUDED.last_mass_kg, anomaly_score = EXCLUDED.anomaly_score,
                 open_events = EXCLUDED.open_events, updated_at = now()",
            &[&id, &company, &whole, &fill, &rate, &to_full, &seen, &battery, &temp, &mass, &score, &open],
        ),
    )
    .await?;
    Ok(())
}

/// Seeds containers that have no row yet (the first fold after the upgrade from a build that
/// kept the live state in memory, a container just registered): each sensor's latest reading
/// of each kind stored before the live inbox existed (migration 12; every reading stored since
/// is in the inbox until folded, and a fold writes a row for every registered container), read
/// through the readings' key (sensor, kind, time), so the cost grows with the number of
/// sensors, not with history; and the events still open.
pub async fn seed(
    db: &impl GenericClient,
    state: &mut ZoneState,
    containers: &[String],
    limit: Duration,
) -> Result<(), StoreError> {
    use MeasurementKind::{BatteryPercent, Emptied, FillLevel, NetMassKg, TemperatureC};
    let kinds: Vec<i16> = [FillLevel, NetMassKg, Emptied, TemperatureC, BatteryPercent].map(|k| k.number()).to_vec();
    let rows = timed(
        limit,
        db.query(
            "SELECT a.container_id, l.kind, (extract(epoch FROM l.ts) * 1000)::int8 AS ts_ms, l.value_milli
             FROM sensors s
             CROSS JOIN unnest($2::int2[]) AS k(kind)
             CROSS JOIN LATERAL (
                 SELECT r.kind, r.ts, r.value_milli, r.attribution_id FROM readings r
                 WHERE r.sensor_id = s.id AND r.kind = k.kind
                   AND r.stored_at < (SELECT applied_at FROM schema_migrations WHERE version = 12)
                 ORDER BY r.ts DESC LIMIT 1) l
             JOIN attributions a ON a.id = l.attribution_id
             WHERE a.container_id = ANY($1)
             ORDER BY l.ts",
            &[&containers, &kinds],
        ),
    )
    .await?;
    for row in &rows {
        let Some(kind) = MeasurementKind::from_number(column(row, "kind")?) else { continue };
        let container: &str = column(row, "container_id")?;
        state.apply(container, kind, column(row, "ts_ms")?, column(row, "value_milli")?);
    }
    let open_rows = timed(
        limit,
        db.query(
            "SELECT container_id, kind FROM events WHERE closed_at IS NULL AND container_id = ANY($1)",
            &[&containers],
        ),
    )
    .await?;
    let mut open: HashMap<String, Vec<EventKind>> = HashMap::new();
    for row in &open_rows {
        if let Some(kind) = EventKind::parse(column(row, "kind")?) {
            open.entry(column(row, "container_id")?).or_default().push(kind);
        }
    }
    state.set_open(&open);
    Ok(())
}
