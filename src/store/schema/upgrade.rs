//! Carrying a v1 database into storage v2 (migration 8), in place, resumably.
//!
//! Migration 8 renames the v1 readings and flow rollups with a `_v1` suffix and creates the
//! v2 tables; this module carries the data over, in three phases recorded in
//! `storage_upgrade`, each committed before the next begins:
//!
//! 1. **map** (one transaction): every distinct v1 attribution (gateway, sensor, container,
//!    company, stream, treatment, destination) gets a sensor id, a classification and an
//!    attribution with no `valid_from` (v1 did not record when), kept in
//!    `storage_upgrade_map`; the v1 flow rollups are converted to the same classifications
//!    and dropped. v1 rollups did not record the site, so carried-over classifications have
//!    none; their waste code, hazardous and POP flags and status are the registry's at the
//!    upgrade, the only record v1 kept.
//! 2. **copy**: `readings_v1` in key order (time first on a TimescaleDB hypertable: [`Walk`]),
//!    `batch` rows a transaction, the position kept in the same transaction, so an interrupted
//!    copy resumes after the last committed batch.
//! 3. **done**: the counts must agree, then the v1 tables are dropped.
//!
//! The daemon refuses to ingest until the phase is done ([`StoreError::UpgradePending`]).

use crate::rollup::LEVELS;
use crate::store::error::{column, timed, StoreError, UpgradeError};
use std::time::{Duration, Instant};
use tokio_postgres::Client;

/// Where an upgrade stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpgradeState {
    pub done: bool,
    pub copied: i64,
    pub total: i64,
}

/// Rows copied per transaction by default.
pub const BATCH: i64 = 50_000;

/// Reads the upgrade's state; None before migration 8.
pub async fn upgrade_state(client: &Client, limit: Duration) -> Result<Option<UpgradeState>, StoreError> {
    let row =
        timed(limit, client.query_opt("SELECT phase, copied, total FROM storage_upgrade WHERE version = 2", &[])).await;
    let row = match row {
        Ok(r) => r,
        Err(StoreError::Db(e)) if e.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE) => {
            return Ok(None)
        }
        Err(e) => return Err(e),
    };
    let Some(row) = row else { return Ok(None) };
    Ok(Some(UpgradeState {
        done: column::<&str>(&row, "phase")? == "done",
        copied: column(&row, "copied")?,
        total: column(&row, "total")?,
    }))
}

/// Whether the v1 readings table still holds rows (false when it is gone).
async fn v1_has_rows(client: &Client, limit: Duration) -> Result<bool, StoreError> {
    let exists = timed(limit, client.query_opt("SELECT to_regclass('readings_v1') IS NOT NULL AS t", &[])).await?;
    if !exists.map(|r| column::<bool>(&r, "t")).transpose()?.unwrap_or(false) {
        return Ok(false);
    }
    let row = timed(limit, client.query_opt("SELECT 1 FROM readings_v1 LIMIT 1", &[])).await?;
    Ok(row.is_some())
}

/// Who is asking: the daemon only finishes an upgrade with nothing to copy (a new or empty
/// database); `wasteflow migrate` copies whatever there is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copy {
    OnlyIfEmpty,
    All,
}

/// Finishes the upgrade if one is pending; `progress(copied, total)` is called after each
/// committed batch.
pub async fn finish_upgrade(
    client: &mut Client,
    copy: Copy,
    batch: i64,
    limit: Duration,
    progress: &mut (dyn FnMut(i64, i64) + Send),
) -> Result<(), StoreError> {
    let Some(state) = upgrade_state(client, limit).await? else { return Ok(()) };
    if state.done {
        return Ok(());
    }
    if copy == Copy::OnlyIfEmpty && v1_has_rows(client, limit).await? {
        return Err(StoreError::UpgradePending { copied: state.copied, total: state.total });
    }
    // A mapping pass reads the whole v1 table: allow it time.
    let long = limit.max(Duration::from_secs(3600));
    let phase: String = column(
        &timed(limit, client.query_one("SELECT phase FROM storage_upgrade WHERE version = 2", &[])).await?,
        "phase",
    )?;
    if phase == "map" {
        let started = Instant::now();
        // A database created by this version has an empty v1 table: nothing to tell the operator.
        let carried = v1_has_rows(client, limit).await?;
        map(client, long).await?;
        if carried {
            tracing::info!(took = ?started.elapsed(), "storage v2 upgrade: v1 attributions mapped, flow rollups carried over");
        } else {
            tracing::debug!(took = ?started.elapsed(), "storage v2 upgrade: no v1 readings to carry over");
        }
    }
    copy_readings(client, batch.max(1), long, progress).await?;
    drop_v1(client, long).await
}

