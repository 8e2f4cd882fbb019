//! The zone's UTC offsets for `wasteflow simulate --realistic`, read from the database (which
//! knows the time zone's rules, as the views do), so that the simulated collections fall inside
//! the containers' collection windows in local time. Without a database within two seconds the
//! windows are read in UTC, and the log says so.

use crate::config::Settings;
use crate::plan::{LocalClock, DAY_S};
use crate::report::ZoneTime;
use crate::store::connect;
use std::time::Duration;

/// Days of offsets read: the longest realistic run (29 days) and a margin.
const SPAN_DAYS: i64 = 31;

/// The offsets of `[zone] time_zone` from the simulated start (or a month ago) on, or `None`.
pub async fn zone_clock(settings: &Settings, start_ms: Option<u64>) -> Option<LocalClock> {
    let start_s = start_ms.map_or_else(
        || crate::calendar::Timestamp::now().as_millis() / 1000 - SPAN_DAYS * DAY_S,
        |ms| ms as i64 / 1000,
    );
    let zone = ZoneTime { name: settings.zone.time_zone.clone() };
    let read = async {
        let db = connect(&settings.database).await?;
        let clock = zone.local_clock(&db.client, start_s.div_euclid(DAY_S), SPAN_DAYS * DAY_S).await;
        db.close().await;
        Ok::<_, Box<dyn std::error::Error>>(clock?)
    };
    match tokio::time::timeout(Duration::from_secs(2), read).await {
        Ok(Ok(clock)) => Some(clock),
        Ok(Err(e)) => {
            tracing::warn!("collection windows read in UTC: the zone's time zone needs the database: {e}");
            None
        }
        Err(_) => {
            tracing::warn!("collection windows read in UTC: no database within 2 s for the zone's time zone");
            None
        }
    }
}
