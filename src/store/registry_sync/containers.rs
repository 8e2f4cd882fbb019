//! The material streams (their List of Waste code normalised), the containers (with their
//! treatment, destination, carrier and collection window) and the receiving sites' weighbridges,
//! upserted and marked active.

use super::parties::window_columns;
use crate::store::error::StoreError;
use crate::zone::{stream_code, treatment_mode, ZoneFile};
use tokio_postgres::GenericClient;

/// The streams, each with its code as the registry holds it and whether it is hazardous.
pub(super) async fn upsert_streams(tx: &impl GenericClient, f: &ZoneFile) -> Result<(), StoreError> {
    for s in &f.streams {
        // The zone was checked when loaded: the code is on the list.
        let (ewc, hazardous) = match stream_code(&s.ewc, s.hazardous, s.hazard_assessment.as_deref()) {
            Ok(c) => (c.code, c.hazardous),
            Err(_) => (s.ewc.clone(), false),
        };
        tx.execute(
            "INSERT INTO streams (id, ewc, hazardous, description, status, pop, hazard_assessment, active)
             VALUES ($1, $2, $3, $4, $5, $6, $7, true)
             ON CONFLICT (id) DO UPDATE SET ewc = EXCLUDED.ewc, hazardous = EXCLUDED.hazardous,
             description = EXCLUDED.description, status = EXCLUDED.status, pop = EXCLUDED.pop,
             hazard_assessment = EXCLUDED.hazard_assessment, active = true",
            &[&s.id, &ewc, &hazardous, &s.description, &s.status.name(), &s.pop, &s.hazard_assessment],
        )
        .await?;
    }
    Ok(())
}

/// The containers.
pub(super) async fn upsert_containers(tx: &impl GenericClient, f: &ZoneFile) -> Result<(), StoreError> {
    for c in &f.containers {
        let interval = i32::try_from(c.expected_interval.as_secs()).unwrap_or(i32::MAX);
        // The zone was checked when loaded: the mode fits the operation.
        let mode = treatment_mode(&c.treatment, c.treatment_mode).ok().flatten().map(|m| m.name());
        let (days, from, to) = window_columns(c.collection_window.as_ref());
        tx.execute(
            "INSERT INTO containers (id, company_id, site_id, type, volume_m3, max_load_kg, overflow_threshold_pct,
                 expected_interval_s, stream_id, treatment, destination_id, treatment_mode, transporter_id,
                 collection_days, collection_from, collection_to, active)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::text::time, $16::text::time, true)
             ON CONFLICT (id) DO UPDATE SET company_id = EXCLUDED.company_id, site_id = EXCLUDED.site_id,
                 type = EXCLUDED.type, volume_m3 = EXCLUDED.volume_m3, max_load_kg = EXCLUDED.max_load_kg,
                 overflow_threshold_pct = EXCLUDED.overflow_threshold_pct, expected_interval_s = EXCLUDED.expected_interval_s,
                 stream_id = EXCLUDED.stream_id, treatment = EXCLUDED.treatment, destination_id = EXCLUDED.destination_id,
                 treatment_mode = EXCLUDED.treatment_mode, transporter_id = EXCLUDED.transporter_id,
                 collection_days = EXCLUDED.collection_days, collection_from = EXCLUDED.collection_from,
                 collection_to = EXCLUDED.collection_to, active = true",
            &[
                &c.id,
                &c.company,
                &c.site,
                &c.kind.name(),
                &c.volume_m3,
                &c.max_load_kg,
                &c.overflow_threshold_pct,
                &interval,
                &c.stream,
                &c.treatment,
                &c.destination,
                &mode,
                &c.transporter,
                &days,
                &from,
                &to,
            ],
        )
        .await?;
    }
    Ok(())
}

/// The weighbridges at the receiving sites (migration 19), with their site's company.
pub(super) async fn upsert_weighbridges(tx: &impl GenericClient, f: &ZoneFile) -> Result<(), StoreError> {
    for w in &f.weighbridges {
        tx.execute(
            "INSERT INTO weighbridges (id, company_id, site_id, name, active)
             SELECT $1, s.company_id, s.id, $3, true FROM sites s WHERE s.id = $2
             ON CONFLICT (id) DO UPDATE SET company_id = EXCLUDED.company_id, site_id = EXCLUDED.site_id,
                 name = EXCLUDED.name, active = true",
            &[&w.id, &w.site, &w.name],
        )
        .await?;
    }
    Ok(())
}
