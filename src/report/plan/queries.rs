//! What the collection plan reads: the registry tables (containers, their windows, the
//! carriers' vehicles), the shared live state (`container_live`) and each container's latest
//! weighings with the fill before them (`readings`), for `crate::plan`.

use crate::calendar::Timestamp;
use crate::plan::{ExpectedMass, PlannedContainer, Vehicle, Weighing, WEIGHINGS_READ};
use crate::report::ReportError;
use crate::store::{column, StoreError};
use crate::zone::{parse_window, CollectionWindow, CollectionWindowEntry};
use std::collections::BTreeMap;
use tokio_postgres::GenericClient;

/// Every active container with a live fill level, its window (its own, else its site's, else
/// any time) and its expected mass (from its latest weighings, else its largest load).
/// Its last reading time comes rounded to the second, the planner's resolution. Weighings are
/// looked for back from `start`, the plan's first instant.
pub async fn containers(c: &impl GenericClient, start: Timestamp) -> Result<Vec<PlannedContainer>, ReportError> {
    let mut weighings = weighings(c, start.system_time()).await?;
    let rows = c
        .query(
            "SELECT c.id, c.company_id, c.destination_id, c.transporter_id, c.volume_m3, c.max_load_kg,
                    c.overflow_threshold_pct, l.fill_pct, l.fill_rate_per_hour,
                    (extract(epoch FROM l.fill_rate_span) * 1000)::float8 / 3600000 AS rate_span_h,
                    extract(epoch FROM l.last_reading_at)::int8 AS reading_at,
                    CASE WHEN c.collection_days IS NOT NULL THEN c.collection_days ELSE s.collection_days END AS days,
                    to_char(CASE WHEN c.collection_days IS NOT NULL THEN c.collection_from ELSE s.collection_from END, 'HH24:MI') AS w_from,
                    to_char(CASE WHEN c.collection_days IS NOT NULL THEN c.collection_to ELSE s.collection_to END, 'HH24:MI') AS w_to
             FROM containers c
             JOIN container_live l ON l.container_id = c.id
             LEFT JOIN sites s ON s.id = c.site_id
             WHERE c.active AND l.fill_pct IS NOT NULL AND l.last_reading_at IS NOT NULL
             ORDER BY c.id",
            &[],
        )
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        let id: String = column(r, "id")?;
        let days: Option<Vec<String>> = column(r, "days")?;
        let window = match (days, column::<Option<String>>(r, "w_from")?, column::<Option<String>>(r, "w_to")?) {
            (Some(days), Some(from), Some(to)) => parse_window(&CollectionWindowEntry { days, from, to })
                .map_err(|(field, why)| ReportError::CollectionWindow { container: id.clone(), field, why })?,
            _ => CollectionWindow::ALWAYS,
        };
        out.push(PlannedContainer {
            company: column(r, "company_id")?,
            destination: column(r, "destination_id")?,
            transporter: column(r, "transporter_id")?,
            volume_m3: column(r, "volume_m3")?,
            mass: ExpectedMass::new(&weighings.remove(&id).unwrap_or_default(), column(r, "max_load_kg")?),
            threshold_pct: column(r, "overflow_threshold_pct")?,
            fill_pct: column(r, "fill_pct")?,
            reading_at: Timestamp::from_secs(column(r, "reading_at")?),
            rate_per_hour: column(r, "fill_rate_per_hour")?,
            rate_span_h: column(r, "rate_span_h")?,
            window,
            id,
        });
    }
    Ok(out)
}

/// How far back from the plan's first day the latest weighings are looked for, in turn: a
/// container with fewer than [`WEIGHINGS_READ`] in the first span is read again over the
/// second. Weighings more than a year older than the plan are not read: a container's loads of
/// more than a year before say little of the plan's, and one without a usable weighing in that
/// year is forecast from its density or its largest load.
const WEIGHING_SPANS_DAYS: [u64; 2] = [92, 366];

