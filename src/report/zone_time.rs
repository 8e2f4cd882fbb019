//! The zone's time zone as the last registry sync wrote it into `zone_settings` (`[zone]
//! time_zone`): read once per report by [`ZoneTime::read`] and handed to every query that
//! needs the zone's local calendar (the register's days, the report's year, the plan's clock).
//! The database knows the time zone's rules; the queries pass the name to it.

use crate::calendar::{SignedDuration, Timestamp};
use crate::plan::{LocalClock, DAY};
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

    /// Today in the zone: the local date of the database's clock, by the database's rules (the
    /// default of `report --year` and `plan --date`).
    pub async fn today(&self, client: &impl GenericClient) -> Result<crate::calendar::Date, StoreError> {
        let row = client.query_one("SELECT (now() AT TIME ZONE $1)::date AS today", &[&self.name]).await?;
        column(&row, "today")
    }

    /// The zone's UTC offsets, hour by hour, from the day before `day` (days since the epoch,
    /// local) to a fortnight after `span` from its midnight: the clock of the collection plan
    /// (`crate::plan::LocalClock`).
    pub async fn local_clock(
        &self,
        client: &impl GenericClient,
        day: i64,
        span: SignedDuration,
    ) -> Result<LocalClock, StoreError> {
        // The day's midnight in UTC: a day before it covers its local midnight, whatever the offset.
        let midnight = Timestamp::EPOCH + SignedDuration::from_secs(day.saturating_mul(DAY.as_secs()));
        let (from, to) = (midnight - DAY, midnight + span + 15 * DAY);
        let rows = client
            .query(
                "SELECT h AS utc,
                        extract(epoch FROM (h AT TIME ZONE $1) - (h AT TIME ZONE 'UTC'))::int4 AS offset_s
                 FROM generate_series($2::timestamptz, $3::timestamptz, interval '1 hour') h",
                &[&self.name, &from, &to],
            )
            .await?;
        let sample = |r: &tokio_postgres::Row| {
            let offset: i32 = column(r, "offset_s")?;
            Ok((column(r, "utc")?, SignedDuration::from_secs(i64::from(offset))))
        };
        let samples = rows.iter().map(sample).collect::<Result<_, StoreError>>()?;
        Ok(LocalClock::from_samples(samples))
    }
}
