//! Synchronising the zone registry into its tables (at start and on `wasteflow registry sync`).
//!
//! One transaction: every entry of the file is upserted and marked active; rows no longer in
//! the file stay, marked inactive, so old readings keep their names. Then each sensor's
//! attribution (its container and the classification of its masses) is compared with the one
//! in force, and a new one, valid from now, is added if anything differs; none is ever
//! altered (docs/storage.md). The ids are read back for the hot path.

use super::company_roles::{add_company_rows, create_company_roles, RolesReport};
use super::error::{column, timed, StoreError};
use crate::zone::{
    accepted_code, all_treatments, parse_window, stream_code, treatment_mode, Attribution, CollectionWindowEntry,
    RegistryIds, Zone, ZoneFile,
};
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::{Client, GenericClient};

/// Counts of what the file holds, as written.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub companies: usize,
    pub sites: usize,
    pub operators: usize,
    pub transporters: usize,
    pub streams: usize,
    pub containers: usize,
    pub gateways: usize,
    pub sensors: usize,
    /// Attributions added now: sensors new or changed since the last sync.
    pub attributions_added: usize,
    /// The companies' reporting roles created now, or missing.
    pub roles: RolesReport,
}

impl std::fmt::Display for SyncReport {
    /// One line for an operator: "7 companies, 7 sites, ... 14 sensors; 0 attributions added".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} companies, {} sites, {} operators, {} transporters, {} streams, {} containers, {} gateways, \
             {} sensors; {} attributions added; {} company roles created{}",
            self.companies,
            self.sites,
            self.operators,
            self.transporters,
            self.streams,
            self.containers,
            self.gateways,
            self.sensors,
            self.attributions_added,
            self.roles.created,
            if self.roles.missing.is_empty() {
                String::new()
            } else {
                format!(", {} missing (docs/security.md)", self.roles.missing.len())
            }
        )
    }
}

/// Advisory lock key of the registry sync ("wfregsyn").
const SYNC_LOCK: i64 = 0x7766_7265_6773_796e;

/// Finds the classification with exactly these fields, or adds it.
const CLASSIFICATION: &str = "
WITH wanted (company_id, site_id, stream_id, ewc, hazardous, pop, status, treatment, treatment_mode, destination_id) AS (
    VALUES ($1::text, $2::text, $3::text, $4::text, $5::bool, $6::bool, $7::text, $8::text, $9::text, $10::text)),
found AS (
    SELECT c.id FROM classifications c, wanted w
    WHERE (c.company_id, c.site_id, c.stream_id, c.ewc, c.hazardous, c.pop, c.status, c.treatment, c.treatment_mode, c.destination_id)
          IS NOT DISTINCT FROM (w.company_id, w.site_id, w.stream_id, w.ewc, w.hazardous, w.pop, w.status, w.treatment, w.treatment_mode, w.destination_id)),
added AS (
    INSERT INTO classifications (company_id, site_id, stream_id, ewc, hazardous, pop, status, treatment, treatment_mode, destination_id)
    SELECT * FROM wanted WHERE NOT EXISTS (SELECT 1 FROM found)
    RETURNING id)
SELECT id FROM found UNION ALL SELECT id FROM added";

/// The attribution in force for a sensor (the latest dated one).
const CURRENT_ATTRIBUTION: &str = "
SELECT container_id, classification_id FROM attributions
WHERE sensor_id = $1 AND valid_from IS NOT NULL ORDER BY valid_from DESC LIMIT 1";

/// Every active sensor's dated attributions.
const IDS: &str = "
SELECT s.gateway_id, s.number, s.id AS sensor_id, a.id AS attribution_id,
       (extract(epoch FROM a.valid_from) * 1000)::int8 AS valid_from_ms,
       a.container_id, a.classification_id, c.company_id
FROM sensors s
JOIN attributions a ON a.sensor_id = s.id AND a.valid_from IS NOT NULL
JOIN classifications c ON c.id = a.classification_id
WHERE s.active";

/// Whether the database knows the time zone, and whether its UTC offset has been a whole number
/// of hours at every day from 1990 to 2060 (local days are summed from hourly rollups).
const TIME_ZONE: &str = "
SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1) AS known,
       (SELECT bool_and(extract(epoch FROM (t AT TIME ZONE $1) - (t AT TIME ZONE 'UTC'))::int8 % 3600 = 0)
        FROM generate_series(timestamptz '1990-01-01 00:00:00+00', timestamptz '2060-01-01 00:00:00+00',
                             interval '1 day') t
        WHERE EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)) AS whole_hours";

