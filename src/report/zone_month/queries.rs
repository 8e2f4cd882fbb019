//! The zone's month read from the views: the figures through `crate::report::figures` (the
//! rows the dashboards read), the company list from `company_directory`, the savings from the
//! zone's row of `savings_monthly`.

use super::{CompanyLine, ZoneMonth};
use crate::report::company_year::Savings;
use crate::report::{figures, Period, ReportError, ZoneTime};
use crate::store::{column, StoreError};
use tokio_postgres::GenericClient;

/// Reads the bulletin of a local month of the zone's time zone.
pub async fn read(c: &impl GenericClient, zone: &ZoneTime, month: Period) -> Result<ZoneMonth, ReportError> {
    let mut companies = Vec::new();
    for r in c.query("SELECT id, name FROM company_directory ORDER BY id", &[]).await? {
        let company: String = column(&r, "id")?;
        let rates = figures::rates(c, zone, Some(&company), month).await?;
        companies.push(CompanyLine { name: column(&r, "name")?, company, rates });
    }
    Ok(ZoneMonth {
        month: month.label(),
        time_zone: zone.name.clone(),
        categories: figures::categories(c, zone, None, month).await?,
        rates: figures::rates(c, zone, None, month).await?,
        months: figures::months(c, zone, None, &month.months(12)).await?,
        companies,
        exchanges: figures::exchanges(c, zone, None, month).await?,
        savings: savings(c, zone, month).await?,
    })
}

/// The zone's savings of the month: its one row of `savings_monthly`, whose NULLs are "not
/// configured" as the view decides them; no row, nothing recovered: 0 of everything.
async fn savings(c: &impl GenericClient, zone: &ZoneTime, month: Period) -> Result<Savings, StoreError> {
    let row = c
        .query_opt(
            "SELECT recovered_t, cost_avoided_eur, symbiosis_cost_avoided_eur, unpriced_t, recycled_t,
                    co2e_avoided_t, unfactored_t, priced_zone_t, priced_reference_t, factored_zone_t,
                    factored_reference_t
             FROM savings_monthly
             WHERE company_id IS NULL AND month = make_timestamptz($1, $2, 1, 0, 0, 0, $3::text)",
            &[&month.year(), &(month.first_month() as i32), &zone.name],
        )
        .await?;
    let Some(r) = row else {
        return Ok(Savings {
            cost_avoided_eur: Some(0.0),
            symbiosis_cost_avoided_eur: Some(0.0),
            co2e_avoided_t: Some(0.0),
            ..Savings::default()
        });
    };
    Savings::from_row(&r)
}
