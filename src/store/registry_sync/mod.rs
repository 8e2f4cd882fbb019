//! Synchronising the zone registry into its tables (at start and on `wasteflow registry sync`).
//!
//! One transaction: every entry of the file is upserted and marked active; rows no longer in
//! the file stay, marked inactive, so old readings keep their names. Then each sensor's
//! attribution (its container and the classification of its masses) is compared with the one
//! in force, and a new one, valid from now, is added if anything differs; none is ever
//! altered (docs/storage.md). The ids are read back for the hot path.
//!
//! The steps, in the transaction's order: the time zone ([`time_zone`]), the companies, sites,
//! operators, destinations' final operations and transporters ([`parties`]), the synergy
//! declarations and factors ([`synergy`]), the streams and containers ([`containers`]), the
//! gateways, sensors and their attributions ([`sensors`]).

mod containers;
mod parties;
mod sensors;
mod synergy;
mod time_zone;

use super::error::{timed, StoreError};
use super::schema::{create_company_roles, RolesReport};
use crate::zone::{RegistryIds, Zone};
use std::time::Duration;
use tokio_postgres::{Client, Transaction};

pub use sensors::load_ids;
pub use time_zone::check_time_zone;

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

/// Writes the registry and the zone's time zone (`zone.time_zone`, checked here against
/// `pg_timezone_names`) into the database; returns what it wrote and the ids to attach to the
/// zone ([`Zone::with_ids`]).
pub async fn sync_registry(
    client: &mut Client,
    zone: &Zone,
    time_zone: &str,
    limit: Duration,
) -> Result<(SyncReport, RegistryIds), StoreError> {
    let tx = timed(limit, client.transaction()).await?;
    let written = write_registry(tx, zone, time_zone);
    let (mut report, ids) = match tokio::time::timeout(limit.max(Duration::from_secs(30)), written).await {
        Ok(r) => r?,
        Err(_) => return Err(StoreError::Timeout(limit)),
    };
    report.roles = create_company_roles(client, limit).await?;
    Ok((report, ids))
}

/// The registry's transaction: every table of the file written, the ids read back, COMMIT.
async fn write_registry(
    tx: Transaction<'_>,
    zone: &Zone,
    time_zone: &str,
) -> Result<(SyncReport, RegistryIds), StoreError> {
    let f = &zone.file;
    // One sync at a time adds classifications and attributions: a lock held until this
    // transaction ends (the writer role may not LOCK TABLE).
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SYNC_LOCK]).await?;
    time_zone::sync_time_zone(&tx, time_zone).await?;
    tx.batch_execute(
        "UPDATE companies SET active = false; UPDATE sites SET active = false; UPDATE operators SET active = false; UPDATE transporters SET active = false;
         UPDATE streams SET active = false; UPDATE containers SET active = false; UPDATE gateways SET active = false;
         UPDATE sensors SET active = false; UPDATE weighbridges SET active = false;",
    )
    .await?;
    parties::upsert_treatments(&tx).await?;
    parties::upsert_companies(&tx, f).await?;
    parties::upsert_sites(&tx, f).await?;
    parties::upsert_operators(&tx, f).await?;
    parties::replace_final_operations(&tx, f).await?;
    synergy::sync_synergy(&tx, f).await?;
    parties::upsert_transporters(&tx, f).await?;
    containers::upsert_streams(&tx, f).await?;
    containers::upsert_containers(&tx, f).await?;
    containers::upsert_weighbridges(&tx, f).await?;
    let sensors = sensors::sync_gateways(&tx, zone).await?;
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
        sensors: sensors.sensors,
        attributions_added: sensors.attributions_added,
        roles: RolesReport::default(),
    };
    Ok((report, ids))
}