/// Checks `zone.time_zone` against the database's time zones and writes it for the views.
/// A collection window as the registry tables hold it: day names, "HH:MM", "HH:MM" (NULLs when
/// absent). The zone was checked when loaded, so the window parses.
fn window_columns(w: Option<&CollectionWindowEntry>) -> (Option<Vec<String>>, Option<String>, Option<String>) {
    match w.and_then(|w| parse_window(w).ok()) {
        Some(p) => {
            let hhmm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
            // 24:00 is the end of the day; PostgreSQL's time type holds it.
            (Some(p.day_names()), Some(hhmm(p.from_min)), Some(hhmm(p.to_min)))
        }
        None => (None, None, None),
    }
}

async fn sync_time_zone(tx: &impl GenericClient, time_zone: &str) -> Result<(), StoreError> {
    check_time_zone(tx, time_zone).await?;
    tx.execute("UPDATE zone_settings SET time_zone = $1 WHERE time_zone IS DISTINCT FROM $1", &[&time_zone]).await?;
    Ok(())
}

/// Checks `zone.time_zone` against the database's time zones, writing nothing (the sync does
/// it at every start; `check-config --connect` before one).
pub async fn check_time_zone(tx: &impl GenericClient, time_zone: &str) -> Result<(), StoreError> {
    let refuse = |why: String| StoreError::TimeZone { name: time_zone.to_string(), why };
    let row = tx.query_one(TIME_ZONE, &[&time_zone]).await?;
    if !column::<bool>(&row, "known")? {
        return Err(refuse(
            "the database does not know this time zone (pg_timezone_names); write the IANA name of the \
             zone's time zone in [zone] time_zone, e.g. \"Europe/Paris\""
                .into(),
        ));
    }
    if column::<Option<bool>>(&row, "whole_hours")? != Some(true) {
        return Err(refuse(format!(
            "its UTC offset is not always a whole number of hours: {}; choose another time zone in [zone] time_zone",
            crate::config::time_zone::WHOLE_HOURS
        )));
    }
    Ok(())
}

/// Replaces the companies' accepted inputs and the cost and emission factors (docs/kpis.md
/// "Synergy opportunities", "Savings and avoided impact") with what the file declares now.
async fn sync_synergy(tx: &impl GenericClient, f: &ZoneFile) -> Result<(), StoreError> {
    tx.batch_execute(
        "DELETE FROM accepts; DELETE FROM tgap_rates; DELETE FROM treatment_costs; DELETE FROM emission_factors;",
    )
    .await?;
    for c in &f.companies {
        for a in &c.accepts {
            // The zone was checked when loaded: the code is on the list, the mode fits.
            let (Ok(ewc), Ok(Some(mode))) = (accepted_code(&a.ewc), treatment_mode(&a.treatment, a.treatment_mode))
            else {
                continue;
            };
            tx.execute(
                "INSERT INTO accepts (company_id, ewc, treatment, treatment_mode, max_tonnes_per_month)
                 VALUES ($1, $2, $3, $4, $5)",
                &[&c.id, &ewc, &a.treatment, &mode.name(), &a.max_tonnes_per_month],
            )
            .await?;
        }
    }
    let x = &f.factors;
    tx.execute("UPDATE zone_settings SET baseline_treatment = $1", &[&x.baseline_treatment]).await?;
    for t in &x.tgap {
        tx.execute(
            "INSERT INTO tgap_rates (year, landfill_eur_per_t, incineration_eur_per_t, source) VALUES ($1, $2, $3, $4)",
            &[&t.year, &t.landfill_eur_per_tonne, &t.incineration_eur_per_tonne, &t.source],
        )
        .await?;
    }
    for c in &x.costs {
        tx.execute(
            "INSERT INTO treatment_costs (treatment, destination_id, eur_per_t, source) VALUES ($1, $2, $3, $4)",
            &[&c.treatment, &c.destination, &c.eur_per_tonne, &c.source],
        )
        .await?;
    }
    for e in &x.emissions {
        tx.execute(
            "INSERT INTO emission_factors (stream_id, kg_co2e_per_t, source) VALUES ($1, $2, $3)",
            &[&e.stream, &e.kg_co2e_per_tonne, &e.source],
        )
        .await?;
    }
    Ok(())
}

