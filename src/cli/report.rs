//! `wasteflow report --company ID --year YYYY`: one page on the terminal with a company's ESRS
//! E5-5 / GRI 306 figures for a local calendar year, read from `kpi_esrs_e5_5` and
//! `kpi_esrs_e5_5_rates` (docs/kpis.md), with their coverage and what is missing; then the
//! company's synergy opportunities (`synergy_opportunities`) and its savings and avoided impact
//! (`savings_monthly`), "not configured" where the registry lacks the factors.

use crate::config::Settings;
use crate::store::{column, connect};
use std::error::Error;
use std::fmt::Write as _;
use std::process::ExitCode;

/// One category of the year: tonnes hazardous, non-hazardous, in all; where the figure comes
/// from.
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub name: String,
    pub hazardous_t: f64,
    pub non_hazardous_t: f64,
    pub total_t: f64,
    pub reference: String,
}

/// The rates of the year, over the waste whose final operation is known.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rates {
    pub generated_t: f64,
    pub pending_t: f64,
    pub reuse_recycling: Option<f64>,
    pub recovery: Option<f64>,
    pub landfill_diversion: Option<f64>,
    pub non_recycled_share: Option<f64>,
    pub coverage: Option<f64>,
}

/// One synergy opportunity of the year, summed over its months: a stream of the company that
/// another company of the zone accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct Opportunity {
    pub stream: String,
    pub ewc: String,
    /// `D1 -> R5`: the current operation and the accepter's.
    pub change: String,
    /// up, same, down or unknown (the current operation is interim).
    pub hierarchy: String,
    pub accepter: String,
    pub available_t: f64,
    pub fits_t: f64,
}

/// The year's savings, summed over its months; `None`: not configured for any tonne.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Savings {
    pub recovered_t: f64,
    pub cost_avoided_eur: Option<f64>,
    pub symbiosis_cost_avoided_eur: Option<f64>,
    pub unpriced_t: f64,
    pub recycled_t: f64,
    pub co2e_avoided_t: Option<f64>,
    pub unfactored_t: f64,
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub company: String,
    pub name: String,
    pub siren: String,
    pub year: i32,
    pub time_zone: String,
    pub categories: Vec<Category>,
    pub rates: Rates,
    /// Local months (1-12) of the year without a single weighing.
    pub months_without_weighings: Vec<u32>,
    pub opportunities: Vec<Opportunity>,
    pub savings: Savings,
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a (no waste with a known final operation)".to_string(), |v| format!("{:.1} %", v * 100.0))
}

/// The page, as text.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "ESRS E5-5 / GRI 306: {} ({}, SIREN {}), {} ({} calendar)\n",
        r.name, r.company, r.siren, r.year, r.time_zone
    );
    let _ = writeln!(out, "{:<26} {:>11} {:>14} {:>11}   source", "tonnes", "hazardous", "non-hazardous", "total");
    for c in &r.categories {
        let _ = writeln!(
            out,
            "{:<26} {:>11.3} {:>14.3} {:>11.3}   {}",
            c.name, c.hazardous_t, c.non_hazardous_t, c.total_t, c.reference
        );
    }
    let known = r.rates.generated_t - r.rates.pending_t;
    let _ = writeln!(
        out,
        "\nrates over the {known:.3} t whose final operation is known (coverage {}):",
        percent(r.rates.coverage)
    );
    let _ = writeln!(out, "  preparing for re-use and recycling  {}", percent(r.rates.reuse_recycling));
    let _ = writeln!(out, "  recovery                            {}", percent(r.rates.recovery));
    let _ = writeln!(out, "  landfill diversion                  {}", percent(r.rates.landfill_diversion));
    let _ = writeln!(out, "  non-recycled share (ESRS E5 §37(d)) {}", percent(r.rates.non_recycled_share));
    let _ = writeln!(out, "\nwhat is missing:");
    let mut missing = 0;
    if r.rates.generated_t == 0.0 {
        let _ = writeln!(out, "  no waste weighed in {} at all", r.year);
        missing += 1;
    }
    if r.rates.pending_t > 0.0 {
        let share = r.rates.pending_t / r.rates.generated_t * 100.0;
        let _ = writeln!(
            out,
            "  {:.3} t ({share:.1} % of the waste generated) went to an interim operation (R12, R13, D9, D13-D15) and awaits \
             its final one: the rates leave it out",
            r.rates.pending_t
        );
        missing += 1;
    }
    if !r.months_without_weighings.is_empty() && r.rates.generated_t > 0.0 {
        let names: Vec<&str> = r.months_without_weighings.iter().map(|&m| MONTHS[(m as usize - 1) % 12]).collect();
        let _ = writeln!(out, "  no weighing at all in {}: sensors offline, or nothing collected?", names.join(", "));
        missing += 1;
    }
    if missing == 0 {
        let _ = writeln!(out, "  nothing: every tonne has its final operation and every month has weighings");
    }
    render_synergy(&mut out, r);
    out
}

