//! The symbiosis exchanges of a period (`flows_by_period` where `symbiosis`: the rows the
//! `exchange_flows_*` views and the dashboards' Sankey sum), per sender, receiver, stream and
//! treatment: who sends what to whom, in tonnes. A company's are those it is one end of.

use super::Exchange;
use crate::report::{Period, ZoneTime};
use crate::store::{column, StoreError};
use tokio_postgres::GenericClient;

/// The exchanges of the period, largest first; `scope` a company (either end) or `None`: all.
pub async fn exchanges(
    c: &impl GenericClient,
    zone: &ZoneTime,
    scope: Option<&str>,
    period: Period,
) -> Result<Vec<Exchange>, StoreError> {
    let rows = c
        .query(
            "SELECT f.company_id AS from_id, s.name AS from_name, f.destination_id AS to_id, d.name AS to_name,
                    f.stream_id, f.ewc, f.treatment, sum(f.mass_g)::float8 / 1e6 AS tonnes
             FROM flows_by_period f
             JOIN companies s ON s.id = f.company_id
             JOIN companies d ON d.id = f.destination_id
             WHERE f.symbiosis AND f.period = $5
               AND f.period_start = make_timestamptz($2, $4, 1, 0, 0, 0, $3::text)
               AND ($1::text IS NULL OR $1::text IN (f.company_id, f.destination_id))
             GROUP BY 1, 2, 3, 4, 5, 6, 7
             ORDER BY tonnes DESC, 1, 3, 5, 7",
            &[&scope, &period.year(), &zone.name, &(period.first_month() as i32), &period.kind()],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Exchange {
                from: column(r, "from_id")?,
                from_name: column(r, "from_name")?,
                to: column(r, "to_id")?,
                to_name: column(r, "to_name")?,
                stream: column(r, "stream_id")?,
                ewc: column(r, "ewc")?,
                treatment: column(r, "treatment")?,
                tonnes: column(r, "tonnes")?,
            })
        })
        .collect()
}
