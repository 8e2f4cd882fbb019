//! `wasteflow verify`: recompute every rollup from the raw readings and list the differences,
//! those by local period (migration 21) in the zone's time zone.

use crate::rollup::{Level, LEVELS};
use crate::store::error::{column, timed, StoreError};
use crate::wire::MeasurementKind;
use std::fmt;
use std::time::Duration;
use tokio_postgres::Client;

/// One rollup row that differs from its recomputation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Which rollup (flow_rollup, container_rollup) and level (1m, 1h, 1d; local and local_1d:
    /// by local period); or `weighings` (no level), the copy of the readings of kind 1.
    pub rollup: &'static str,
    pub level: &'static str,
    /// The row's key, printed.
    pub key: String,
    /// Recomputed from `readings` (None: no readings for this key).
    pub expected: Option<String>,
    /// Stored in the rollup (None: the row is missing).
    pub actual: Option<String>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(no row)".into());
        let level = if self.level.is_empty() { String::new() } else { format!("_{}", self.level) };
        write!(
            f,
            "{}{level} {}: expected {}, stored {}",
            self.rollup,
            self.key,
            show(&self.expected),
            show(&self.actual)
        )
    }
}

fn flows_sql(level: &Level) -> String {
    format!(
        "WITH expected AS (
            SELECT date_bin('{interval}', r.ts, timestamptz '1970-01-01 00:00:00+00') AS bucket, a.classification_id,
                   sum(r.value_milli)::bigint AS mass_g, count(*)::bigint AS weighings
            FROM readings r JOIN attributions a ON a.id = r.attribution_id
            WHERE r.kind = {mass} GROUP BY 1, 2)
        SELECT concat_ws(' ', coalesce(e.bucket, a.bucket)::text, 'classification',
                         coalesce(e.classification_id, a.classification_id)) AS key,
               e.mass_g::text || ' g in ' || e.weighings::text AS expected,
               a.mass_g::text || ' g in ' || a.weighings::text AS actual
        FROM expected e FULL OUTER JOIN flow_rollup_{suffix} a
          ON a.bucket = e.bucket AND a.classification_id = e.classification_id
        WHERE e.mass_g IS DISTINCT FROM a.mass_g OR e.weighings IS DISTINCT FROM a.weighings
        ORDER BY 1 LIMIT 1000",
        interval = level.interval,
        suffix = level.suffix,
        mass = MeasurementKind::NetMassKg.number(),
    )
}

/// The fill statistics of a group of readings, as the writer sums them (src/rollup).
fn fill_aggregates() -> String {
    format!(
        "min(r.value_milli) FILTER (WHERE r.kind = {fill}) AS fill_min,
                   max(r.value_milli) FILTER (WHERE r.kind = {fill}) AS fill_max,
                   coalesce(sum(r.value_milli) FILTER (WHERE r.kind = {fill}), 0)::bigint AS fill_sum,
                   count(*) FILTER (WHERE r.kind = {fill})::bigint AS fill_count,
                   count(*) FILTER (WHERE r.kind = {emptied})::bigint AS emptied",
        fill = MeasurementKind::FillLevel.number(),
        emptied = MeasurementKind::Emptied.number(),
    )
}

/// A fill row as a mismatch shows it, recomputed (`e`) and stored (`a`).
const FILLS_SHOWN: &str =
    "CASE WHEN e.container_id IS NOT NULL THEN concat_ws(' ', 'min', e.fill_min, 'max', e.fill_max,
                    'sum', e.fill_sum, 'n', e.fill_count, 'emptied', e.emptied) END AS expected,
               CASE WHEN a.container_id IS NOT NULL THEN concat_ws(' ', 'min', a.fill_min, 'max', a.fill_max,
                    'sum', a.fill_sum, 'n', a.fill_count, 'emptied', a.emptied) END AS actual";

fn fills_sql(level: &Level) -> String {
    format!(
        "WITH expected AS (
            SELECT date_bin('{interval}', r.ts, timestamptz '1970-01-01 00:00:00+00') AS bucket, a.container_id,
                   min(c.company_id) AS company_id, {aggregates}
            FROM readings r
            JOIN attributions a ON a.id = r.attribution_id
            JOIN classifications c ON c.id = a.classification_id
            WHERE r.kind IN ({fill}, {emptied}) GROUP BY 1, 2)
        SELECT coalesce(e.bucket, a.bucket)::text || ' ' || coalesce(e.container_id, a.container_id) AS key,
               {shown}
        FROM expected e FULL OUTER JOIN container_rollup_{suffix} a ON a.bucket = e.bucket AND a.container_id = e.container_id
        WHERE (e.fill_min, e.fill_max, e.fill_sum, e.fill_count, e.emptied, e.company_id)
              IS DISTINCT FROM (a.fill_min, a.fill_max, a.fill_sum, a.fill_count, a.emptied, a.company_id)
        ORDER BY 1 LIMIT 1000",
        interval = level.interval,
        suffix = level.suffix,
        aggregates = fill_aggregates(),
        shown = FILLS_SHOWN,
        fill = MeasurementKind::FillLevel.number(),
        emptied = MeasurementKind::Emptied.number(),
    )
}

