//! The factors the savings views use: the zone file's `[factors]` over the reference estimates
//! shipped in `data/reference-factors.toml`, each figure with its source and its origin (the
//! zone's own, or a reference estimate). Pure: the registry sync writes what [`effective`]
//! returns (docs/kpis.md "Savings and avoided impact").

use super::file::ZoneFile;
use super::synergy::{accepted_code, TgapCategory, TgapRate};
use serde::Deserialize;
use std::collections::HashSet;
use std::sync::OnceLock;

/// The reference estimates, as shipped.
const REFERENCE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/data/reference-factors.toml"));

/// The non-hazardous baseline when the zone names none: landfill.
pub const DEFAULT_BASELINE: &str = "D1";
/// The hazardous baseline when the zone names none: incineration (hazardous oils and solvents
/// may not be landfilled as they are).
pub const DEFAULT_HAZARDOUS_BASELINE: &str = "D10";

/// Whose figure it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The zone file's `[factors]`: its contracts, its chosen entries.
    Zone,
    /// A published national figure shipped with wasteflow: an estimate for this zone.
    Reference,
}

impl Origin {
    pub fn name(self) -> &'static str {
        match self {
            Origin::Zone => "zone",
            Origin::Reference => "reference",
        }
    }
}

/// The shipped reference file: the zone file's shapes, emission factors by List of Waste code.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceFactors {
    #[serde(default)]
    pub tgap: Vec<TgapRate>,
    #[serde(default)]
    pub costs: Vec<ReferenceCost>,
    #[serde(default)]
    pub emissions: Vec<ReferenceEmission>,
}

/// A reference cost of a treatment at any destination: of every material, or, with `ewc`, of
/// the materials whose List of Waste codes are listed (cardboard and plastics are both R3, at
/// different prices).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceCost {
    pub treatment: String,
    /// What the listed codes are, named in each figure's source.
    #[serde(default)]
    pub material: Option<String>,
    #[serde(default)]
    pub ewc: Option<Vec<String>>,
    pub eur_per_tonne: f64,
    pub source: String,
}

/// An emission factor for a material, applied to every stream whose code is listed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceEmission {
    pub material: String,
    pub ewc: Vec<String>,
    pub kg_co2e_per_tonne: f64,
    pub source: String,
}

/// The reference estimates (checked by this module's tests when built).
pub fn reference() -> &'static ReferenceFactors {
    static PARSED: OnceLock<ReferenceFactors> = OnceLock::new();
    PARSED.get_or_init(|| toml::from_str(REFERENCE).unwrap_or_else(|e| panic!("data/reference-factors.toml: {e}")))
}

