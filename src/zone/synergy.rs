//! What the synergy and savings views need from the registry file: the inputs a company
//! declares it accepts (`accepts`), and the cost and emission factors (`[factors]`), with their
//! checks. Every factor names its source; none is ever assumed (docs/kpis.md "Savings and
//! avoided impact").

use super::codes::stream_code;
use super::file::ZoneFile;
use super::treatment::{check_treatment_code, treatment_class, treatment_mode, TreatmentClass, TreatmentMode};
use serde::Deserialize;
use std::collections::HashSet;

/// One input a company of the zone declares it can take from the others.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accepts {
    /// The List of Waste code it takes, checked as a stream's code is (on the list, `*` exactly
    /// when the list marks it hazardous).
    pub ewc: String,
    /// The final operation it applies to it (R0, R1 to R11, D1 to D12 but D9, D9F); not an
    /// interim one, not one prohibited in France (D6, D7, D11).
    pub treatment: String,
    /// As a container's `treatment_mode`: required where the operation allows several modes.
    #[serde(default)]
    pub treatment_mode: Option<TreatmentMode>,
    /// The most it can take of this code in a month, tonnes (above 0).
    pub max_tonnes_per_month: f64,
}

/// The `[factors]` table: costs per tonne, the TGAP rates and emission factors.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Factors {
    /// The disposal operation a recovered tonne would otherwise have gone to (e.g. "D1",
    /// landfill): its cost per tonne, TGAP included, is the baseline of the cost avoided.
    /// Absent: the cost avoided is "not configured".
    #[serde(default)]
    pub baseline_treatment: Option<String>,
    /// TGAP rates per year (article 266 nonies of the code des douanes), EUR per tonne.
    #[serde(default)]
    pub tgap: Vec<TgapRate>,
    /// What a tonne costs the producer per treatment (and destination), EUR, TGAP excluded.
    #[serde(default)]
    pub costs: Vec<CostFactor>,
    /// Emissions avoided per tonne of a stream recycled rather than disposed of, kg CO2e.
    #[serde(default)]
    pub emissions: Vec<EmissionFactor>,
}

/// The TGAP of one year on non-hazardous waste: added to the cost of landfilling (D1, D5, D12)
/// and incineration without energy recovery (D10). A rate left out is "not configured".
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TgapRate {
    pub year: i32,
    /// EUR per tonne received in a non-hazardous waste landfill (ISDND).
    #[serde(default)]
    pub landfill_eur_per_tonne: Option<f64>,
    /// EUR per tonne received in a thermal treatment plant.
    #[serde(default)]
    pub incineration_eur_per_tonne: Option<f64>,
    /// Where the rates come from (the text and its date).
    pub source: String,
}

/// The cost of a treatment per tonne, TGAP excluded (gate fee, transport): for one destination,
/// or for any destination without its own entry. Negative for a material sold (scrap metal).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostFactor {
    pub treatment: String,
    /// A company or operator of the registry; absent: any destination.
    #[serde(default)]
    pub destination: Option<String>,
    pub eur_per_tonne: f64,
    /// Where the figure comes from (a quote, an invoice, a published price survey).
    pub source: String,
}

/// The emissions avoided by recycling (or preparing for re-use) a tonne of a stream rather than
/// sending it to the baseline disposal, kg CO2e per tonne.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmissionFactor {
    pub stream: String,
    pub kg_co2e_per_tonne: f64,
    /// The ADEME Base Carbone / Base Empreinte entry (name and identifier) or other study.
    pub source: String,
}

/// An accepted code, normalised as the registry stores stream codes (`NN NN NN`, `*` when
/// hazardous).
pub fn accepted_code(ewc: &str) -> Result<String, String> {
    stream_code(ewc, None, None).map(|c| c.code)
}

/// Checks every company's `accepts` and the `[factors]` table; reports `(entry, field, why)`.
pub(super) fn check(f: &ZoneFile, err: &mut dyn FnMut(String, String, String)) {
    let companies: HashSet<&str> = f.companies.iter().map(|c| c.id.as_str()).collect();
    let operators: HashSet<&str> = f.operators.iter().map(|o| o.id.as_str()).collect();
    let streams: HashSet<&str> = f.streams.iter().map(|s| s.id.as_str()).collect();
    for c in &f.companies {
        let entry = format!("company {:?}", c.id);
        let mut seen = HashSet::new();
        for (i, a) in c.accepts.iter().enumerate() {
            let field = |name: &str| format!("accepts[{i}].{name}");
            let code = accepted_code(&a.ewc).map_err(|why| err(entry.clone(), field("ewc"), why)).ok();
            match check_treatment_code(&a.treatment) {
                Err(why) => err(entry.clone(), field("treatment"), why),
                Ok(()) if treatment_class(&a.treatment) == Ok(TreatmentClass::Interim) => err(
                    entry.clone(),
                    field("treatment"),
                    format!(
                        "{} is an interim operation: declare the final operation the accepted waste goes to{}",
                        a.treatment,
                        if a.treatment == "D9" { " (write D9F if this D9 is final)" } else { "" }
                    ),
                ),
                Ok(()) => {
                    if let Err(why) = treatment_mode(&a.treatment, a.treatment_mode) {
                        err(entry.clone(), field("treatment_mode"), why);
                    }
                }
            }
            if !(a.max_tonnes_per_month > 0.0 && a.max_tonnes_per_month.is_finite()) {
                err(
                    entry.clone(),
                    field("max_tonnes_per_month"),
                    format!(
                        "{}: write the most it can take in a month, in tonnes above 0 (e.g. 40.0)",
                        a.max_tonnes_per_month
                    ),
                );
            }
            if let Some(code) = code {
                if !seen.insert((code.clone(), a.treatment.as_str())) {
                    err(
                        entry.clone(),
                        field("ewc"),
                        format!("{code} is accepted for {} twice; keep one entry with the total tonnes", a.treatment),
                    );
                }
            }
        }
    }
    check_factors(&f.factors, &companies, &operators, &streams, err);
}

