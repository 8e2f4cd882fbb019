//! The zone's month as text: the coordinator's bulletin on the terminal.

use super::ZoneMonth;
use crate::report::words::percent;
use std::fmt::Write as _;

/// The bulletin, as text.
pub fn render(z: &ZoneMonth) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Zone bulletin, ESRS E5-5 / GRI 306: {} ({} calendar)\n", z.month, z.time_zone);
    let _ = writeln!(out, "{:<26} {:>11} {:>14} {:>11}   source", "tonnes", "hazardous", "non-hazardous", "total");
    for c in &z.categories {
        let _ = writeln!(
            out,
            "{:<26} {:>11.3} {:>14.3} {:>11.3}   {}",
            c.name, c.hazardous_t, c.non_hazardous_t, c.total_t, c.reference
        );
    }
    let r = &z.rates;
    let _ = writeln!(
        out,
        "\nrates of the zone over {:.3} t (coverage {}):",
        r.generated_t - r.pending_t,
        percent(r.coverage)
    );
    let _ = writeln!(out, "  preparing for re-use and recycling  {}", percent(r.reuse_recycling));
    let _ = writeln!(out, "  recovery                            {}", percent(r.recovery));
    let _ = writeln!(out, "  landfill diversion                  {}", percent(r.landfill_diversion));
    let _ = writeln!(out, "  non-recycled share (ESRS E5 §37(d)) {}", percent(r.non_recycled_share));
    let _ = writeln!(
        out,
        "  estimates (ESRS E5 §40): {:.3} t by declared final operations, {:.3} t assumed directed to disposal",
        r.declared_t, r.assumed_t
    );
    let _ = writeln!(
        out,
        "\n{:<22} {:>11} {:>12} {:>9} {:>9} {:>12}",
        "company", "generated t", "re-use+recy", "recovery", "landfill", "estimated t"
    );
    for c in &z.companies {
        let r = &c.rates;
        let _ = writeln!(
            out,
            "{:<22} {:>11.3} {:>12} {:>9} {:>9} {:>12.3}",
            c.company,
            r.generated_t,
            percent(r.reuse_recycling),
            percent(r.recovery),
            percent(r.landfill_diversion),
            r.declared_t + r.assumed_t
        );
    }
    let silent: Vec<&str> = z.silent().map(|c| c.company.as_str()).collect();
    let _ = writeln!(out, "\nwhat is missing:");
    if silent.is_empty() {
        let _ = writeln!(out, "  nothing: every company weighed waste in {}", z.month);
    } else {
        let _ = writeln!(out, "  no waste weighed in {} by: {}", z.month, silent.join(", "));
    }
    let _ = writeln!(out, "\nsymbiosis exchanges of the month:");
    if z.exchanges.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for e in &z.exchanges {
        let _ = writeln!(out, "  {}", e.label());
    }
    let s = &z.savings;
    let eur = |v: Option<f64>| v.map_or_else(|| "not configured".to_string(), |v| format!("{v:.0} EUR"));
    let co2e = s.co2e_avoided_t.map_or_else(|| "not configured".to_string(), |v| format!("{v:.3} t"));
    let _ = writeln!(out, "\nsavings and avoided impact over the {:.3} t recovered:", s.recovered_t);
    let _ = writeln!(out, "  disposal cost avoided               {}", eur(s.cost_avoided_eur));
    let _ = writeln!(out, "  of which by symbiosis exchanges     {}", eur(s.symbiosis_cost_avoided_eur));
    let _ = writeln!(out, "  CO2e avoided by the {:.3} t recycled {co2e}", s.recycled_t);
    if s.unpriced_t > 0.0 || s.unfactored_t > 0.0 {
        let _ = writeln!(
            out,
            "  not counted: {:.3} t without a cost or TGAP factor, {:.3} t recycled without an emission factor",
            s.unpriced_t, s.unfactored_t
        );
    }
    out
}
