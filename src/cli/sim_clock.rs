//! The zone's UTC offsets for `wasteflow simulate --realistic`, read from the database (which
//! knows the time zone's rules, as the views do), so that the simulated collections fall inside
//! the containers' collection windows in local time. Without a database within two seconds the
//! windows are read in UTC, and the log says so.

use crate::calendar::{SignedDuration, Timestamp};
use crate::config::Settings;
use crate::plan::{LocalClock, DAY};
use crate::report::ZoneTime;
use crate::store::connect;
use std::time::Duration;

/// Offsets read: the longest realistic run (29 days) and a margin.
const SPAN: SignedDuration = SignedDuration::from_hours(31 * 24);

/// The offsets of `[zone] time_zone` from the simulated start (or a month ago) on, or `None`.
pub async fn zone_clock(settings: &Settings, start: Option<Timestamp>) -> Option<LocalClock> {
    let start = start.unwrap_or_else(|| Timestamp::now() - SPAN);
    let zone = ZoneTime { name: settings.zone.time_zone.clone() };
    let read = async {
        let db = connect(&settings.database).await?;
        let clock = zone.local_clock(&db.client, start.div_euclid(DAY), SPAN).await;
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
