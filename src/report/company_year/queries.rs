//! A company's year read from the KPI views (docs/kpis.md): `kpi_esrs_e5_5_resolved` and
//! `kpi_esrs_e5_5_rates_resolved` for the figures (those a company reports, the rows the
//! dashboards read too, through `crate::report::figures`), `flows_by_period` for the months without weighings,
//! `synergy_opportunities` and `savings_monthly` for the synergy section. Every query takes
//! the zone's time zone as `$3`, so that the local year is the views' local year.

use super::queries_savings::{savings, sources};
use super::year_sql::{IN_YEAR, YEAR_END, YEAR_START};
use super::{CompanyYear, Implausible, Opportunity};
use crate::report::{figures, Period, ReportError, ZoneTime};
use crate::store::{column, StoreError};
use tokio_postgres::GenericClient;

/// Reads the report of a company and a local year of the zone's time zone.
pub async fn read(
    c: &impl GenericClient,
    zone: &ZoneTime,
    company: &str,
    year: i32,
) -> Result<CompanyYear, ReportError> {
    let Some(who) = c.query_opt("SELECT name, siren FROM companies WHERE id = $1", &[&company]).await? else {
        return Err(ReportError::NoCompany(company.to_string()));
    };
    Ok(CompanyYear {
        company: company.to_string(),
        name: column(&who, "name")?,
        siren: column(&who, "siren")?,
        year,
        time_zone: zone.name.clone(),
        categories: figures::categories(c, zone, Some(company), Period::Year(year)).await?,
        rates: figures::rates(c, zone, Some(company), Period::Year(year)).await?,
        months: figures::months(c, zone, Some(company), &Period::Year(year).months(12)).await?,
        exchanges: figures::exchanges(c, zone, Some(company), Period::Year(year)).await?,
        months_without_weighings: months_without_weighings(c, zone, company, year).await?,
        opportunities: opportunities(c, zone, company, year).await?,
        savings: savings(c, zone, company, year).await?,
        sources: sources(c, zone, company, year).await?,
        implausible: implausible(c, zone, company, year).await?,
    })
}

/// The company's weighings of the local year above their container's capacity, per container
/// (the year's bounds as `year_sql` writes them, so that TimescaleDB plans only its chunks).
async fn implausible(
    c: &impl GenericClient,
    zone: &ZoneTime,
    company: &str,
    year: i32,
) -> Result<Vec<Implausible>, StoreError> {
    let rows = c
        .query(
            &format!(
                "SELECT container_id, count(*) AS weighings, min(mass_t) AS min_t, max(mass_t) AS max_t,
                        max(max_load_t) AS max_load_t, sum(mass_t) AS total_t
                 FROM implausible_weighings
                 WHERE company_id = $1 AND ts >= {YEAR_START} AND ts < {YEAR_END}
                 GROUP BY container_id ORDER BY container_id"
            ),
            &[&company, &year, &zone.name],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Implausible {
                container: column(r, "container_id")?,
                weighings: column(r, "weighings")?,
                min_t: column(r, "min_t")?,
                max_t: column(r, "max_t")?,
                max_load_t: column(r, "max_load_t")?,
                total_t: column(r, "total_t")?,
            })
        })
        .collect()
}

/// The local months (1-12) of the year, up to now, without a single weighing.
async fn months_without_weighings(
    c: &impl GenericClient,
    zone: &ZoneTime,
    company: &str,
    year: i32,
) -> Result<Vec<u32>, StoreError> {
    c.query(
        "SELECT m::int4 AS month FROM generate_series(1, 12) m
             WHERE NOT EXISTS (
                 SELECT 1 FROM flows_by_period
                 WHERE period = 'month' AND company_id = $1
                   AND period_start = make_timestamptz($2, m, 1, 0, 0, 0, $3::text))
             AND make_timestamptz($2, m, 1, 0, 0, 0, $3::text) <= now()
             ORDER BY 1",
        &[&company, &year, &zone.name],
    )
    .await?
    .iter()
    .map(|r| column::<i32>(r, "month").map(|m| m as u32))
    .collect()
}

/// The company's synergy opportunities of the year, each summed over its months.
async fn opportunities(
    c: &impl GenericClient,
    zone: &ZoneTime,
    company: &str,
    year: i32,
) -> Result<Vec<Opportunity>, StoreError> {
    let rows = c
        .query(
            &format!(
                "SELECT stream_id, ewc, change, hierarchy, accepter_id, sum(available_t) AS available_t, sum(fits_t) AS fits_t,
                        CASE WHEN bool_and(cost_avoided_eur IS NOT NULL) THEN sum(cost_avoided_eur) END AS cost_avoided_eur,
                        CASE WHEN bool_and(co2e_avoided_t IS NOT NULL) THEN sum(co2e_avoided_t) END AS co2e_avoided_t
                 FROM synergy_opportunities WHERE company_id = $1 AND {IN_YEAR}
                 GROUP BY 1, 2, 3, 4, 5 ORDER BY 7 DESC, 1, 5"
            ),
            &[&company, &year, &zone.name],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Opportunity {
                stream: column(r, "stream_id")?,
                ewc: column(r, "ewc")?,
                change: column(r, "change")?,
                hierarchy: column(r, "hierarchy")?,
                accepter: column(r, "accepter_id")?,
                available_t: column(r, "available_t")?,
                fits_t: column(r, "fits_t")?,
                cost_avoided_eur: column(r, "cost_avoided_eur")?,
                co2e_avoided_t: column(r, "co2e_avoided_t")?,
            })
        })
        .collect()
}
