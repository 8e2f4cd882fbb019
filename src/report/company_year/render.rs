//! A company's year as text: one page on the terminal.

use super::CompanyYear;
use std::fmt::Write as _;

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a (no waste with a known final operation)".to_string(), |v| format!("{:.1} %", v * 100.0))
}

/// The page, as text.
pub fn render(r: &CompanyYear) -> String {
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
    render_estimates(&mut out, r);
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
    for w in &r.implausible {
        let _ = writeln!(
            out,
            "  {} weighing(s) of {} above its capacity ({:.3} t): {:.3} to {:.3} t, {:.3} t in all, counted as \
             weighed: check the scale or the container's max_load_kg",
            w.weighings, w.container, w.max_load_t, w.min_t, w.max_t, w.total_t
        );
        missing += 1;
    }
    if missing == 0 {
        let _ = writeln!(out, "  nothing: every tonne has its final operation and every month has weighings");
    }
    render_synergy(&mut out, r);
    out
}

/// The estimates in the figures and their basis (ESRS E5 §40): the waste sent to an interim
/// operation (R12, R13, D9, D13-D15), counted by the final operations its destination declares,
/// or directed to disposal where it declares none (docs/kpis.md, "Resolved figures").
fn render_estimates(out: &mut String, r: &CompanyYear) {
    let (declared, assumed) = (r.rates.declared_t, r.rates.assumed_t);
    if declared + assumed <= 0.0 {
        let _ = writeln!(out, "\nestimates: none, every tonne was weighed to its final operation");
        return;
    }
    let share = |t: f64| t / r.rates.generated_t * 100.0;
    let _ = writeln!(
        out,
        "\nestimates (ESRS E5 §40): {:.3} t ({:.1} % of the waste generated) went to an interim operation \
         (R12, R13, D9, D13-D15), its final operation not weighed:",
        declared + assumed,
        share(declared + assumed)
    );
    if declared > 0.0 {
        let _ = writeln!(
            out,
            "  {declared:.3} t ({:.1} %) counted by the final operations its destination declares (zone file, \
             final_operations)",
            share(declared)
        );
    }
    if assumed > 0.0 {
        let _ = writeln!(
            out,
            "  {assumed:.3} t ({:.1} %) whose destination declares no final operation: counted as directed to \
             disposal, other disposal (EFRAG ESRS Q&A ID 400: only what is shown recovered is diverted)",
            share(assumed)
        );
    }
}

/// The synergy and savings sections (docs/kpis.md "Synergy opportunities", "Savings and
/// avoided impact").
fn render_synergy(out: &mut String, r: &CompanyYear) {
    let _ = writeln!(
        out,
        "\nsynergy opportunities (streams sent out of the zone or to disposal that a zone company accepts, none a step down \
         the waste hierarchy):"
    );
    if r.opportunities.is_empty() {
        let _ = writeln!(out, "  none in {}", r.year);
    }
    for o in &r.opportunities {
        let _ = writeln!(
            out,
            "  {} ({}) {} at {}: {:.3} t available, {:.3} t fit its monthly maximum; hierarchy {}; would save {}, {}",
            o.stream,
            o.ewc,
            o.change,
            o.accepter,
            o.available_t,
            o.fits_t,
            o.hierarchy,
            o.cost_avoided_eur.map_or_else(|| "EUR not configured".to_string(), |v| format!("{v:.0} EUR")),
            o.co2e_avoided_t.map_or_else(|| "CO2e not configured".to_string(), |v| format!("{v:.3} t CO2e"))
        );
    }
    render_savings(out, r);
}

