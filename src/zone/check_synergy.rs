//! The checks of a company's `accepts` and of the `[factors]` table (`synergy.rs`): codes on
//! the List of Waste, treatments that exist and may be applied in France, positive tonnes, a
//! disposal baseline, and a source for every factor.

use super::field_error::FieldError;
use super::file::ZoneFile;
use super::synergy::{accepted_code, Factors};
use super::treatment::{check_treatment_code, treatment_class, treatment_mode, TreatmentClass};
use std::collections::HashSet;

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
            let code = accepted_code(&a.ewc).map_err(|why| err(entry.clone(), field("ewc"), why.to_string())).ok();
            match check_treatment_code(&a.treatment) {
                Err(why) => err(entry.clone(), field("treatment"), why.to_string()),
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
                        err(entry.clone(), field("treatment_mode"), why.to_string());
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

fn check_source(source: &str) -> Result<(), FieldError> {
    if source.trim().is_empty() {
        Err(FieldError::NoSource)
    } else {
        Ok(())
    }
}

/// The `[factors]` table: the baseline, the TGAP rates, the treatment costs, the emission
/// factors.
fn check_factors(
    f: &Factors,
    companies: &HashSet<&str>,
    operators: &HashSet<&str>,
    streams: &HashSet<&str>,
    err: &mut dyn FnMut(String, String, String),
) {
    check_baseline(f, err);
    check_tgap(f, err);
    check_costs(f, companies, operators, err);
    check_emissions(f, streams, err);
}

/// The entry every problem of the `[factors]` table is reported under.
fn entry() -> String {
    "factors".to_string()
}

/// The baseline treatments: disposal operations.
fn check_baseline(f: &Factors, err: &mut dyn FnMut(String, String, String)) {
    for (field, b) in [
        ("baseline_treatment", &f.baseline_treatment),
        ("hazardous_baseline_treatment", &f.hazardous_baseline_treatment),
    ] {
        let Some(b) = b else { continue };
        match check_treatment_code(b) {
            Err(why) => err(entry(), field.into(), why.to_string()),
            Ok(()) if treatment_class(b) != Ok(TreatmentClass::Disposal) => err(
                entry(),
                field.into(),
                format!(
                    "{b} is not a disposal operation: the baseline is the disposal a recovered tonne would otherwise \
                     go to, e.g. D1 (landfill) or D10 (incineration)"
                ),
            ),
            Ok(()) => {}
        }
    }
}

/// The TGAP rates: a year from 1999, a rate for a category (or the earlier keys), each year and
/// category once, a source.
fn check_tgap(f: &Factors, err: &mut dyn FnMut(String, String, String)) {
    let mut seen = HashSet::new();
    for (i, t) in f.tgap.iter().enumerate() {
        let field = |name: &str| format!("tgap[{i}].{name}");
        // The TGAP exists since 1999 (loi de finances pour 1999).
        if !(1999..=2100).contains(&t.year) {
            err(entry(), field("year"), format!("{}: a year of the TGAP, 1999 or later", t.year));
        }
        if t.category.is_some() != t.eur_per_tonne.is_some() {
            err(
                entry(),
                field(if t.category.is_some() { "eur_per_tonne" } else { "category" }),
                "write both: { year, category, eur_per_tonne, source }, the category one of non-hazardous-landfill, \
                 hazardous-landfill, non-hazardous-incineration-efficient, non-hazardous-incineration, \
                 hazardous-incineration"
                    .into(),
            );
        }
        let rates = t.rates();
        if rates.is_empty() && t.category.is_none() {
            err(
                entry(),
                field("year"),
                "gives no rate: write { year, category, eur_per_tonne, source } (docs/kpis.md)".into(),
            );
        }
        for (name, rate) in [
            ("eur_per_tonne", t.eur_per_tonne),
            ("landfill_eur_per_tonne", t.landfill_eur_per_tonne),
            ("incineration_eur_per_tonne", t.incineration_eur_per_tonne),
        ] {
            if let Some(r) = rate.filter(|r| !(*r >= 0.0 && r.is_finite())) {
                err(entry(), field(name), format!("{r}: a rate in EUR per tonne, 0 or more"));
            }
        }
        for (category, _) in rates {
            if !seen.insert((t.year, category)) {
                err(
                    entry(),
                    field("year"),
                    format!("{} {} is given twice; one rate per year and category", t.year, category.name()),
                );
            }
        }
        check_source(&t.source).unwrap_or_else(|why| err(entry(), field("source"), why.to_string()));
    }
}

/// The treatment costs: an operation, a destination of the registry, a finite price, a
/// source, each operation and destination once.
fn check_costs(
    f: &Factors,
    companies: &HashSet<&str>,
    operators: &HashSet<&str>,
    err: &mut dyn FnMut(String, String, String),
) {
    let mut costs = HashSet::new();
    for (i, c) in f.costs.iter().enumerate() {
        let field = |name: &str| format!("costs[{i}].{name}");
        check_treatment_code(&c.treatment).unwrap_or_else(|why| err(entry(), field("treatment"), why.to_string()));
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
        check_source(&c.source).unwrap_or_else(|why| err(entry(), field("source"), why.to_string()));
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
}

/// The emission factors: a stream of the registry, once each, a finite factor, a source.
fn check_emissions(f: &Factors, streams: &HashSet<&str>, err: &mut dyn FnMut(String, String, String)) {
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
        check_source(&e.source).unwrap_or_else(|why| err(entry(), field("source"), why.to_string()));
    }
}

#[cfg(test)]
mod tests;
