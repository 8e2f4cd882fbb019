//! What the collection plan reads: the registry tables (containers, their windows, the
//! carriers' vehicles) and the shared live state (`container_live`), for `crate::plan`.

use crate::calendar::Timestamp;
use crate::plan::{PlannedContainer, Vehicle};
use crate::report::ReportError;
use crate::store::{column, StoreError};
use crate::zone::{parse_window, CollectionWindow, CollectionWindowEntry};
use std::collections::BTreeMap;
use tokio_postgres::GenericClient;

/// Every active container with a live fill level, its window (its own, else its site's, else
/// any time) and its expected full mass (the registry's largest load: conservative).
/// Its last reading time comes rounded to the second, the planner's resolution.
pub async fn containers(c: &impl GenericClient) -> Result<Vec<PlannedContainer>, ReportError> {
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
            full_mass_kg: column(r, "max_load_kg")?,
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