fn check_source(source: &str) -> Result<(), String> {
    if source.trim().is_empty() {
        Err("name where the figure comes from (every factor cites its source)".into())
    } else {
        Ok(())
    }
}

fn check_factors(
    f: &Factors,
    companies: &HashSet<&str>,
    operators: &HashSet<&str>,
    streams: &HashSet<&str>,
    err: &mut dyn FnMut(String, String, String),
) {
    let entry = || "factors".to_string();
    if let Some(b) = &f.baseline_treatment {
        match check_treatment_code(b) {
            Err(why) => err(entry(), "baseline_treatment".into(), why),
            Ok(()) if treatment_class(b) != Ok(TreatmentClass::Disposal) => err(
                entry(),
                "baseline_treatment".into(),
                format!(
                    "{b} is not a disposal operation: the baseline is the disposal a recovered tonne would otherwise \
                     go to, e.g. D1 (landfill) or D10 (incineration)"
                ),
            ),
            Ok(()) => {}
        }
    }
    let mut years = HashSet::new();
    for (i, t) in f.tgap.iter().enumerate() {
        let field = |name: &str| format!("tgap[{i}].{name}");
        // The TGAP exists since 1999 (loi de finances pour 1999).
        if !(1999..=2100).contains(&t.year) {
            err(entry(), field("year"), format!("{}: a year of the TGAP, 1999 or later", t.year));
        } else if !years.insert(t.year) {
            err(entry(), field("year"), format!("{} is given twice; one entry per year", t.year));
        }
        for (name, rate) in [
            ("landfill_eur_per_tonne", t.landfill_eur_per_tonne),
            ("incineration_eur_per_tonne", t.incineration_eur_per_tonne),
        ] {
            if let Some(r) = rate {
                if !(r >= 0.0 && r.is_finite()) {
                    err(entry(), field(name), format!("{r}: a rate in EUR per tonne, 0 or more"));
                }
            }
        }
        if t.landfill_eur_per_tonne.is_none() && t.incineration_eur_per_tonne.is_none() {
            err(
                entry(),
                field("year"),
                "gives no rate: write landfill_eur_per_tonne or incineration_eur_per_tonne".into(),
            );
        }
        check_source(&t.source).unwrap_or_else(|why| err(entry(), field("source"), why));
    }
    let mut costs = HashSet::new();
    for (i, c) in f.costs.iter().enumerate() {
        let field = |name: &str| format!("costs[{i}].{name}");
        check_treatment_code(&c.treatment).unwrap_or_else(|why| err(entry(), field("treatment"), why));
        if let Some(d) = &c.destination {
            if !companies.contains(d.as_str()) && !operators.contains(d.as_str()) {
                err(
                    entry(),
                    field("destination"),
                    format!("{d:?} is neither a company nor an operator of the registry"),
                );
            }
        }
        if !c.eur_per_tonne.is_finite() {
            err(
                entry(),
                field("eur_per_tonne"),
                "must be a number of EUR per tonne (negative for a material sold)".into(),
            );
        }
        check_source(&c.source).unwrap_or_else(|why| err(entry(), field("source"), why));
        if !costs.insert((c.treatment.as_str(), c.destination.as_deref())) {
            err(
                entry(),
                field("treatment"),
                format!(
                    "{} is priced twice for {}; keep one entry",
                    c.treatment,
                    c.destination.as_deref().map_or("any destination".to_string(), |d| format!("{d:?}"))
                ),
            );
        }
    }
    let mut factored = HashSet::new();
    for (i, e) in f.emissions.iter().enumerate() {
        let field = |name: &str| format!("emissions[{i}].{name}");
        if !streams.contains(e.stream.as_str()) {
            err(entry(), field("stream"), format!("no stream {:?} in the registry", e.stream));
        } else if !factored.insert(e.stream.as_str()) {
            err(entry(), field("stream"), format!("{:?} has two emission factors; keep one", e.stream));
        }
        if !e.kg_co2e_per_tonne.is_finite() {
            err(entry(), field("kg_co2e_per_tonne"), "must be a number of kg CO2e per tonne".into());
        }
        check_source(&e.source).unwrap_or_else(|why| err(entry(), field("source"), why));
    }
}

#[cfg(test)]
mod tests;
