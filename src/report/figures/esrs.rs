//! The reported ESRS E5-5 categories and rates of a scope and period, and the categories month
//! by month. Parameters: `$1` the company (NULL: the zone), `$2` the year, `$3` the zone's time
//! zone, `$4` the first month, `$5` the period's kind (`year` or `month`).

use super::{Category, MonthFigures, Part, Rates};
use crate::report::{Period, ZoneTime};
use crate::store::{column, StoreError};
use tokio_postgres::types::ToSql;
use tokio_postgres::GenericClient;

/// The categories that add up to the waste generated in the reported figures (nothing is
/// pending there): diverted from disposal by operation, then directed to disposal by operation.
pub const STACK: [&str; 6] =
    ["preparation-for-re-use", "recycling", "other-recovery", "incineration", "landfill", "other-disposal"];

/// The rows of the scope and period.
const SELECTED: &str = "period = $5 AND company_id IS NOT DISTINCT FROM $1
     AND period_start = make_timestamptz($2, $4, 1, 0, 0, 0, $3::text)";

/// The year's (or month's) tonnes by category, in the order of the ESRS table.
pub async fn categories(
    c: &impl GenericClient,
    zone: &ZoneTime,
    scope: Option<&str>,
    period: Period,
) -> Result<Vec<Category>, StoreError> {
    let rows = c
        .query(
            &format!(
                "SELECT category, min(ordinal) AS ordinal, min(reference) AS reference,
                        coalesce(sum(tonnes) FILTER (WHERE hazardous), 0) AS hazardous_t,
                        coalesce(sum(tonnes) FILTER (WHERE NOT hazardous), 0) AS non_hazardous_t,
                        coalesce(sum(tonnes) FILTER (WHERE hazardous IS NULL), 0) AS total_t
                 FROM kpi_esrs_e5_5_resolved WHERE {SELECTED}
                 GROUP BY category ORDER BY 2"
            ),
            &[&scope, &period.year(), &zone.name, &(period.first_month() as i32), &period.kind()],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Category {
                name: column(r, "category")?,
                hazardous_t: column(r, "hazardous_t")?,
                non_hazardous_t: column(r, "non_hazardous_t")?,
                total_t: column(r, "total_t")?,
                reference: column(r, "reference")?,
            })
        })
        .collect()
}

/// The period's rates; all unknown when nothing was weighed.
pub async fn rates(
    c: &impl GenericClient,
    zone: &ZoneTime,
    scope: Option<&str>,
    period: Period,
) -> Result<Rates, StoreError> {
    let row = c
        .query_opt(
            &format!(
                "SELECT generated_t, pending_t, reuse_recycling_rate, recovery_rate, landfill_diversion_rate,
                        non_recycled_share, coverage, resolved_t, assumed_t
                 FROM kpi_esrs_e5_5_rates_resolved WHERE {SELECTED}"
            ),
            &[&scope, &period.year(), &zone.name, &(period.first_month() as i32), &period.kind()],
        )
        .await?;
    let Some(r) = row else { return Ok(Rates::default()) };
    Ok(Rates {
        generated_t: column::<Option<f64>>(&r, "generated_t")?.unwrap_or(0.0),
        pending_t: column::<Option<f64>>(&r, "pending_t")?.unwrap_or(0.0),
        declared_t: column::<Option<f64>>(&r, "resolved_t")?.unwrap_or(0.0),
        assumed_t: column::<Option<f64>>(&r, "assumed_t")?.unwrap_or(0.0),
        reuse_recycling: column(&r, "reuse_recycling_rate")?,
        recovery: column(&r, "recovery_rate")?,
        landfill_diversion: column(&r, "landfill_diversion_rate")?,
        non_recycled_share: column(&r, "non_recycled_share")?,
        coverage: column(&r, "coverage")?,
    })
}

/// The [`STACK`] categories of each month, hazardous and not (0 where nothing was weighed).
pub async fn months(
    c: &impl GenericClient,
    zone: &ZoneTime,
    scope: Option<&str>,
    months: &[Period],
) -> Result<Vec<MonthFigures>, StoreError> {
    let (Some(first), Some(last)) = (months.first(), months.last()) else { return Ok(vec![]) };
    let after = last.shifted(1);
    let stack: Vec<String> = STACK.iter().map(|s| s.to_string()).collect();
    let (year, month, end_year, end_month) =
        (first.year(), first.first_month() as i32, after.year(), after.first_month() as i32);
    let params: [&(dyn ToSql + Sync); 7] = [&scope, &year, &zone.name, &month, &stack, &end_year, &end_month];
    let rows = c
        .query(
            "SELECT to_char(period_start AT TIME ZONE $3::text, 'YYYY-MM') AS month, category,
                    coalesce(sum(tonnes) FILTER (WHERE hazardous), 0) AS hazardous_t,
                    coalesce(sum(tonnes) FILTER (WHERE NOT hazardous), 0) AS non_hazardous_t
             FROM kpi_esrs_e5_5_resolved
             WHERE period = 'month' AND company_id IS NOT DISTINCT FROM $1 AND category = ANY($5)
               AND period_start >= make_timestamptz($2, $4, 1, 0, 0, 0, $3::text)
               AND period_start < make_timestamptz($6, $7, 1, 0, 0, 0, $3::text)
             GROUP BY 1, 2",
            &params,
        )
        .await?;
    let mut out: Vec<MonthFigures> = months
        .iter()
        .map(|m| MonthFigures {
            month: m.label(),
            parts: STACK
                .iter()
                .map(|k| Part { category: k.to_string(), hazardous_t: 0.0, non_hazardous_t: 0.0 })
                .collect(),
        })
        .collect();
    for r in &rows {
        let month: String = column(r, "month")?;
        let category: String = column(r, "category")?;
        let Some(m) = out.iter_mut().find(|m| m.month == month) else { continue };
        let Some(p) = m.parts.iter_mut().find(|p| p.category == category) else { continue };
        p.hazardous_t = column(r, "hazardous_t")?;
        p.non_hazardous_t = column(r, "non_hazardous_t")?;
    }
    Ok(out)
}
