//! What the synergy and savings views need from the registry file: the inputs a company
//! declares it accepts (`accepts`), and the cost and emission factors (`[factors]`); checked by
//! `check_synergy.rs`. Every factor names its source; none is ever assumed (docs/kpis.md
//! "Savings and avoided impact").

use super::codes::stream_code;
use super::treatment::TreatmentMode;
use serde::Deserialize;

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
pub fn accepted_code(ewc: &str) -> Result<String, super::field_error::FieldError> {
    stream_code(ewc, None, None).map(|c| c.code)
}
