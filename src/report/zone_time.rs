//! The zone's time zone as the last registry sync wrote it into `zone_settings` (`[zone]
//! time_zone`): read once per report by [`ZoneTime::read`] and handed to every query that
//! needs the zone's local calendar (the register's days, the report's year, the plan's clock).
//! The database knows the time zone's rules; the queries pass the name to it.

use crate::plan::{LocalClock, DAY_S};
use crate::store::{column, StoreError};
use tokio_postgres::GenericClient;

/// The zone's time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneTime {
    /// The IANA name, e.g. Europe/Paris.
    pub name: String,
}

impl ZoneTime {
    /// The time zone of `zone_settings`, the one place reporting reads it from.
    pub async fn read(client: &impl GenericClient) -> Result<ZoneTime, StoreError> {
        let row = client.query_one("SELECT time_zone FROM zone_settings", &[]).await?;
        Ok(ZoneTime { name: column(&row, "time_zone")? })
    }

    /// The zone's UTC offsets, hour by hour, from the day before `day` (days since the epoch,
    /// local) to a fortnight after `span_s` from its midnight: the clock of the collection
    /// plan (`crate::plan::LocalClock`).
    pub async fn local_clock(
        &self,
        client: &impl GenericClient,
        day: i64,
        span_s: i64,
    ) -> Result<LocalClock, StoreError> {
        let from = (day - 1) * DAY_S;
        let to = day * DAY_S + span_s + 15 * DAY_S;
        let rows = client
            .query(
                "SELECT extract(epoch FROM h)::int8 AS utc,
                        extract(epoch FROM (h AT TIME ZONE $1) - (h AT TIME ZONE 'UTC'))::int4 AS offset_s
                 FROM generate_series(to_timestamp($2::int8), to_timestamp($3::int8), interval '1 hour') h",
                &[&self.name, &from, &to],
            )
            .await?;
        let samples =
            rows.iter().map(|r| Ok((column(r, "utc")?, column(r, "offset_s")?))).collect::<Result<_, StoreError>>()?;
        Ok(LocalClock::from_samples(samples))
    }
}