/// The synergy and savings sections (docs/kpis.md "Synergy opportunities", "Savings and
/// avoided impact").
fn render_synergy(out: &mut String, r: &Report) {
    let _ = writeln!(
        out,
        "\nsynergy opportunities (streams sent out of the zone or to disposal that a zone company accepts):"
    );
    if r.opportunities.is_empty() {
        let _ = writeln!(out, "  none in {}", r.year);
    }
    for o in &r.opportunities {
        let _ = writeln!(
            out,
            "  {} ({}) {} at {}: {:.3} t available, {:.3} t fit its monthly maximum; hierarchy {}",
            o.stream, o.ewc, o.change, o.accepter, o.available_t, o.fits_t, o.hierarchy
        );
    }
    let s = &r.savings;
    let eur = |v: Option<f64>| v.map_or_else(|| "not configured".to_string(), |v| format!("{v:.0} EUR"));
    let _ = writeln!(out, "\nsavings and avoided impact over the {:.3} t recovered:", s.recovered_t);
    let _ = writeln!(out, "  disposal cost avoided               {}", eur(s.cost_avoided_eur));
    let _ = writeln!(out, "  of which by symbiosis exchanges     {}", eur(s.symbiosis_cost_avoided_eur));
    if s.unpriced_t > 0.0 {
        let _ = writeln!(
            out,
            "  {:.3} t without a cost or TGAP factor ([factors] in the registry): not counted",
            s.unpriced_t
        );
    }
    let co2e = s.co2e_avoided_t.map_or_else(|| "not configured".to_string(), |v| format!("{v:.3} t"));
    let _ = writeln!(out, "  CO2e avoided by the {:.3} t recycled {co2e}", s.recycled_t);
    if s.unfactored_t > 0.0 {
        let _ = writeln!(out, "  {:.3} t recycled without an emission factor: not counted", s.unfactored_t);
    }
}

/// Reads the report of a company and a local year.
pub async fn read(settings: &Settings, company: &str, year: i32) -> Result<Report, Box<dyn Error>> {
    let db = connect(&settings.database).await?;
    let c = &db.client;
    let Some(who) = c.query_opt("SELECT name, siren FROM companies WHERE id = $1", &[&company]).await? else {
        return Err(format!("--company: no company {company:?} in the registry (see `company_directory`)").into());
    };
    let time_zone: String = column(&c.query_one("SELECT time_zone FROM zone_settings", &[]).await?, "time_zone")?;
    // The local year's first instant, as the views write period_start.
    let year_start = "make_timestamptz($2, 1, 1, 0, 0, 0, (SELECT time_zone FROM zone_settings))";
    let rows = c
        .query(
            &format!(
                "SELECT category, min(ordinal) AS ordinal, min(reference) AS reference,
                        coalesce(sum(tonnes) FILTER (WHERE hazardous), 0) AS hazardous_t,
                        coalesce(sum(tonnes) FILTER (WHERE NOT hazardous), 0) AS non_hazardous_t,
                        coalesce(sum(tonnes) FILTER (WHERE hazardous IS NULL), 0) AS total_t
                 FROM kpi_esrs_e5_5
                 WHERE period = 'year' AND company_id = $1 AND period_start = {year_start}
                 GROUP BY category ORDER BY 2"
            ),
            &[&company, &year],
        )
        .await?;
    let categories = rows
        .iter()
        .map(|r| {
            Ok(Category {
                name: column(r, "category")?,
                hazardous_t: column(r, "hazardous_t")?,
                non_hazardous_t: column(r, "non_hazardous_t")?,
                total_t: column(r, "total_t")?,
                reference: column(r, "reference")?,
            })
        })
        .collect::<Result<Vec<_>, crate::store::StoreError>>()?;
    let rates = match c
        .query_opt(
            &format!(
                "SELECT generated_t, pending_t, reuse_recycling_rate, recovery_rate, landfill_diversion_rate,
                        non_recycled_share, coverage
                 FROM kpi_esrs_e5_5_rates WHERE period = 'year' AND company_id = $1 AND period_start = {year_start}"
            ),
            &[&company, &year],
        )
        .await?
    {
        Some(r) => Rates {
            generated_t: column::<Option<f64>>(&r, "generated_t")?.unwrap_or(0.0),
            pending_t: column::<Option<f64>>(&r, "pending_t")?.unwrap_or(0.0),
            reuse_recycling: column(&r, "reuse_recycling_rate")?,
            recovery: column(&r, "recovery_rate")?,
            landfill_diversion: column(&r, "landfill_diversion_rate")?,
            non_recycled_share: column(&r, "non_recycled_share")?,
            coverage: column(&r, "coverage")?,
        },
        None => Rates::default(),
    };
    let months = c
        .query(
            "SELECT m::int4 AS month FROM generate_series(1, 12) m
                 WHERE NOT EXISTS (
                     SELECT 1 FROM flows_by_period
                     WHERE period = 'month' AND company_id = $1
                       AND period_start = make_timestamptz($2, m, 1, 0, 0, 0, (SELECT time_zone FROM zone_settings)))
                 AND make_timestamptz($2, m, 1, 0, 0, 0, (SELECT time_zone FROM zone_settings)) <= now()
                 ORDER BY 1",
            &[&company, &year],
        )
        .await?
        .iter()
        .map(|r| column::<i32>(r, "month").map(|m| m as u32))
        .collect::<Result<Vec<_>, _>>()?;
    let (opportunities, savings) = read_synergy(c, company, year).await?;
    db.close().await;
    Ok(Report {
        company: company.to_string(),
        name: column(&who, "name")?,
        siren: column(&who, "siren")?,
        year,
        time_zone,
        categories,
        rates,
        months_without_weighings: months,
        opportunities,
        savings,
    })
}