/// Phase 1, one transaction.
async fn map(client: &mut Client, limit: Duration) -> Result<(), StoreError> {
    let mut sql = String::from(
        "
CREATE TABLE storage_upgrade_map AS
    SELECT DISTINCT gateway_id, sensor, container_id, company_id, stream_id, treatment, destination_id
    FROM readings_v1;
-- Sensors removed from the registry before v1 dropped them are kept, inactive.
INSERT INTO sensors (gateway_id, number, container_id, active)
    SELECT DISTINCT ON (gateway_id, sensor) gateway_id, sensor, container_id, false FROM storage_upgrade_map
    ON CONFLICT (gateway_id, number) DO NOTHING;
-- Every v1 classification, from the readings and the flow rollups of each level.
CREATE TEMP TABLE v1_flows ON COMMIT DROP AS
    SELECT company_id, stream_id, treatment, destination_id FROM storage_upgrade_map",
    );
    for l in LEVELS {
        sql.push_str(&format!(
            "\n    UNION SELECT company_id, stream_id, treatment, destination_id FROM flow_rollup_{}_v1",
            l.suffix
        ));
    }
    sql.push_str(
        ";
INSERT INTO classifications
    (company_id, site_id, stream_id, ewc, hazardous, pop, status, treatment, treatment_mode, destination_id)
SELECT f.company_id, NULL, f.stream_id, coalesce(s.ewc, ''), coalesce(s.hazardous, false), coalesce(s.pop, false),
       coalesce(s.status, 'waste'), f.treatment,
       (SELECT min(k.treatment_mode) FROM containers k
        WHERE k.company_id = f.company_id AND k.stream_id = f.stream_id AND k.treatment = f.treatment
          AND k.destination_id = f.destination_id),
       f.destination_id
FROM v1_flows f LEFT JOIN streams s ON s.id = f.stream_id
ON CONFLICT ON CONSTRAINT classifications_content DO NOTHING;
-- A v1 classification is the one with no site for its company, stream, treatment and
-- destination (made just now or by an earlier attempt).
CREATE TEMP TABLE v1_classification ON COMMIT DROP AS
    SELECT DISTINCT ON (f.company_id, f.stream_id, f.treatment, f.destination_id)
           f.company_id, f.stream_id, f.treatment, f.destination_id, c.id AS classification_id
    FROM v1_flows f JOIN classifications c
      ON c.company_id = f.company_id AND c.site_id IS NULL AND c.stream_id = f.stream_id
     AND c.treatment = f.treatment AND c.destination_id = f.destination_id
    ORDER BY f.company_id, f.stream_id, f.treatment, f.destination_id, c.id;
ALTER TABLE storage_upgrade_map ADD COLUMN sensor_id integer, ADD COLUMN attribution_id integer;
UPDATE storage_upgrade_map m SET sensor_id = s.id FROM sensors s WHERE s.gateway_id = m.gateway_id AND s.number = m.sensor;
INSERT INTO attributions (sensor_id, valid_from, container_id, classification_id)
    SELECT DISTINCT m.sensor_id, NULL::timestamptz, m.container_id, v.classification_id
    FROM storage_upgrade_map m JOIN v1_classification v USING (company_id, stream_id, treatment, destination_id)
    ON CONFLICT (sensor_id, container_id, classification_id) WHERE valid_from IS NULL DO NOTHING;
UPDATE storage_upgrade_map m SET attribution_id = a.id
    FROM v1_classification v, attributions a
    WHERE v.company_id = m.company_id AND v.stream_id = m.stream_id AND v.treatment = m.treatment
      AND v.destination_id = m.destination_id AND a.sensor_id = m.sensor_id AND a.container_id = m.container_id
      AND a.classification_id = v.classification_id AND a.valid_from IS NULL;
CREATE UNIQUE INDEX ON storage_upgrade_map (gateway_id, sensor, container_id, company_id, stream_id, treatment, destination_id);",
    );
    for l in LEVELS {
        sql.push_str(&format!(
            "
INSERT INTO flow_rollup_{s} AS t (bucket, classification_id, mass_g, weighings)
    SELECT r.bucket, v.classification_id, sum(r.mass_g), sum(r.weighings)
    FROM flow_rollup_{s}_v1 r JOIN v1_classification v USING (company_id, stream_id, treatment, destination_id)
    GROUP BY 1, 2
    ON CONFLICT (bucket, classification_id) DO UPDATE
    SET mass_g = t.mass_g + EXCLUDED.mass_g, weighings = t.weighings + EXCLUDED.weighings;
DROP TABLE flow_rollup_{s}_v1;",
            s = l.suffix
        ));
    }
    sql.push_str(
        "
-- The rollups by local period (migration 21), from the hourly ones just carried over.
SELECT wf_rebuild_local_rollups();
UPDATE storage_upgrade SET phase = 'copy', total = (SELECT count(*) FROM readings_v1), updated_at = now()
WHERE version = 2;",
    );
    let tx = timed(limit, client.transaction()).await?;
    timed(limit, tx.batch_execute(&sql)).await?;
    timed(limit, tx.commit()).await?;
    Ok(())
}

