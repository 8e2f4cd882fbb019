//! What the collection plan reads: the registry tables (containers, their windows, the
//! carriers' vehicles) and the shared live state (`container_live`, with each container's latest
//! weighings and the fill before them), for `crate::plan`. It reads no `readings`.

use crate::calendar::{SignedDuration, Timestamp};
use crate::plan::{ExpectedMass, PlannedContainer, Vehicle, Weighing};
use crate::report::ReportError;
use crate::store::{column, StoreError};
use crate::zone::{parse_window, CollectionWindow, CollectionWindowEntry};
use std::collections::BTreeMap;
use tokio_postgres::GenericClient;

/// How far back from the plan's first instant a weighing counts: a container's loads of more
/// than a year before say little of the plan's, and one without a weighing in that year is
/// forecast from its largest load.
const WEIGHINGS_SINCE: SignedDuration = SignedDuration::from_hours(366 * 24);

/// Every active container with a live fill level, its window (its own, else its site's, else
/// any time) and its expected mass (from its latest weighings, else its largest load).
/// Its last reading time comes rounded to the second, the planner's resolution. The weighings
/// are those the live state keeps (`state -> 'weighings'`, latest first, each `{"kg", "at_ms",
/// "fill_pct", "fill_ms"}`: src/live/state/recent_weighings.rs) from [`WEIGHINGS_SINCE`]
/// before `start`, the plan's first instant, on.
pub async fn containers(c: &impl GenericClient, start: Timestamp) -> Result<Vec<PlannedContainer>, ReportError> {
    let since_ms = start.saturating_sub(WEIGHINGS_SINCE).as_millis();
    let rows = c
        .query(
            "SELECT c.id, c.company_id, c.destination_id, c.transporter_id, c.volume_m3, c.max_load_kg,
                    c.overflow_threshold_pct, l.fill_pct, l.fill_rate_per_hour, w.kg, w.weighed_fill_pct,
                    (extract(epoch FROM l.fill_rate_span) * 1000)::float8 / 3600000 AS rate_span_h,
                    extract(epoch FROM l.last_reading_at)::int8 AS reading_at,
                    CASE WHEN c.collection_days IS NOT NULL THEN c.collection_days ELSE s.collection_days END AS days,
                    to_char(CASE WHEN c.collection_days IS NOT NULL THEN c.collection_from ELSE s.collection_from END, 'HH24:MI') AS w_from,
                    to_char(CASE WHEN c.collection_days IS NOT NULL THEN c.collection_to ELSE s.collection_to END, 'HH24:MI') AS w_to
             FROM containers c
             JOIN container_live l ON l.container_id = c.id
             LEFT JOIN sites s ON s.id = c.site_id
             LEFT JOIN LATERAL (
                 SELECT array_agg((e ->> 'kg')::float8 ORDER BY (e ->> 'at_ms')::int8 DESC) AS kg,
                        array_agg((e ->> 'fill_pct')::float8 ORDER BY (e ->> 'at_ms')::int8 DESC) AS weighed_fill_pct
                 FROM jsonb_array_elements(coalesce(l.state -> 'weighings', '[]')) e
                 WHERE (e ->> 'at_ms')::int8 >= $1) w ON true
             WHERE c.active AND l.fill_pct IS NOT NULL AND l.last_reading_at IS NOT NULL
             ORDER BY c.id",
            &[&since_ms],
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
            mass: ExpectedMass::new(&weighings(r)?, column(r, "max_load_kg")?),
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

/// A row's weighings, latest first, from its arrays `kg` and `weighed_fill_pct` (null without one).
fn weighings(r: &tokio_postgres::Row) -> Result<Vec<Weighing>, StoreError> {
    let kg: Option<Vec<f64>> = column(r, "kg")?;
    let fill: Option<Vec<f64>> = column(r, "weighed_fill_pct")?;
    Ok(kg
        .unwrap_or_default()
        .into_iter()
        .zip(fill.unwrap_or_default())
        .map(|(kg, fill_pct)| Weighing { kg, fill_pct })
        .collect())
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