/// The flows per local period (migration 21), recomputed from the readings in the zone's time
/// zone.
fn local_flows_sql() -> String {
    format!(
        "WITH expected AS (
            SELECT p.period, wf_local_period_start(p.period, r.ts, z.time_zone) AS period_start, a.classification_id,
                   sum(r.value_milli)::bigint AS mass_g, count(*)::bigint AS weighings
            FROM readings r JOIN attributions a ON a.id = r.attribution_id
            CROSS JOIN zone_settings z CROSS JOIN (VALUES ('day'), ('month'), ('year')) p (period)
            WHERE r.kind = {mass} GROUP BY 1, 2, 3)
        SELECT concat_ws(' ', coalesce(e.period, a.period), coalesce(e.period_start, a.period_start)::text,
                         'classification', coalesce(e.classification_id, a.classification_id)) AS key,
               e.mass_g::text || ' g in ' || e.weighings::text AS expected,
               a.mass_g::text || ' g in ' || a.weighings::text AS actual
        FROM expected e FULL OUTER JOIN flow_rollup_local a
          ON a.period = e.period AND a.period_start = e.period_start AND a.classification_id = e.classification_id
        WHERE e.mass_g IS DISTINCT FROM a.mass_g OR e.weighings IS DISTINCT FROM a.weighings
        ORDER BY 1 LIMIT 1000",
        mass = MeasurementKind::NetMassKg.number(),
    )
}

/// The container fill per local day, recomputed from the readings in the zone's time zone.
fn local_fills_sql() -> String {
    format!(
        "WITH expected AS (
            SELECT wf_local_period_start('day', r.ts, z.time_zone) AS day, a.container_id, c.company_id, {aggregates}
            FROM readings r
            JOIN attributions a ON a.id = r.attribution_id
            JOIN classifications c ON c.id = a.classification_id
            CROSS JOIN zone_settings z
            WHERE r.kind IN ({fill}, {emptied}) GROUP BY 1, 2, 3)
        SELECT concat_ws(' ', coalesce(e.day, a.day)::text, coalesce(e.container_id, a.container_id),
                         coalesce(e.company_id, a.company_id)) AS key,
               {shown}
        FROM expected e FULL OUTER JOIN container_rollup_local_1d a
          ON a.day = e.day AND a.container_id = e.container_id AND a.company_id = e.company_id
        WHERE (e.fill_min, e.fill_max, e.fill_sum, e.fill_count, e.emptied)
              IS DISTINCT FROM (a.fill_min, a.fill_max, a.fill_sum, a.fill_count, a.emptied)
        ORDER BY 1 LIMIT 1000",
        aggregates = fill_aggregates(),
        shown = FILLS_SHOWN,
        fill = MeasurementKind::FillLevel.number(),
        emptied = MeasurementKind::Emptied.number(),
    )
}

/// Every weighing of `readings` (kind 1) once in `weighings` (migration 24), with its value and
/// sensor. A row of `weighings` without its reading is not a mismatch: `storage.raw_retention`
/// removes readings, not weighings.
const WEIGHINGS_SQL: &str = "
SELECT 'attribution ' || r.attribution_id::text || ' at ' || r.ts::text AS key,
       r.value_milli::text || ' g, sensor ' || r.sensor_id::text AS expected,
       w.value_milli::text || ' g, sensor ' || w.sensor_id::text AS actual
FROM readings r LEFT JOIN weighings w ON w.attribution_id = r.attribution_id AND w.ts = r.ts
WHERE r.kind = 1 AND (w.ts IS NULL OR w.value_milli <> r.value_milli OR w.sensor_id <> r.sensor_id)
ORDER BY r.attribution_id, r.ts LIMIT 1000";

/// Returns every mismatch (at most 1000 per rollup table); empty means the rollups are exact.
pub async fn verify(client: &Client, limit: Duration) -> Result<Vec<Mismatch>, StoreError> {
    let mut out = Vec::new();
    let checks = LEVELS
        .iter()
        .flat_map(|l| [("flow_rollup", l.suffix, flows_sql(l)), ("container_rollup", l.suffix, fills_sql(l))])
        .chain([("flow_rollup", "local", local_flows_sql()), ("container_rollup", "local_1d", local_fills_sql())])
        .chain([("weighings", "", WEIGHINGS_SQL.to_string())]);
    for (rollup, level, sql) in checks {
        for row in timed(limit, client.query(&sql, &[])).await? {
            out.push(Mismatch {
                rollup,
                level,
                key: column(&row, "key")?,
                expected: column(&row, "expected")?,
                actual: column(&row, "actual")?,
            });
        }
    }
    Ok(out)
}