/// The order the copy walks `readings_v1` in; the same in every run of one upgrade (whether
/// the table is a hypertable does not change), so a resumed run continues after the position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walk {
    /// Its primary key's order (gateway, sensor, kind, time): a plain table, read through its
    /// primary key index.
    Key,
    /// Time first (time, gateway, sensor, kind): a TimescaleDB hypertable. v1's compression
    /// policy compressed every chunk older than `storage.compress_after` (7 days), segmented by
    /// gateway and ordered by time, and a compressed chunk has no primary key index: in key
    /// order every batch decompressed and sorted all the compressed chunks to find its next
    /// rows, so the copy took time in the square of the table (1,000,000 readings over 30 days
    /// on PGlite's TimescaleDB, batches of 20,000: 141 s, 2.5 s a batch). In time order a batch
    /// reads only the chunks from its position on (`ts >=` the position's time excludes the
    /// others) and stops at its last row (the same: 28 s); it also writes the v2 chunks one
    /// time range after the other. The position is kept in the same columns.
    Time,
}

impl Walk {
    /// Time first when `readings_v1` is a TimescaleDB hypertable.
    async fn of_v1(client: &Client, limit: Duration) -> Result<Walk, StoreError> {
        let timescale =
            timed(limit, client.query_opt("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'", &[])).await?;
        if timescale.is_none() {
            return Ok(Walk::Key);
        }
        let hyper = timed(
            limit,
            client.query_opt(
                "SELECT 1 FROM timescaledb_information.hypertables
                 WHERE hypertable_schema = current_schema() AND hypertable_name = 'readings_v1'",
                &[],
            ),
        )
        .await?;
        Ok(if hyper.is_some() { Walk::Time } else { Walk::Key })
    }

    /// (the columns in walking order, the position's parameters in the same order)
    fn columns(self) -> (&'static str, &'static str) {
        match self {
            Walk::Key => ("gateway_id, sensor, kind, ts", "$2, $3, $4, $5"),
            Walk::Time => ("ts, gateway_id, sensor, kind", "$5, $2, $3, $4"),
        }
    }
}

