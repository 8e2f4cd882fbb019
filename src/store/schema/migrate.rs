//! Versioned SQL migrations, embedded in the binary.

use super::upgrade::{finish_upgrade, upgrade_state, Copy, BATCH};
use crate::store::error::{column, timed, StoreError};
use std::time::Duration;
use tokio_postgres::Client;

/// (version, name, SQL), applied in order, each in its own transaction.
pub const MIGRATIONS: &[(i32, &str, &str)] = &[
    (1, "tables", include_str!("migrations/0001_tables.sql")),
    (2, "views", include_str!("migrations/0002_views.sql")),
    (3, "events", include_str!("migrations/0003_events.sql")),
    (4, "writer role", include_str!("migrations/0004_writer_role.sql")),
    (5, "dead letter identity", include_str!("migrations/0005_dead_letter_identity.sql")),
    (6, "dead-letter replay", include_str!("migrations/0006_dead_letter_replay.sql")),
    (7, "registry reporting fields", include_str!("migrations/0007_registry_reporting.sql")),
    (8, "storage v2", include_str!("migrations/0008_storage_v2.sql")),
    (9, "local calendar", include_str!("migrations/0009_local_calendar.sql")),
    (10, "waste register", include_str!("migrations/0010_register.sql")),
    (11, "final operations", include_str!("migrations/0011_final_operations.sql")),
    (12, "shared live state", include_str!("migrations/0012_shared_live_state.sql")),
    (13, "sensors as deployed", include_str!("migrations/0013_sensors_as_deployed.sql")),
    (14, "synergy and savings factors", include_str!("migrations/0014_synergy_factors.sql")),
    (15, "collection planning", include_str!("migrations/0015_collection_planning.sql")),
    (16, "company roles", include_str!("migrations/0016_company_roles.sql")),
    (17, "fill rate span", include_str!("migrations/0017_fill_rate_span.sql")),
    (18, "live frames set aside", include_str!("migrations/0018_live_set_aside.sql")),
    (19, "reception weighings", include_str!("migrations/0019_reception_weighings.sql")),
    (20, "savings by TGAP category", include_str!("migrations/0020_savings_by_category.sql")),
    (21, "local period rollups", include_str!("migrations/0021_local_period_rollups.sql")),
    (22, "reference estimates by material code", include_str!("migrations/0022_material_costs.sql")),
    (23, "recent weighings in the live state", include_str!("migrations/0023_live_weighings.sql")),
    (24, "weighings", include_str!("migrations/0024_weighings.sql")),
];

/// Storage mode, detected at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The timescaledb extension is installed: hypertables.
    Timescale,
    /// Plain PostgreSQL tables.
    Postgres,
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mode::Timescale => "TimescaleDB (hypertables)",
            Mode::Postgres => "PostgreSQL (plain tables)",
        })
    }
}

/// Under the migration lock: creates the schema and the timescaledb extension (when the server
/// offers it), then applies pending migrations and the views. Returns the storage mode and the
/// versions applied now. Two instances starting together wait for each other: `CREATE ... IF
/// NOT EXISTS` run concurrently fails in one of them on the catalogue's unique index.
///
/// This is the daemon's migration: it finishes the storage v2 upgrade only when there is no v1
/// data to copy, and otherwise fails with [`StoreError::UpgradePending`]; `wasteflow migrate`
/// copies it ([`migrate_and_upgrade`]).
pub async fn migrate(
    client: &mut Client,
    schema: Option<&str>,
    limit: Duration,
) -> Result<(Mode, Vec<i32>), StoreError> {
    under_lock(client, schema, limit, Copy::OnlyIfEmpty, BATCH, &mut |_, _| {}).await
}

/// As [`migrate`], and carries any v1 data into storage v2, `batch` readings a transaction,
/// calling `progress(copied, total)` after each.
pub async fn migrate_and_upgrade(
    client: &mut Client,
    schema: Option<&str>,
    limit: Duration,
    batch: i64,
    progress: &mut (dyn FnMut(i64, i64) + Send),
) -> Result<(Mode, Vec<i32>), StoreError> {
    under_lock(client, schema, limit, Copy::All, batch, progress).await
}