/// The company's opportunities and savings over the local year's months.
async fn read_synergy(
    c: &tokio_postgres::Client,
    company: &str,
    year: i32,
) -> Result<(Vec<Opportunity>, Savings), crate::store::StoreError> {
    let in_year = "date_part('year', month AT TIME ZONE (SELECT time_zone FROM zone_settings)) = $2";
    let rows = c
        .query(
            &format!(
                "SELECT stream_id, ewc, change, hierarchy, accepter_id, sum(available_t) AS available_t, sum(fits_t) AS fits_t
                 FROM synergy_opportunities WHERE company_id = $1 AND {in_year}
                 GROUP BY 1, 2, 3, 4, 5 ORDER BY 7 DESC, 1, 5"
            ),
            &[&company, &f64::from(year)],
        )
        .await?;
    let opportunities = rows
        .iter()
        .map(|r| {
            Ok(Opportunity {
                stream: column(r, "stream_id")?,
                ewc: column(r, "ewc")?,
                change: column(r, "change")?,
                hierarchy: column(r, "hierarchy")?,
                accepter: column(r, "accepter_id")?,
                available_t: column(r, "available_t")?,
                fits_t: column(r, "fits_t")?,
            })
        })
        .collect::<Result<Vec<_>, crate::store::StoreError>>()?;
    // Sums skip the months whose figure is not configured; they are counted in unpriced_t.
    let r = c
        .query_one(
            &format!(
                "SELECT coalesce(sum(recovered_t), 0) AS recovered_t, sum(cost_avoided_eur) AS cost_avoided_eur,
                        sum(symbiosis_cost_avoided_eur) AS symbiosis_cost_avoided_eur, coalesce(sum(unpriced_t), 0) AS unpriced_t,
                        coalesce(sum(recycled_t), 0) AS recycled_t, sum(co2e_avoided_t) AS co2e_avoided_t,
                        coalesce(sum(unfactored_t), 0) AS unfactored_t
                 FROM savings_monthly WHERE company_id = $1 AND {in_year}"
            ),
            &[&company, &f64::from(year)],
        )
        .await?;
    let savings = Savings {
        recovered_t: column(&r, "recovered_t")?,
        cost_avoided_eur: column(&r, "cost_avoided_eur")?,
        symbiosis_cost_avoided_eur: column(&r, "symbiosis_cost_avoided_eur")?,
        unpriced_t: column(&r, "unpriced_t")?,
        recycled_t: column(&r, "recycled_t")?,
        co2e_avoided_t: column(&r, "co2e_avoided_t")?,
        unfactored_t: column(&r, "unfactored_t")?,
    };
    Ok((opportunities, savings))
}

pub async fn run(settings: &Settings, company: &str, year: i32) -> Result<ExitCode, Box<dyn Error>> {
    let report = read(settings, company, year).await?;
    print!("{}", render(&report));
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_mass_and_silent_months_are_named() {
        let r = Report {
            company: "a".into(),
            name: "A".into(),
            siren: "1".into(),
            year: 2027,
            time_zone: "Europe/Paris".into(),
            categories: vec![],
            rates: Rates {
                generated_t: 2.5,
                pending_t: 1.0,
                reuse_recycling: Some(1.0),
                recovery: Some(1.0),
                landfill_diversion: Some(1.0),
                non_recycled_share: Some(0.0),
                coverage: Some(0.6),
            },
            months_without_weighings: vec![1, 2, 12],
            opportunities: vec![Opportunity {
                stream: "wood-packaging".into(),
                ewc: "15 01 03".into(),
                change: "R13 -> R1".into(),
                hierarchy: "unknown".into(),
                accepter: "chaufferie-souchez".into(),
                available_t: 8.0,
                fits_t: 8.0,
            }],
            savings: Savings {
                recovered_t: 1.5,
                unpriced_t: 1.5,
                recycled_t: 1.5,
                unfactored_t: 1.5,
                ..Savings::default()
            },
        };
        let page = render(&r);
        assert!(page.contains("coverage 60.0 %"), "{page}");
        assert!(page.contains("1.000 t (40.0 % of the waste generated)"), "{page}");
        assert!(page.contains("no weighing at all in Jan, Feb, Dec"), "{page}");
        assert!(
            page.contains("wood-packaging (15 01 03) R13 -> R1 at chaufferie-souchez: 8.000 t available, 8.000 t fit"),
            "{page}"
        );
        assert!(page.contains("disposal cost avoided               not configured"), "{page}");
        assert!(page.contains("CO2e avoided by the 1.500 t recycled not configured"), "{page}");
    }
}
