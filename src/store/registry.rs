//! Synchronising the zone registry into its tables (at start and on `wasteflow registry sync`).
//!
//! One transaction: every entry of the file is upserted and marked active; rows no longer in
//! the file stay, marked inactive, so old readings keep their names.

use super::error::{timed, StoreError};
use crate::zone::{all_treatments, stream_code, treatment_mode, Zone};
use std::time::Duration;
use tokio_postgres::Client;

/// Counts of what the file holds, as written.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub companies: usize,
    pub sites: usize,
    pub operators: usize,
    pub streams: usize,
    pub containers: usize,
    pub gateways: usize,
    pub sensors: usize,
}

/// Writes the registry into the database.
pub async fn sync_registry(client: &mut Client, zone: &Zone, limit: Duration) -> Result<SyncReport, StoreError> {
    let f = &zone.file;
    let tx = timed(limit, client.transaction()).await?;
    let run = async {
        tx.batch_execute(
            "UPDATE companies SET active = false; UPDATE sites SET active = false; UPDATE operators SET active = false;
             UPDATE streams SET active = false; UPDATE containers SET active = false; UPDATE gateways SET active = false;
             UPDATE sensors SET active = false;",
        )
        .await?;
        for (code, class, landfill) in all_treatments() {
            tx.execute(
                "INSERT INTO treatments (code, class, landfill) VALUES ($1, $2, $3)
                 ON CONFLICT (code) DO UPDATE SET class = EXCLUDED.class, landfill = EXCLUDED.landfill",
                &[&code, &class.name(), &landfill],
            )
            .await?;
        }
        for c in &f.companies {
            tx.execute(
                "INSERT INTO companies (id, siren, name, active) VALUES ($1, $2, $3, true)
                 ON CONFLICT (id) DO UPDATE SET siren = EXCLUDED.siren, name = EXCLUDED.name, active = true",
                &[&c.id, &c.siren, &c.name],
            )
            .await?;
        }
        for s in &f.sites {
            tx.execute(
                "INSERT INTO sites (id, company_id, siret, address, active) VALUES ($1, $2, $3, $4, true)
                 ON CONFLICT (id) DO UPDATE SET company_id = EXCLUDED.company_id, siret = EXCLUDED.siret,
                 address = EXCLUDED.address, active = true",
                &[&s.id, &s.company, &s.siret, &s.address],
            )
            .await?;
        }
        for o in &f.operators {
            tx.execute(
                "INSERT INTO operators (id, name, siret, active) VALUES ($1, $2, $3, true)
                 ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, siret = EXCLUDED.siret, active = true",
                &[&o.id, &o.name, &o.siret],
            )
            .await?;
        }
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
        for c in &f.containers {
            let interval = i32::try_from(c.expected_interval.as_secs()).unwrap_or(i32::MAX);
            // The zone was checked when loaded: the mode fits the operation.
            let mode = treatment_mode(&c.treatment, c.treatment_mode).ok().flatten().map(|m| m.name());
            tx.execute(
                "INSERT INTO containers (id, company_id, site_id, type, volume_m3, max_load_kg, overflow_threshold_pct,
                     expected_interval_s, stream_id, treatment, destination_id, treatment_mode, active)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, true)
                 ON CONFLICT (id) DO UPDATE SET company_id = EXCLUDED.company_id, site_id = EXCLUDED.site_id,
                     type = EXCLUDED.type, volume_m3 = EXCLUDED.volume_m3, max_load_kg = EXCLUDED.max_load_kg,
                     overflow_threshold_pct = EXCLUDED.overflow_threshold_pct, expected_interval_s = EXCLUDED.expected_interval_s,
                     stream_id = EXCLUDED.stream_id, treatment = EXCLUDED.treatment, destination_id = EXCLUDED.destination_id,
                     treatment_mode = EXCLUDED.treatment_mode, active = true",
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
                ],
            )
            .await?;
        }
        let mut sensors = 0;
        for g in &f.gateways {
            tx.execute(
                "INSERT INTO gateways (id, company_id, site_id, active) VALUES ($1, $2, $3, true)
                 ON CONFLICT (id) DO UPDATE SET company_id = EXCLUDED.company_id, site_id = EXCLUDED.site_id, active = true",
                &[&g.id, &g.company, &g.site],
            )
            .await?;
            for s in &g.sensors {
                sensors += 1;
                tx.execute(
                    "INSERT INTO sensors (gateway_id, number, container_id, active) VALUES ($1, $2, $3, true)
                     ON CONFLICT (gateway_id, number) DO UPDATE SET container_id = EXCLUDED.container_id, active = true",
                    &[&g.id, &i32::from(s.number), &s.container],
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok::<_, tokio_postgres::Error>(SyncReport {
            companies: f.companies.len(),
            sites: f.sites.len(),
            operators: f.operators.len(),
            streams: f.streams.len(),
            containers: f.containers.len(),
            gateways: f.gateways.len(),
            sensors,
        })
    };
    match tokio::time::timeout(limit.max(Duration::from_secs(30)), run).await {
        Ok(r) => Ok(r?),
        Err(_) => Err(StoreError::Timeout(limit)),
    }
}
