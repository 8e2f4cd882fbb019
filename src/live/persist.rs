//! The live stage's database side: events written, and the state rebuilt at start.

use super::state::EventKind;
use super::tracker::{ContainerEvent, ZoneState};
use crate::clock::system_time;
use crate::store::{column, Db, StoreError};
use crate::wire::MeasurementKind;
use std::collections::HashMap;
use std::time::Duration;

/// Writes openings and closings. An opening that is already open, or a closing of an event
/// that is not open, changes nothing, so writing the same events twice is harmless.
pub async fn write_events(db: &Db, events: &[ContainerEvent], limit: Duration) -> Result<(), StoreError> {
    for e in events {
        let t = &e.transition;
        let fut = async {
            if t.open {
                db.client
                    .execute(
                        "INSERT INTO events (container_id, company_id, kind, opened_at, open_value) VALUES ($1, $2, $3, $4, $5)
                         ON CONFLICT (container_id, kind) WHERE closed_at IS NULL DO NOTHING",
                        &[&e.container, &e.company, &t.kind.name(), &system_time(t.at_ms), &finite(t.value)],
                    )
                    .await
            } else {
                db.client
                    .execute(
                        "UPDATE events SET closed_at = $3, close_value = $4 WHERE container_id = $1 AND kind = $2 AND closed_at IS NULL",
                        &[&e.container, &t.kind.name(), &system_time(t.at_ms), &finite(t.value)],
                    )
                    .await
            }
        };
        match tokio::time::timeout(limit, fut).await {
            Ok(r) => {
                r?;
            }
            Err(_) => return Err(StoreError::Timeout(limit)),
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

/// Rebuilds the live state: each container's fill, mass and collection readings since its
/// last recorded collection (at most 30 days back) and its last two temperature and battery
/// readings, replayed in commit order, and the events still open. Read sensor by sensor
/// through the readings' key (sensor, kind, time), so no other index is needed.
pub async fn rebuild(db: &Db, state: &mut ZoneState, limit: Duration) -> Result<usize, StoreError> {
    let limit = limit.max(Duration::from_secs(120));
    use MeasurementKind::{BatteryPercent, Emptied, FillLevel, NetMassKg, TemperatureC};
    let sql = format!(
        "WITH since AS (
             SELECT s.id AS sensor_id,
                    coalesce((SELECT max(r.ts) FROM readings r
                              WHERE r.sensor_id = s.id AND r.kind = {emptied} AND r.ts > now() - interval '30 days'),
                             now() - interval '30 days') AS ts
             FROM sensors s),
         fill AS (
             SELECT r.attribution_id, r.kind, r.ts, r.value_milli, r.stored_at
             FROM since JOIN readings r ON r.sensor_id = since.sensor_id
             WHERE r.kind IN ({fill_kinds}) AND r.ts >= since.ts),
         latest AS (
             SELECT l.attribution_id, l.kind, l.ts, l.value_milli, l.stored_at
             FROM sensors s
             CROSS JOIN unnest(ARRAY[{latest_kinds}]::int2[]) AS k(kind)
             CROSS JOIN LATERAL (
                 SELECT r.attribution_id, r.kind, r.ts, r.value_milli, r.stored_at FROM readings r
                 WHERE r.sensor_id = s.id AND r.kind = k.kind AND r.ts > now() - interval '30 days'
                 ORDER BY r.ts DESC LIMIT 2) l)
         SELECT a.container_id, x.kind, (extract(epoch FROM x.ts) * 1000)::int8 AS ts_ms, x.value_milli
         FROM (SELECT * FROM fill UNION ALL SELECT * FROM latest) x
         JOIN attributions a ON a.id = x.attribution_id
         ORDER BY x.stored_at, x.ts",
        emptied = Emptied.number(),
        fill_kinds = MeasurementKind::sql_list(&[FillLevel, NetMassKg, Emptied]),
        latest_kinds = MeasurementKind::sql_list(&[TemperatureC, BatteryPercent]),
    );
    let rows = match tokio::time::timeout(limit, db.client.query(&sql, &[])).await {
        Ok(r) => r?,
        Err(_) => return Err(StoreError::Timeout(limit)),
    };
    for row in &rows {
        // A kind this build does not know (written by a newer one) does not move the state.
        let Some(kind) = MeasurementKind::from_number(column(row, "kind")?) else { continue };
        let container: &str = column(row, "container_id")?;
        state.apply(container, kind, column(row, "ts_ms")?, column(row, "value_milli")?);
    }
    let open_rows = match tokio::time::timeout(
        limit,
        db.client.query("SELECT container_id, kind FROM events WHERE closed_at IS NULL", &[]),
    )
    .await
    {
        Ok(r) => r?,
        Err(_) => return Err(StoreError::Timeout(limit)),
    };
    let mut open: HashMap<String, Vec<EventKind>> = HashMap::new();
    for row in &open_rows {
        if let Some(kind) = EventKind::parse(column(row, "kind")?) {
            open.entry(column(row, "container_id")?).or_default().push(kind);
        }
    }
    state.set_open(&open);
    Ok(rows.len())
}
