//! Getting the database ready before ingesting: migrations (when asked), TimescaleDB
//! policies, and the registry synchronised from the zone file.

use super::connect::Connector;
use super::error::StoreError;
use super::registry_sync::{sync_registry, SyncReport};
use super::schema::apply_policies;
use super::schema::{migrate, Mode};
use crate::config::Settings;
use crate::zone::{RegistryIds, Zone};

/// What preparing did.
#[derive(Debug)]
pub struct Prepared {
    pub mode: Mode,
    pub migrations_applied: Vec<i32>,
    pub policies: Vec<String>,
    pub registry: SyncReport,
    /// The registry's ids, to attach to the zone ([`Zone::with_ids`]).
    pub ids: RegistryIds,
}

/// Connects, migrates and applies storage policies if `run_migrations`, syncs the registry.
pub async fn prepare(settings: &Settings, zone: &Zone, run_migrations: bool) -> Result<Prepared, StoreError> {
    prepare_with(&Connector::new(&settings.database)?, settings, zone, run_migrations).await
}

/// As [`prepare`], connecting with a [`Connector`] prepared at start (the daemon retries this).
pub async fn prepare_with(
    connector: &Connector,
    settings: &Settings,
    zone: &Zone,
    run_migrations: bool,
) -> Result<Prepared, StoreError> {
    let limit = settings.database.statement_timeout;
    let mut db = connector.connect().await?;
    let (mode, migrations_applied) = if run_migrations {
        migrate(&mut db.client, settings.database.schema.as_deref(), limit).await?
    } else {
        super::schema::check_current(&db.client, limit).await?;
        (Mode::detect(&db.client, limit).await?, vec![])
    };
    // Policies are DDL: applied with the migrations, by their owner (the writer role cannot).
    let policies = if run_migrations {
        apply_policies(&db.client, mode, &settings.storage, limit).await?
    } else {
        vec!["storage policies are applied by `wasteflow migrate` (migrate_on_start is off)".to_string()]
    };
    let (registry, ids) = sync_registry(&mut db.client, zone, &settings.zone.time_zone, limit).await?;
    db.close().await;
    Ok(Prepared { mode, migrations_applied, policies, registry, ids })
}