#[derive(Debug, Clone, PartialEq)]
pub struct TgapRow {
    pub year: i32,
    pub category: TgapCategory,
    pub eur_per_tonne: f64,
    pub source: String,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CostRow {
    pub treatment: String,
    pub destination: Option<String>,
    /// The List of Waste code it prices, as the registry writes codes (a reference cost by
    /// material); absent: every code.
    pub ewc: Option<String>,
    pub eur_per_tonne: f64,
    pub source: String,
    pub origin: Origin,
}

/// A zone's factor is for one of its streams; a reference factor is for a List of Waste code,
/// so that a flow is factored by the code it was weighed under.
#[derive(Debug, Clone, PartialEq)]
pub struct EmissionRow {
    pub stream: Option<String>,
    pub ewc: Option<String>,
    pub kg_co2e_per_tonne: f64,
    pub source: String,
    pub origin: Origin,
}

/// Every factor in force, each key once.
#[derive(Debug, Clone, PartialEq)]
pub struct Effective {
    pub baseline: String,
    pub hazardous_baseline: String,
    pub tgap: Vec<TgapRow>,
    pub costs: Vec<CostRow>,
    pub emissions: Vec<EmissionRow>,
}

/// The zone's factors over `reference`: a zone entry replaces the reference one of the same key.
pub fn effective_with(f: &ZoneFile, reference: &ReferenceFactors) -> Effective {
    let x = &f.factors;
    let tgap_of = |list: &[TgapRate], origin: Origin| -> Vec<TgapRow> {
        list.iter()
            .flat_map(|t| {
                t.rates().into_iter().map(move |(category, eur_per_tonne)| TgapRow {
                    year: t.year,
                    category,
                    eur_per_tonne,
                    source: t.source.clone(),
                    origin,
                })
            })
            .collect()
    };
    let mut tgap = tgap_of(&x.tgap, Origin::Zone);
    let zone_keys: HashSet<(i32, TgapCategory)> = tgap.iter().map(|t| (t.year, t.category)).collect();
    tgap.extend(
        tgap_of(&reference.tgap, Origin::Reference).into_iter().filter(|t| !zone_keys.contains(&(t.year, t.category))),
    );
    tgap.sort_by_key(|t| (t.year, t.category));

    // The zone's costs, then the reference ones of the treatments the zone prices at no
    // particular destination: a zone entry for any destination replaces every reference entry
    // of its treatment, whatever their materials; one for a destination leaves them for the
    // other destinations.
    let mut costs: Vec<CostRow> = x
        .costs
        .iter()
        .map(|c| CostRow {
            treatment: c.treatment.clone(),
            destination: c.destination.clone(),
            ewc: None,
            eur_per_tonne: c.eur_per_tonne,
            source: c.source.clone(),
            origin: Origin::Zone,
        })
        .collect();
    let priced: HashSet<&str> =
        x.costs.iter().filter(|c| c.destination.is_none()).map(|c| c.treatment.as_str()).collect();
    for r in reference.costs.iter().filter(|r| !priced.contains(r.treatment.as_str())) {
        let row = |ewc: Option<String>, source: String| CostRow {
            treatment: r.treatment.clone(),
            destination: None,
            ewc,
            eur_per_tonne: r.eur_per_tonne,
            source,
            origin: Origin::Reference,
        };
        match &r.ewc {
            None => costs.push(row(None, r.source.clone())),
            Some(codes) => {
                let material = r.material.as_deref().unwrap_or("material");
                costs.extend(codes_of(codes).map(|code| row(Some(code), format!("{material}: {}", r.source))));
            }
        }
    }

    // The zone's factors by stream, the reference ones by code: the views take a flow's
    // stream's row first, then its code's.
    let mut emissions: Vec<EmissionRow> = x
        .emissions
        .iter()
        .map(|e| EmissionRow {
            stream: Some(e.stream.clone()),
            ewc: None,
            kg_co2e_per_tonne: e.kg_co2e_per_tonne,
            source: e.source.clone(),
            origin: Origin::Zone,
        })
        .collect();
    for r in &reference.emissions {
        emissions.extend(codes_of(&r.ewc).map(|code| EmissionRow {
            stream: None,
            ewc: Some(code),
            kg_co2e_per_tonne: r.kg_co2e_per_tonne,
            source: format!("{}: {}", r.material, r.source),
            origin: Origin::Reference,
        }));
    }
    Effective {
        baseline: x.baseline_treatment.clone().unwrap_or_else(|| DEFAULT_BASELINE.to_string()),
        hazardous_baseline: x
            .hazardous_baseline_treatment
            .clone()
            .unwrap_or_else(|| DEFAULT_HAZARDOUS_BASELINE.to_string()),
        tgap,
        costs,
        emissions,
    }
}

/// The zone's factors over the shipped reference estimates.
pub fn effective(f: &ZoneFile) -> Effective {
    effective_with(f, reference())
}

/// A reference entry's codes, as the registry writes codes (the reference file's own tests
/// check that each reads).
fn codes_of(codes: &[String]) -> impl Iterator<Item = String> + '_ {
    codes.iter().filter_map(|c| accepted_code(c).ok())
}

#[cfg(test)]
mod tests;
