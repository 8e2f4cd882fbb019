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

/// The `[factors]` table: costs per tonne, the TGAP rates and emission factors. Each entry
/// overrides the reference estimate of the same key shipped in `data/reference-factors.toml`
/// (`factors.rs`); what neither gives is "not configured".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Factors {
    /// The disposal operation a recovered tonne of non-hazardous waste would otherwise have gone
    /// to (default D1, landfill): its cost per tonne, TGAP included, is the baseline of the cost
    /// avoided.
    #[serde(default)]
    pub baseline_treatment: Option<String>,
    /// The same for hazardous waste (default D10, incineration): hazardous oils and solvents
    /// cannot go to a non-hazardous landfill.
    #[serde(default)]
    pub hazardous_baseline_treatment: Option<String>,
    /// TGAP rates per year and category (code des impositions sur les biens et services, art.
    /// L. 433-1 and following since 2026; code des douanes art. 266 nonies before), EUR per tonne.
    #[serde(default)]
    pub tgap: Vec<TgapRate>,
    /// What a tonne costs the producer per treatment (and destination), EUR, TGAP excluded.
    #[serde(default)]
    pub costs: Vec<CostFactor>,
    /// Emissions avoided per tonne of a stream recycled rather than disposed of, kg CO2e.
    #[serde(default)]
    pub emissions: Vec<EmissionFactor>,
}

/// The lines of the TGAP on waste the law taxes apart: a destination that disposes of waste
/// declares which one it falls in (`tgap_category` of an operator), the baselines take theirs
/// from their operation and the waste's hazard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TgapCategory {
    /// Non-hazardous waste received in a landfill (ISDND).
    NonHazardousLandfill,
    /// Hazardous waste received in a landfill (ISDD, D5 mostly).
    HazardousLandfill,
    /// Non-hazardous waste received in a thermal treatment plant whose energy performance is
    /// 65 % or more.
    NonHazardousIncinerationEfficient,
    /// Non-hazardous waste received in any other thermal treatment plant.
    NonHazardousIncineration,
    /// Hazardous waste received in a thermal treatment plant.
    HazardousIncineration,
}

impl TgapCategory {
    pub const ALL: [TgapCategory; 5] = [
        Self::NonHazardousLandfill,
        Self::HazardousLandfill,
        Self::NonHazardousIncinerationEfficient,
        Self::NonHazardousIncineration,
        Self::HazardousIncineration,
    ];

    /// The name in the zone file and in the database.
    pub fn name(self) -> &'static str {
        match self {
            Self::NonHazardousLandfill => "non-hazardous-landfill",
            Self::HazardousLandfill => "hazardous-landfill",
            Self::NonHazardousIncinerationEfficient => "non-hazardous-incineration-efficient",
            Self::NonHazardousIncineration => "non-hazardous-incineration",
            Self::HazardousIncineration => "hazardous-incineration",
        }
    }

    /// The category a disposal operation pays on waste of that hazard when its destination
    /// declares none: landfilling (D1, D5, D12) and incineration without energy recovery (D10)
    /// are taxed, other operations are not (`None`). An incineration plant is assumed below
    /// 65 % energy performance unless it declares otherwise.
    pub fn of_disposal(treatment: &str, hazardous: bool) -> Option<TgapCategory> {
        match (treatment, hazardous) {
            ("D1" | "D5" | "D12", false) => Some(Self::NonHazardousLandfill),
            ("D1" | "D5" | "D12", true) => Some(Self::HazardousLandfill),
            ("D10", false) => Some(Self::NonHazardousIncineration),
            ("D10", true) => Some(Self::HazardousIncineration),
            _ => None,
        }
    }
}

/// The TGAP of one year for one category, `{ year, category, eur_per_tonne, source }`. The
/// keys of earlier zone files still read: `landfill_eur_per_tonne` is the non-hazardous landfill
/// rate, `incineration_eur_per_tonne` the non-hazardous incineration rate below 65 % energy
/// performance. A rate left out is "not configured".
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TgapRate {
    pub year: i32,
    #[serde(default)]
    pub category: Option<TgapCategory>,
    /// EUR per tonne received, for `category`.
    #[serde(default)]
    pub eur_per_tonne: Option<f64>,
    /// Earlier form: EUR per tonne of non-hazardous waste received in a landfill (ISDND).
    #[serde(default)]
    pub landfill_eur_per_tonne: Option<f64>,
    /// Earlier form: EUR per tonne of non-hazardous waste received in a thermal treatment plant.
    #[serde(default)]
    pub incineration_eur_per_tonne: Option<f64>,
    /// Where the rates come from (the text, its article and date).
    pub source: String,
}

impl TgapRate {
    /// The rates this entry gives, by category (the earlier keys mapped to theirs).
    pub fn rates(&self) -> Vec<(TgapCategory, f64)> {
        let mut out = Vec::new();
        if let (Some(c), Some(r)) = (self.category, self.eur_per_tonne) {
            out.push((c, r));
        }
        if let Some(r) = self.landfill_eur_per_tonne {
            out.push((TgapCategory::NonHazardousLandfill, r));
        }
        if let Some(r) = self.incineration_eur_per_tonne {
            out.push((TgapCategory::NonHazardousIncineration, r));
        }
        out
    }
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
