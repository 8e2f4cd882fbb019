//! The live state's rows: `container_live` read and written, events written, and a container
//! without a row seeded from its latest readings.

use super::state::{ContainerState, EventKind};
use super::tracker::{ContainerEvent, ZoneState};
use crate::calendar::Timestamp;
use crate::store::{column, timed, StoreError};
use crate::wire::{InboxFrame, MeasurementKind};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;
use tokio_postgres::GenericClient;

/// Writes openings and closings, in three statements whatever their number: the closings of
/// events opened before, then the events that opened and closed within `events`, then those
/// still open. An opening that is already open, or a closing of an event that is not open,
/// changes nothing, so writing the same events twice is harmless.
pub async fn write_events(
    db: &impl GenericClient,
    events: &[ContainerEvent],
    limit: Duration,
) -> Result<(), StoreError> {
    let rows = EventRows::of(events);
    if !rows.closes.is_empty() {
        let (container, kind, at, value) = columns4(&rows.closes);
        timed(
            limit,
            db.execute(
                "UPDATE events e SET closed_at = x.at, close_value = x.v
                 FROM UNNEST($1::text[], $2::text[], $3::timestamptz[], $4::float8[]) AS x(c, k, at, v)
                 WHERE e.container_id = x.c AND e.kind = x.k AND e.closed_at IS NULL",
                &[&container, &kind, &at, &value],
            ),
        )
        .await?;
    }
    for (rows, closed) in [(&rows.complete, true), (&rows.opens, false)] {
        if rows.is_empty() {
            continue;
        }
        let container: Vec<&str> = rows.iter().map(|r| r.container).collect();
        let company: Vec<&str> = rows.iter().map(|r| r.company).collect();
        let kind: Vec<&str> = rows.iter().map(|r| r.kind).collect();
        let opened: Vec<Timestamp> = rows.iter().map(|r| r.opened).collect();
        let open_value: Vec<f64> = rows.iter().map(|r| r.open_value).collect();
        let closed_at: Vec<Option<Timestamp>> = rows.iter().map(|r| r.closed.map(|(t, _)| t)).collect();
        let close_value: Vec<Option<f64>> = rows.iter().map(|r| r.closed.map(|(_, v)| v)).collect();
        // Still-open rows respect the one-open-per-container-and-kind index; closed ones cannot conflict.
        let conflict = if closed { "" } else { "ON CONFLICT (container_id, kind) WHERE closed_at IS NULL DO NOTHING" };
        timed(
            limit,
            db.execute(
                &format!(
                    "INSERT INTO events (container_id, company_id, kind, opened_at, open_value, closed_at, close_value)
                     SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::float8[],
                                          $6::timestamptz[], $7::float8[]) {conflict}"
                ),
                &[&container, &company, &kind, &opened, &open_value, &closed_at, &close_value],
            ),
        )
        .await?;
    }
    Ok(())
}

/// One event row to insert.
struct EventRow<'a> {
    container: &'a str,
    company: &'a str,
    kind: &'static str,
    opened: Timestamp,
    open_value: f64,
    closed: Option<(Timestamp, f64)>,
}

/// Transitions turned into rows: per container and kind they alternate, so a closing either
/// ends an event opened before these transitions (`closes`) or the one opened just before it.
#[derive(Default)]
struct EventRows<'a> {
    closes: Vec<(&'a str, &'static str, Timestamp, f64)>,
    complete: Vec<EventRow<'a>>,
    opens: Vec<EventRow<'a>>,
}

impl<'a> EventRows<'a> {
    fn of(events: &'a [ContainerEvent]) -> EventRows<'a> {
        let mut out = EventRows::default();
        let mut open: HashMap<(&str, &str), EventRow<'a>> = HashMap::new();
        for e in events {
            let t = &e.transition;
            let key = (e.container.as_str(), t.kind.name());
            if t.open {
                let row = EventRow {
                    container: &e.container,
                    company: &e.company,
                    kind: t.kind.name(),
                    opened: t.at,
                    open_value: finite(t.value),
                    closed: None,
                };
                if let Some(previous) = open.insert(key, row) {
                    // Opened twice without a closing between (not produced by the rules): the
                    // first opening stands, as the database's unique index would have it.
                    open.insert(key, previous);
                }
            } else if let Some(mut row) = open.remove(&key) {
                row.closed = Some((t.at, finite(t.value)));
                out.complete.push(row);
            } else {
                out.closes.push((&e.container, t.kind.name(), t.at, finite(t.value)));
            }
        }
        out.opens.extend(open.into_values());
        out
    }
}

fn columns4<'a>(
    rows: &[(&'a str, &'static str, Timestamp, f64)],
) -> (Vec<&'a str>, Vec<&'static str>, Vec<Timestamp>, Vec<f64>) {
    (
        rows.iter().map(|r| r.0).collect(),
        rows.iter().map(|r| r.1).collect(),
        rows.iter().map(|r| r.2).collect(),
        rows.iter().map(|r| r.3).collect(),
    )
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
        seen.push(s.last_seen);
        battery.push(s.battery_pct);
        temp.push(s.temperature_c);
        mass.push(s.last_mass_kg);
        score.push(s.anomaly_score());
        open.push(s.open.iter().map(|k| k.name()).collect::<Vec<_>>().join(","));
    }
    if id.is_empty() {
        return Ok(());
    }
    let seen: Vec<Option<Timestamp>> = seen;
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
        state.apply(container, kind, Timestamp::from_millis(column(row, "ts_ms")?), column(row, "value_milli")?);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::{EventKind, Transition};

    fn event(open: bool, ms: i64) -> ContainerEvent {
        let at = Timestamp::from_millis(ms);
        ContainerEvent {
            container: "c1".into(),
            company: "acme".into(),
            transition: Transition { kind: EventKind::Overflow, open, at, value: ms as f64 },
        }
    }

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms)
    }

    #[test]
    fn transitions_become_one_update_and_two_inserts() {
        // An overflow opened in an earlier fold closes at 1, opens again at 2 and closes at 3,
        // opens at 4 and is still open.
        let events = [event(false, 1), event(true, 2), event(false, 3), event(true, 4)];
        let rows = EventRows::of(&events);
        assert_eq!(rows.closes, [("c1", "overflow", at(1), 1.0)]);
        assert_eq!(rows.complete.len(), 1);
        assert_eq!((rows.complete[0].opened, rows.complete[0].closed), (at(2), Some((at(3), 3.0))));
        assert_eq!(rows.opens.len(), 1);
        assert_eq!((rows.opens[0].opened, rows.opens[0].closed), (at(4), None));
    }
}
