//! TimescaleDB compression and retention policies, from `[storage]`.
//!
//! Applied after the migrations; re-applied at each start so a changed setting takes effect.
//! On plain PostgreSQL there is nothing to apply: configured retention is reported as ignored.

use super::migrate::Mode;
use crate::config::StorageSettings;
use crate::rollup::LEVELS;
use crate::store::error::{timed, StoreError};
use std::time::Duration;
use tokio_postgres::Client;

/// (table, segment-by, order-by) of every hypertable. Chosen for the queries that matter
/// (docs/storage.md): raw readings are read per sensor over time (one container's history,
/// the live state's seed), so a compressed batch holds one sensor's one kind in time order; flow
/// rollups are read per company per day, i.e. per classification over a period.
fn hypertables() -> Vec<(String, &'static str, &'static str)> {
    let mut t = vec![("readings".to_string(), "sensor_id, kind", "ts DESC")];
    for l in LEVELS {
        t.push((format!("flow_rollup_{}", l.suffix), "classification_id", "bucket DESC"));
        t.push((format!("container_rollup_{}", l.suffix), "container_id", "bucket DESC"));
    }
    t
}

fn interval(d: Duration) -> String {
    format!("{} seconds", d.as_secs())
}

/// Applies compression and retention; returns a line per policy for the log.
pub async fn apply_policies(
    client: &Client,
    mode: Mode,
    s: &StorageSettings,
    limit: Duration,
) -> Result<Vec<String>, StoreError> {
    let mut done = Vec::new();
    if mode != Mode::Timescale {
        if s.raw_retention.is_some() || s.minute_rollup_retention.is_some() {
            done.push("retention is configured but needs TimescaleDB; nothing is dropped on plain PostgreSQL".into());
        }
        return Ok(done);
    }
    let limit = limit.max(Duration::from_secs(60));
    for (table, segment, order) in hypertables() {
        timed(
            limit,
            client.batch_execute(&format!(
                "ALTER TABLE {table} SET (timescaledb.compress, timescaledb.compress_segmentby = '{segment}', \
                 timescaledb.compress_orderby = '{order}');
                 SELECT remove_compression_policy('{table}', if_exists => true);
                 SELECT add_compression_policy('{table}', INTERVAL '{}');",
                interval(s.compress_after)
            )),
        )
        .await?;
        done.push(format!("{table}: compress after {}", humantime::format_duration(s.compress_after)));
    }
    for (table, keep) in [
        ("readings".to_string(), s.raw_retention),
        (format!("flow_rollup_{}", LEVELS[0].suffix), s.minute_rollup_retention),
        (format!("container_rollup_{}", LEVELS[0].suffix), s.minute_rollup_retention),
    ] {
        timed(limit, client.batch_execute(&format!("SELECT remove_retention_policy('{table}', if_exists => true)")))
            .await?;
        if let Some(keep) = keep {
            timed(
                limit,
                client.batch_execute(&format!("SELECT add_retention_policy('{table}', INTERVAL '{}')", interval(keep))),
            )
            .await?;
            done.push(format!("{table}: drop chunks older than {}", humantime::format_duration(keep)));
        }
    }
    Ok(done)
}