/// Advisory lock key so that two instances never migrate at once ("wasteflw").
const LOCK_KEY: i64 = 0x7761_7374_6566_6c77;

async fn under_lock(
    client: &mut Client,
    schema: Option<&str>,
    limit: Duration,
    copy: Copy,
    batch: i64,
    progress: &mut (dyn FnMut(i64, i64) + Send),
) -> Result<(Mode, Vec<i32>), StoreError> {
    let limit = limit.max(Duration::from_secs(60));
    timed(limit, client.execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY])).await?;
    let result = locked(client, schema, limit, copy, batch, progress).await;
    // On failure the connection may be broken: it is dropped then, which releases the lock too.
    let unlocked = timed(limit, client.execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])).await;
    let done = result?;
    unlocked?;
    Ok(done)
}

/// Everything [`migrate`] does while it holds the lock.
async fn locked(
    client: &mut Client,
    schema: Option<&str>,
    limit: Duration,
    copy: Copy,
    batch: i64,
    progress: &mut (dyn FnMut(i64, i64) + Send),
) -> Result<(Mode, Vec<i32>), StoreError> {
    if let Some(schema) = schema {
        // Checked at load: lower-case letters, digits and '_'.
        timed(limit, client.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))).await?;
    }
    let available =
        timed(limit, client.query_opt("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'", &[])).await?;
    if available.is_some() {
        timed(limit, client.batch_execute("CREATE EXTENSION IF NOT EXISTS timescaledb")).await?;
    }
    let mode = Mode::detect(client, limit).await?;
    let applied = apply(client, limit).await?;
    super::repeatable::apply(client, limit).await?;
    finish_upgrade(client, copy, batch, limit, progress).await?;
    Ok((mode, applied))
}

impl Mode {
    /// Whether the timescaledb extension is installed in this database.
    pub async fn detect(client: &Client, limit: Duration) -> Result<Mode, StoreError> {
        let row =
            timed(limit, client.query_opt("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'", &[])).await?;
        Ok(if row.is_some() { Mode::Timescale } else { Mode::Postgres })
    }
}

/// Without migrating (the daemon's role may not be allowed to): checks every migration this
/// binary knows has been applied, and its views and constraints.
pub async fn check_current(client: &Client, limit: Duration) -> Result<(), StoreError> {
    let needed = MIGRATIONS.last().map_or(0, |m| m.0);
    let found: i32 =
        match timed(limit, client.query_one("SELECT coalesce(max(version), 0) AS version FROM schema_migrations", &[]))
            .await
        {
            Ok(row) => column(&row, "version")?,
            // No table at all: nothing was ever migrated here.
            Err(StoreError::Db(e)) if e.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE) => 0,
            Err(e) => return Err(e),
        };
    if found < needed {
        return Err(StoreError::Outdated { found, needed });
    }
    if !super::repeatable::is_current(client, limit).await? {
        return Err(StoreError::ViewsOutdated);
    }
    if let Some(state) = upgrade_state(client, limit).await? {
        if !state.done {
            return Err(StoreError::UpgradePending { copied: state.copied, total: state.total });
        }
    }
    Ok(())
}

async fn apply(client: &mut Client, limit: Duration) -> Result<Vec<i32>, StoreError> {
    timed(
        limit,
        client.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
        ),
    )
    .await?;
    let done = timed(limit, client.query("SELECT version FROM schema_migrations", &[]))
        .await?
        .iter()
        .map(|r| column(r, "version"))
        .collect::<Result<Vec<i32>, _>>()?;
    let mut applied = Vec::new();
    for &(version, name, sql) in MIGRATIONS {
        if done.contains(&version) {
            continue;
        }
        let tx = timed(limit, client.transaction()).await?;
        let step = async {
            tx.batch_execute(sql).await?;
            tx.execute("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", &[&version, &name]).await?;
            tx.commit().await
        };
        match tokio::time::timeout(limit, step).await {
            Ok(Ok(())) => applied.push(version),
            Ok(Err(source)) => return Err(StoreError::Migration { version, name, source }),
            Err(_) => return Err(StoreError::Timeout(limit)),
        }
        tracing::info!(version, name, "migration applied");
    }
    Ok(applied)
}
