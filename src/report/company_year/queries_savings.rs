//! A company's savings of the year (`savings_monthly`) and the factors they rest on, each with
//! its source (docs/kpis.md "Savings and avoided impact").

use super::year_sql::{IN_YEAR, YEAR_START};
use super::{FactorSource, Savings};
use crate::report::ZoneTime;
use crate::store::{column, StoreError};
use tokio_postgres::GenericClient;

/// The company's savings of the year. Sums skip the months whose figure is not configured;
/// they are counted in `unpriced_t` and `unfactored_t`. A figure none of whose tonnes has its
/// factors is not configured (NULL), never 0: `sum()` skips NULL, so a month that had nothing
/// to price (0) beside months that could not be priced (NULL) would add up to 0. The part by
/// symbiosis exchanges is not configured when the whole is, or when no month priced one.
pub(super) async fn savings(
    c: &impl GenericClient,
    zone: &ZoneTime,
    company: &str,
    year: i32,
) -> Result<Savings, StoreError> {
    let r = c
        .query_one(
            &format!(
                "WITH m AS (SELECT * FROM savings_monthly WHERE company_id = $1 AND {IN_YEAR}),
                 y AS (
                     SELECT coalesce(sum(recovered_t), 0) AS recovered_t, coalesce(sum(unpriced_t), 0) AS unpriced_t,
                            coalesce(sum(recycled_t), 0) AS recycled_t, coalesce(sum(unfactored_t), 0) AS unfactored_t,
                            coalesce(sum(symbiosis_recovered_t), 0) AS symbiosis_recovered_t,
                            sum(cost_avoided_eur) AS cost_avoided_eur, sum(co2e_avoided_t) AS co2e_avoided_t,
                            sum(symbiosis_cost_avoided_eur) AS symbiosis_cost_avoided_eur,
                            bool_or(symbiosis_cost_avoided_eur IS NOT NULL AND symbiosis_recovered_t > 0) AS symbiosis_priced,
                            coalesce(sum(priced_zone_t), 0) AS priced_zone_t,
                            coalesce(sum(priced_reference_t), 0) AS priced_reference_t,
                            coalesce(sum(factored_zone_t), 0) AS factored_zone_t,
                            coalesce(sum(factored_reference_t), 0) AS factored_reference_t
                     FROM m)
                 SELECT recovered_t, unpriced_t, recycled_t, unfactored_t,
                        priced_zone_t, priced_reference_t, factored_zone_t, factored_reference_t,
                        CASE WHEN recovered_t = 0 THEN 0 WHEN unpriced_t < recovered_t THEN cost_avoided_eur END
                            AS cost_avoided_eur,
                        CASE WHEN recovered_t = 0 THEN 0 WHEN unpriced_t >= recovered_t THEN NULL
                             WHEN symbiosis_recovered_t = 0 THEN 0
                             WHEN symbiosis_priced THEN symbiosis_cost_avoided_eur END AS symbiosis_cost_avoided_eur,
                        CASE WHEN recycled_t = 0 THEN 0 WHEN unfactored_t < recycled_t THEN co2e_avoided_t END
                            AS co2e_avoided_t
                 FROM y"
            ),
            &[&company, &year, &zone.name],
        )
        .await?;
    Savings::from_row(&r)
}

impl Savings {
    /// A row with the columns of `savings_monthly` that the report sums (a year's sum, or the
    /// zone's month).
    pub(crate) fn from_row(r: &tokio_postgres::Row) -> Result<Savings, StoreError> {
        Ok(Savings {
            recovered_t: column(r, "recovered_t")?,
            cost_avoided_eur: column(r, "cost_avoided_eur")?,
            symbiosis_cost_avoided_eur: column(r, "symbiosis_cost_avoided_eur")?,
            unpriced_t: column(r, "unpriced_t")?,
            recycled_t: column(r, "recycled_t")?,
            co2e_avoided_t: column(r, "co2e_avoided_t")?,
            unfactored_t: column(r, "unfactored_t")?,
            priced_zone_t: column(r, "priced_zone_t")?,
            priced_reference_t: column(r, "priced_reference_t")?,
            factored_zone_t: column(r, "factored_zone_t")?,
            factored_reference_t: column(r, "factored_reference_t")?,
        })
    }
}

/// The factors in force that the company's recovered flows of the year call on: the costs of
/// their treatments and of their baselines, the TGAP of the year for the baselines' categories,
/// the emission factors of their streams.
pub(super) async fn sources(
    c: &impl GenericClient,
    zone: &ZoneTime,
    company: &str,
    year: i32,
) -> Result<Vec<FactorSource>, StoreError> {
    let rows = c
        .query(
            &format!(
                "WITH fl AS (
                     SELECT DISTINCT f.stream_id, f.ewc, f.treatment, f.hazardous,
                            CASE WHEN f.hazardous THEN z.hazardous_baseline_treatment ELSE z.baseline_treatment END AS baseline
                     FROM flows_by_period f CROSS JOIN (SELECT * FROM zone_settings LIMIT 1) z
                     WHERE f.period = 'year' AND f.company_id = $1 AND f.period_start = {YEAR_START}
                       AND f.treatment_class IN ('re-use', 'recycling', 'energy-recovery', 'other-recovery')),
                 cats AS (
                     SELECT DISTINCT CASE WHEN fl.hazardous THEN t.tgap_hazardous ELSE t.tgap_non_hazardous END AS category
                     FROM fl JOIN treatments t ON t.code = fl.baseline)
                 SELECT 'TGAP ' || g.year || ' ' || g.category AS what, g.eur_per_t AS value, 'EUR/t' AS unit, g.origin, g.source
                 FROM tgap_category_rates g WHERE g.year = $2 AND g.category IN (SELECT category FROM cats)
                 UNION ALL
                 SELECT 'cost ' || c.treatment || coalesce(' for ' || c.ewc, '') || coalesce(' at ' || c.destination_id, ''),
                        c.eur_per_t, 'EUR/t', c.origin, c.source
                 FROM treatment_costs c
                 WHERE c.treatment IN (SELECT treatment FROM fl UNION SELECT baseline FROM fl)
                   AND (c.ewc IS NULL OR (c.treatment, c.ewc) IN (SELECT treatment, ewc FROM fl))
                 UNION ALL
                 SELECT 'CO2e ' || coalesce(e.stream_id, e.ewc), e.kg_co2e_per_t, 'kg CO2e/t', e.origin, e.source
                 FROM emission_factors e
                 WHERE e.stream_id IN (SELECT stream_id FROM fl)
                    OR e.ewc IN (SELECT fl.ewc FROM fl
                                 WHERE NOT EXISTS (SELECT 1 FROM emission_factors z WHERE z.stream_id = fl.stream_id))
                 ORDER BY 1"
            ),
            &[&company, &year, &zone.name],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(FactorSource {
                what: column(r, "what")?,
                value: column(r, "value")?,
                unit: column(r, "unit")?,
                origin: column(r, "origin")?,
                source: column(r, "source")?,
            })
        })
        .collect()
}