/// One batch: the next rows after the position, copied, and the position moved, in one
/// statement (so in one transaction). Returns (rows copied now, rows copied in all).
fn copy_sql(first: bool, walk: Walk) -> String {
    let (order, position) = walk.columns();
    let after = match (first, walk) {
        (true, _) => String::new(),
        (false, Walk::Key) => format!("WHERE ({order}) > ({position})"),
        // The same condition, and the time bound alone so that TimescaleDB excludes the chunks
        // before the position (it does not see one in a row comparison).
        (false, Walk::Time) => format!("WHERE ts >= $5 AND ({order}) > ({position})"),
    };
    let descending = order.split(", ").map(|c| format!("{c} DESC")).collect::<Vec<_>>().join(", ");
    format!(
        "WITH b AS (
            SELECT gateway_id, sensor, kind, ts, value_milli, company_id, container_id, stream_id, treatment,
                   destination_id, frame_seq, stored_at
            FROM readings_v1 {after}
            ORDER BY {order} LIMIT $1),
        copied AS (
            INSERT INTO readings (ts, value_milli, stored_at, sensor_id, attribution_id, frame_seq, kind)
            SELECT b.ts, b.value_milli, b.stored_at, m.sensor_id, m.attribution_id,
                   (CASE WHEN b.frame_seq > 2147483647 THEN b.frame_seq - 4294967296 ELSE b.frame_seq END)::int4,
                   b.kind
            FROM b JOIN storage_upgrade_map m
              ON m.gateway_id = b.gateway_id AND m.sensor = b.sensor AND m.container_id = b.container_id
             AND m.company_id = b.company_id AND m.stream_id = b.stream_id AND m.treatment = b.treatment
             AND m.destination_id = b.destination_id
            ON CONFLICT DO NOTHING
            RETURNING ts, value_milli, sensor_id, attribution_id, kind),
        weighed AS (
            INSERT INTO weighings (ts, value_milli, sensor_id, attribution_id)
            SELECT ts, value_milli, sensor_id, attribution_id FROM copied WHERE kind = 1
            ON CONFLICT DO NOTHING),
        last AS (SELECT gateway_id, sensor, kind, ts FROM b ORDER BY {descending} LIMIT 1)
        UPDATE storage_upgrade u
        SET after_gateway = last.gateway_id, after_sensor = last.sensor, after_kind = last.kind, after_ts = last.ts,
            copied = u.copied + (SELECT count(*) FROM b), updated_at = now()
        FROM last WHERE u.version = 2
        RETURNING (SELECT count(*) FROM b) AS batch, (SELECT count(*) FROM copied) AS inserted, u.copied"
    )
}

/// Phase 2: batch after batch until the v1 table is exhausted.
async fn copy_readings(
    client: &mut Client,
    batch: i64,
    limit: Duration,
    progress: &mut (dyn FnMut(i64, i64) + Send),
) -> Result<(), StoreError> {
    let walk = Walk::of_v1(client, limit).await?;
    let first = timed(limit, client.prepare(&copy_sql(true, walk))).await?;
    let next = timed(limit, client.prepare(&copy_sql(false, walk))).await?;
    loop {
        let pos = timed(
            limit,
            client.query_one(
                "SELECT after_gateway, after_sensor, after_kind, after_ts, total FROM storage_upgrade WHERE version = 2",
                &[],
            ),
        )
        .await?;
        let total: i64 = column(&pos, "total")?;
        let gateway: Option<String> = column(&pos, "after_gateway")?;
        let row = match gateway {
            None => timed(limit, client.query_opt(&first, &[&batch])).await?,
            Some(g) => {
                let sensor: i32 = column(&pos, "after_sensor")?;
                let kind: i16 = column(&pos, "after_kind")?;
                let ts: std::time::SystemTime = column(&pos, "after_ts")?;
                timed(limit, client.query_opt(&next, &[&batch, &g, &sensor, &kind, &ts])).await?
            }
        };
        // No row: nothing was left after the position.
        let Some(row) = row else { return Ok(()) };
        let (n, inserted, copied): (i64, i64, i64) =
            (column(&row, "batch")?, column(&row, "inserted")?, column(&row, "copied")?);
        if inserted != n {
            // Each v1 row has its mapping: a shortfall means rows already there, which only a
            // daemon writing during the upgrade could have put (it refuses to).
            tracing::warn!(batch = n, inserted, "storage v2 upgrade: some rows of a batch were already copied");
        }
        progress(copied, total);
    }
}

/// Phase 3: counts checked, v1 tables dropped.
async fn drop_v1(client: &mut Client, limit: Duration) -> Result<(), StoreError> {
    let tx = timed(limit, client.transaction()).await?;
    let row = timed(
        limit,
        tx.query_one("SELECT (SELECT count(*) FROM readings_v1) AS v1, (SELECT count(*) FROM readings) AS v2", &[]),
    )
    .await?;
    let (v1, v2): (i64, i64) = (column(&row, "v1")?, column(&row, "v2")?);
    if v2 < v1 {
        return Err(UpgradeError::RowsMissing { v1, v2 }.into());
    }
    timed(
        limit,
        tx.batch_execute(
            "DROP TABLE readings_v1; DROP TABLE storage_upgrade_map;
             UPDATE storage_upgrade SET phase = 'done', updated_at = now() WHERE version = 2;",
        ),
    )
    .await?;
    timed(limit, tx.commit()).await?;
    if v1 > 0 {
        tracing::info!(readings = v1, "storage v2 upgrade done");
    } else {
        tracing::debug!("storage v2 upgrade done: a new database, no v1 readings");
    }
    Ok(())
}