/// The savings, the share of tonnes behind them by kind of factor, and the factors' sources.
fn render_savings(out: &mut String, r: &CompanyYear) {
    let s = &r.savings;
    let eur = |v: Option<f64>| v.map_or_else(|| "not configured".to_string(), |v| format!("{v:.0} EUR"));
    let estimate = |reference_t: f64| if reference_t > 0.0 { " (estimate: reference figures in part)" } else { "" };
    let _ = writeln!(out, "\nsavings and avoided impact over the {:.3} t recovered:", s.recovered_t);
    let _ = writeln!(
        out,
        "  disposal cost avoided               {}{}",
        eur(s.cost_avoided_eur),
        estimate(s.priced_reference_t)
    );
    let _ = writeln!(out, "  of which by symbiosis exchanges     {}", eur(s.symbiosis_cost_avoided_eur));
    let co2e = s.co2e_avoided_t.map_or_else(|| "not configured".to_string(), |v| format!("{v:.3} t"));
    let _ = writeln!(
        out,
        "  CO2e avoided by the {:.3} t recycled {co2e}{}",
        s.recycled_t,
        estimate(s.factored_reference_t)
    );
    let share = |t: f64, of: f64| if of > 0.0 { t / of * 100.0 } else { 0.0 };
    if s.recovered_t > 0.0 {
        let _ = writeln!(
            out,
            "  tonnes priced by the zone's own figures {:.3} ({:.1} %), by reference estimates {:.3} ({:.1} %), \
             not priced {:.3} ({:.1} %)",
            s.priced_zone_t,
            share(s.priced_zone_t, s.recovered_t),
            s.priced_reference_t,
            share(s.priced_reference_t, s.recovered_t),
            s.unpriced_t,
            share(s.unpriced_t, s.recovered_t)
        );
    }
    if s.recycled_t > 0.0 {
        let _ = writeln!(
            out,
            "  tonnes recycled factored by the zone's own figures {:.3} ({:.1} %), by reference estimates {:.3} \
             ({:.1} %), without a factor {:.3} ({:.1} %)",
            s.factored_zone_t,
            share(s.factored_zone_t, s.recycled_t),
            s.factored_reference_t,
            share(s.factored_reference_t, s.recycled_t),
            s.unfactored_t,
            share(s.unfactored_t, s.recycled_t)
        );
    }
    if s.unpriced_t > 0.0 || s.unfactored_t > 0.0 {
        let _ = writeln!(
            out,
            "  what is not priced or factored is not counted: write the missing figures under [factors] in the registry"
        );
    }
    let _ = writeln!(out, "\nsources of the factors used:");
    if r.sources.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for f in &r.sources {
        let _ = writeln!(out, "  [{}] {}: {} {}; {}", f.origin, f.what, f.value, f.unit, f.source);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::company_year::{Implausible, Opportunity, Rates, Savings};

    #[test]
    fn pending_mass_and_silent_months_are_named() {
        let r = CompanyYear {
            company: "a".into(),
            name: "A".into(),
            siren: "1".into(),
            year: 2027,
            time_zone: "Europe/Paris".into(),
            categories: vec![],
            months: vec![],
            exchanges: vec![],
            rates: Rates {
                generated_t: 2.5,
                pending_t: 1.0,
                declared_t: 0.0,
                assumed_t: 0.0,
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
                cost_avoided_eur: None,
                co2e_avoided_t: None,
            }],
            implausible: vec![],
            savings: Savings {
                recovered_t: 1.5,
                unpriced_t: 1.5,
                recycled_t: 1.5,
                unfactored_t: 1.5,
                ..Savings::default()
            },
            sources: vec![],
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
        assert!(page.contains("estimates: none"), "{page}");
    }

    #[test]
    fn estimates_are_disclosed_with_their_basis() {
        // 4 t generated: 1 t by a declaration (25 %), 0.5 t assumed disposed (12.5 %), so 1.5 t
        // (37.5 %) estimated.
        let r = CompanyYear {
            company: "a".into(),
            name: "A".into(),
            siren: "1".into(),
            year: 2027,
            time_zone: "Europe/Paris".into(),
            categories: vec![],
            months: vec![],
            exchanges: vec![],
            rates: Rates { generated_t: 4.0, declared_t: 1.0, assumed_t: 0.5, ..Rates::default() },
            months_without_weighings: vec![],
            opportunities: vec![],
            savings: Savings::default(),
            sources: vec![],
            implausible: vec![Implausible {
                container: "ba-rubble-1".into(),
                weighings: 2,
                min_t: 27.0,
                max_t: 31.0,
                max_load_t: 25.0,
                total_t: 58.0,
            }],
        };
        let page = render(&r);
        assert!(page.contains("estimates (ESRS E5 §40): 1.500 t (37.5 % of the waste generated)"), "{page}");
        assert!(page.contains("  1.000 t (25.0 %) counted by the final operations its destination declares"), "{page}");
        assert!(page.contains("  0.500 t (12.5 %) whose destination declares no final operation"), "{page}");
        assert!(
            page.contains(
                "  2 weighing(s) of ba-rubble-1 above its capacity (25.000 t): 27.000 to 31.000 t, 58.000 t in all"
            ),
            "{page}"
        );
    }
}