/// Each active container's latest weighings (kind 1, net mass), latest first, at most
/// [`WEIGHINGS_READ`], each with the container's fill at the latest fill reading (kind 0) at
/// or before it and less than a day older; a weighing without such a fill above 0 is skipped.
/// Readings are found through the sensors attributed to the container, by the readings' key,
/// latest first for each sensor (a backward scan of the key that stops after a few rows: the
/// cost does not grow with the history kept), then merged; the fill likewise. (Read as one
/// `IN` over the container's sensors, the planner estimated thousands of rows per weighing, and
/// past five years of history PostgreSQL's JIT compiled the query: 30-50 ms more, every time.)
/// The 92 days before `start` and all after it first, with that bound a constant when the
/// statement is planned: on TimescaleDB only their chunks are planned (planning every chunk of
/// five years took 7.6 s, docs/performance.md); then from a year before `start`, for the
/// containers still short of weighings. The result is the same as one read from a year before:
/// the latest weighings in a span are the latest of all when there are enough of them.
async fn weighings(
    c: &impl GenericClient,
    start: std::time::SystemTime,
) -> Result<BTreeMap<String, Vec<Weighing>>, StoreError> {
    let mut out = BTreeMap::new();
    let mut short: Option<Vec<String>> = None; // None: every active container
    for days in WEIGHING_SPANS_DAYS {
        let since = start - std::time::Duration::from_secs(days * 86_400);
        let read = weighings_since(c, since, short.as_deref()).await?;
        let mut still_short = Vec::new();
        for (id, list) in read.into_iter() {
            if list.len() < WEIGHINGS_READ {
                still_short.push(id.clone());
            }
            out.insert(id, list);
        }
        if still_short.is_empty() {
            break;
        }
        short = Some(still_short);
    }
    Ok(out)
}

/// [`weighings`] after `since`, of the active containers of `only` (None: all); every
/// container asked for has an entry, empty when it has no weighing then.
async fn weighings_since(
    c: &impl GenericClient,
    since: std::time::SystemTime,
    only: Option<&[String]>,
) -> Result<BTreeMap<String, Vec<Weighing>>, StoreError> {
    let rows = c
        .query(
            "SELECT k.id, w.kg, w.fill_pct
                 FROM containers k
                 LEFT JOIN LATERAL (
                     SELECT x.ts, x.kg, x.fill_pct
                     FROM (SELECT DISTINCT sensor_id FROM attributions WHERE container_id = k.id) s
                     CROSS JOIN LATERAL (
                         SELECT r.ts, r.value_milli::float8 / 1000 AS kg, f.fill_pct
                         FROM readings r
                         CROSS JOIN LATERAL (
                             SELECT l.value_milli::float8 / 1000 AS fill_pct
                             FROM (SELECT DISTINCT sensor_id FROM attributions WHERE container_id = k.id) s0
                             CROSS JOIN LATERAL (
                                 SELECT r0.ts, r0.value_milli FROM readings r0
                                 WHERE r0.sensor_id = s0.sensor_id AND r0.kind = 0
                                     AND r0.attribution_id IN (SELECT id FROM attributions WHERE container_id = k.id)
                                     AND r0.ts <= r.ts AND r0.ts > r.ts - interval '1 day'
                                     AND r0.ts > $4
                                 ORDER BY r0.ts DESC LIMIT 1) l
                             ORDER BY l.ts DESC LIMIT 1) f
                         WHERE r.sensor_id = s.sensor_id
                             AND r.attribution_id IN (SELECT id FROM attributions WHERE container_id = k.id)
                             AND r.kind = 1 AND f.fill_pct > 0 AND r.ts > $2
                         ORDER BY r.ts DESC LIMIT $1) x
                     ORDER BY x.ts DESC LIMIT $1) w ON true
                 WHERE k.active AND ($3::text[] IS NULL OR k.id = ANY ($3::text[]))
                 ORDER BY k.id, w.ts DESC",
            // The fill's bound a day before the weighings', computed here: a constant when the
            // statement is planned, which `timestamptz - interval` (stable) would not be.
            &[&(WEIGHINGS_READ as i64), &since, &only, &(since - std::time::Duration::from_secs(86_400))],
        )
        .await?;
    let mut out: BTreeMap<String, Vec<Weighing>> = BTreeMap::new();
    for r in &rows {
        let list = out.entry(column(r, "id")?).or_default();
        let kg: Option<f64> = column(r, "kg")?;
        if let Some(kg) = kg {
            list.push(Weighing { kg, fill_pct: column(r, "fill_pct")? });
        }
    }
    Ok(out)
}

/// The active carriers' vehicles, by carrier id.
pub async fn vehicles(c: &impl GenericClient) -> Result<BTreeMap<String, Vehicle>, StoreError> {
    let rows = c.query("SELECT id, vehicle_volume_m3, vehicle_mass_kg FROM transporters WHERE active", &[]).await?;
    rows.iter()
        .map(|r| {
            Ok((
                column(r, "id")?,
                Vehicle { volume_m3: column(r, "vehicle_volume_m3")?, mass_kg: column(r, "vehicle_mass_kg")? },
            ))
        })
        .collect()
}
