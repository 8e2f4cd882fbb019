//! `zone.time_zone` against the database: known to `pg_timezone_names`, whole-hour offsets,
//! then written for the views.

use crate::store::error::{column, StoreError, TimeZoneRefusal};
use crate::store::schema::rebuild_local_rollups;
use tokio_postgres::GenericClient;

/// Whether the database knows the time zone, and whether its UTC offset has been a whole number
/// of hours at every day from 1990 to 2060 (local days are summed from hourly rollups).
const TIME_ZONE: &str = "
SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1) AS known,
       (SELECT bool_and(extract(epoch FROM (t AT TIME ZONE $1) - (t AT TIME ZONE 'UTC'))::int8 % 3600 = 0)
        FROM generate_series(timestamptz '1990-01-01 00:00:00+00', timestamptz '2060-01-01 00:00:00+00',
                             interval '1 day') t
        WHERE EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)) AS whole_hours";

/// Checks `zone.time_zone` against the database's time zones and writes it for the views. When
/// it changed, the rollups by local period are recomputed from the hourly ones in the new time
/// zone, in the same transaction (migration 21, `wf_rebuild_local_rollups`).
pub(super) async fn sync_time_zone(tx: &impl GenericClient, time_zone: &str) -> Result<(), StoreError> {
    check_time_zone(tx, time_zone).await?;
    let changed = tx
        .execute("UPDATE zone_settings SET time_zone = $1 WHERE time_zone IS DISTINCT FROM $1", &[&time_zone])
        .await?;
    if changed > 0 {
        rebuild_local_rollups(tx).await?;
    }
    Ok(())
}

/// Checks `zone.time_zone` against the database's time zones, writing nothing (the sync does
/// it at every start; `check-config --connect` before one).
pub async fn check_time_zone(tx: &impl GenericClient, time_zone: &str) -> Result<(), StoreError> {
    let refuse = |why: TimeZoneRefusal| StoreError::TimeZone { name: time_zone.to_string(), why };
    let row = tx.query_one(TIME_ZONE, &[&time_zone]).await?;
    if !column::<bool>(&row, "known")? {
        return Err(refuse(TimeZoneRefusal::Unknown));
    }
    if column::<Option<bool>>(&row, "whole_hours")? != Some(true) {
        return Err(refuse(TimeZoneRefusal::NotWholeHours));
    }
    Ok(())
}