/// Reads every active sensor's ids and attributions.
pub async fn load_ids(client: &impl GenericClient) -> Result<RegistryIds, StoreError> {
    let mut ids = RegistryIds::default();
    let mut names: std::collections::HashSet<Arc<str>> = std::collections::HashSet::new();
    let mut shared = |s: &str| -> Arc<str> {
        names.get(s).cloned().unwrap_or_else(|| {
            let a: Arc<str> = Arc::from(s);
            names.insert(a.clone());
            a
        })
    };
    for row in client.query(IDS, &[]).await? {
        let number: i32 = column(&row, "number")?;
        let attribution = Attribution {
            id: column(&row, "attribution_id")?,
            valid_from_ms: column(&row, "valid_from_ms")?,
            classification: column(&row, "classification_id")?,
            container: shared(column(&row, "container_id")?),
            company: shared(column(&row, "company_id")?),
        };
        let Ok(number) = u16::try_from(number) else { continue };
        ids.add(column(&row, "gateway_id")?, number, column(&row, "sensor_id")?, attribution);
    }
    Ok(ids.finish())
}

/// Writes the registry and the zone's time zone (`zone.time_zone`, checked here against
/// `pg_timezone_names`) into the database; returns what it wrote and the ids to attach to the
/// zone ([`Zone::with_ids`]).
pub async fn sync_registry(
    client: &mut Client,
    zone: &Zone,
    time_zone: &str,
    limit: Duration,
) -> Result<(SyncReport, RegistryIds), StoreError> {
    let f = &zone.file;
    let tx = timed(limit, client.transaction()).await?;
    let run = async {
        // One sync at a time adds classifications and attributions: a lock held until this
        // transaction ends (the writer role may not LOCK TABLE).
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SYNC_LOCK]).await?;
        sync_time_zone(&tx, time_zone).await?;
        tx.batch_execute(
            "UPDATE companies SET active = false; UPDATE sites SET active = false; UPDATE operators SET active = false; UPDATE transporters SET active = false;
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
        add_company_rows(&tx).await?;
        for s in &f.sites {
            let (days, from, to) = window_columns(s.collection_window.as_ref());
            tx.execute(
                "INSERT INTO sites (id, company_id, siret, address, latitude, longitude, geofence_radius_m,
                                    collection_days, collection_from, collection_to, active)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::time, $10::text::time, true)
                 ON CONFLICT (id) DO UPDATE SET company_id = EXCLUDED.company_id, siret = EXCLUDED.siret,
                 address = EXCLUDED.address, latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude,
                 geofence_radius_m = EXCLUDED.geofence_radius_m, collection_days = EXCLUDED.collection_days,
                 collection_from = EXCLUDED.collection_from, collection_to = EXCLUDED.collection_to, active = true",
                &[
                    &s.id,
                    &s.company,
                    &s.siret,
                    &s.address,
                    &s.latitude,
                    &s.longitude,
                    &s.geofence_radius_m,
                    &days,
                    &from,
                    &to,
                ],
            )
            .await?;
        }
        for o in &f.operators {
            tx.execute(
                "INSERT INTO operators (id, name, siret, address, active) VALUES ($1, $2, $3, $4, true)
                 ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, siret = EXCLUDED.siret,
                 address = EXCLUDED.address, active = true",
                &[&o.id, &o.name, &o.siret, &o.address],
            )
            .await?;
        }
        // Each destination's declared final operations, replaced (docs/kpis.md, "Resolved
        // figures"); a destination no longer in the file keeps its last one, as it keeps its name.
        let declarations = f
            .companies
            .iter()
            .map(|c| (&c.id, &c.final_operations))
            .chain(f.operators.iter().map(|o| (&o.id, &o.final_operations)));
        for (destination, ops) in declarations {
            tx.execute("DELETE FROM final_operations WHERE destination_id = $1", &[destination]).await?;
            for op in ops {
                // The zone was checked when loaded: a final code, its mode fits.
                let Ok(Some(mode)) = treatment_mode(&op.code, op.mode) else { continue };
                tx.execute(
                    "INSERT INTO final_operations (destination_id, treatment, treatment_mode, share)
                     VALUES ($1, $2, $3, $4::float8::numeric)",
                    &[destination, &op.code, &mode.name(), &op.share],
                )
                .await?;
            }
        }
        sync_synergy(&tx, f).await?;
        for t in &f.transporters {
            tx.execute(
                "INSERT INTO transporters (id, name, siret, address, receipt_number, receipt_department,
                     receipt_valid_until, receipt_exempt, vehicle_volume_m3, vehicle_mass_kg, active)
                 VALUES ($1, $2, $3, $4, $5, $6, $7::text::date, $8, $9, $10, true)
                 ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, siret = EXCLUDED.siret,
                     address = EXCLUDED.address, receipt_number = EXCLUDED.receipt_number,
                     receipt_department = EXCLUDED.receipt_department,
                     receipt_valid_until = EXCLUDED.receipt_valid_until,
                     receipt_exempt = EXCLUDED.receipt_exempt, vehicle_volume_m3 = EXCLUDED.vehicle_volume_m3,
                     vehicle_mass_kg = EXCLUDED.vehicle_mass_kg, active = true",
                &[
                    &t.id,
                    &t.name,
                    &t.siret,
                    &t.address,
                    &t.receipt_number,
                    &t.receipt_department,
                    &t.receipt_valid_until,
                    &t.receipt_exempt,
                    &t.vehicle_volume_m3,
                    &t.vehicle_mass_kg,
                ],
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
        let mut sensors = 0;
        let mut attributions_added = 0;
        for g in &f.gateways {
            tx.execute(
                "INSERT INTO gateways (id, company_id, site_id, active) VALUES ($1, $2, $3, true)
                 ON CONFLICT (id) DO UPDATE SET company_id = EXCLUDED.company_id, site_id = EXCLUDED.site_id, active = true",
                &[&g.id, &g.company, &g.site],
            )
            .await?;
            for s in &g.sensors {
                sensors += 1;
                let row = tx
                    .query_one(
                        "INSERT INTO sensors (gateway_id, number, container_id, active) VALUES ($1, $2, $3, true)
                         ON CONFLICT (gateway_id, number) DO UPDATE SET container_id = EXCLUDED.container_id, active = true
                         RETURNING id",
                        &[&g.id, &i32::from(s.number), &s.container],
                    )
                    .await?;
                let sensor_id: i32 = column(&row, "id")?;
                // The zone was checked when loaded: the container and its stream exist.
                let Some(c) = zone.container(&s.container) else { continue };
                let Some(stream) = f.streams.iter().find(|x| x.id == c.stream) else { continue };
                let (ewc, hazardous) =
                    match stream_code(&stream.ewc, stream.hazardous, stream.hazard_assessment.as_deref()) {
                        Ok(code) => (code.code, code.hazardous),
                        Err(_) => (stream.ewc.clone(), false),
                    };
                let mode = treatment_mode(&c.treatment, c.treatment_mode).ok().flatten().map(|m| m.name());
                let row = tx
                    .query_one(
                        CLASSIFICATION,
                        &[
                            &c.company,
                            &c.site,
                            &c.stream,
                            &ewc,
                            &hazardous,
                            &stream.pop,
                            &stream.status.name(),
                            &c.treatment,
                            &mode,
                            &c.destination,
                        ],
                    )
                    .await?;
                let classification: i32 = column(&row, "id")?;
                let current = tx.query_opt(CURRENT_ATTRIBUTION, &[&sensor_id]).await?;
                let unchanged = match &current {
                    Some(row) => {
                        column::<&str>(row, "container_id")? == c.id
                            && column::<i32>(row, "classification_id")? == classification
                    }
                    None => false,
                };
                if !unchanged {
                    tx.execute(
                        "INSERT INTO attributions (sensor_id, valid_from, container_id, classification_id)
                         VALUES ($1, now(), $2, $3)",
                        &[&sensor_id, &c.id, &classification],
                    )
                    .await?;
                    attributions_added += 1;
                    tracing::info!(gateway = %g.id, sensor = s.number, container = %c.id, classification, "attribution added, valid from this sync");
                }
            }
        }
        let ids = load_ids(&tx).await?;
        tx.commit().await?;
        let report = SyncReport {
            companies: f.companies.len(),
            sites: f.sites.len(),
            operators: f.operators.len(),
            transporters: f.transporters.len(),
            streams: f.streams.len(),
            containers: f.containers.len(),
            gateways: f.gateways.len(),
            sensors,
            attributions_added,
            roles: RolesReport::default(),
        };
        Ok::<_, StoreError>((report, ids))
    };
    let (mut report, ids) = match tokio::time::timeout(limit.max(Duration::from_secs(30)), run).await {
        Ok(r) => r?,
        Err(_) => return Err(StoreError::Timeout(limit)),
    };
    report.roles = create_company_roles(client, limit).await?;
    Ok((report, ids))
}
