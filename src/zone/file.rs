//! The registry file's shape (`config/zone.toml`). Checked as a whole by `check.rs`.

use serde::Deserialize;
use std::time::Duration;

pub use super::transporter::TransporterEntry;

/// The whole registry file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneFile {
    /// Human name of the zone.
    pub name: String,
    #[serde(default)]
    pub companies: Vec<CompanyEntry>,
    #[serde(default)]
    pub sites: Vec<SiteEntry>,
    /// Destinations outside the zone (treatment operators).
    #[serde(default)]
    pub operators: Vec<OperatorEntry>,
    /// Carriers that take containers to their destination (the waste register names them).
    #[serde(default)]
    pub transporters: Vec<TransporterEntry>,
    #[serde(default)]
    pub streams: Vec<StreamEntry>,
    #[serde(default)]
    pub containers: Vec<ContainerEntry>,
    #[serde(default)]
    pub gateways: Vec<GatewayEntry>,
    /// Weighbridges at receiving sites: the hour of their weighing goes into the incoming
    /// register (docs/register.md, "Weighing at the destination").
    #[serde(default)]
    pub weighbridges: Vec<super::weighbridge::WeighbridgeEntry>,
    /// Cost and emission factors for the savings views (docs/kpis.md "Savings and avoided
    /// impact"): every figure with its source; what is absent is "not configured".
    #[serde(default)]
    pub factors: super::synergy::Factors,
}

/// A company of the zone.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyEntry {
    /// Stable id, used in topics and tables (lower case, digits, `-`).
    pub id: String,
    /// French company number: nine digits.
    pub siren: String,
    /// Trading name.
    pub name: String,
    /// For a company that receives interim mass (storage, transfer, pre-treatment): the final
    /// operations it applies to it, with shares ([`FinalOperation`]).
    #[serde(default)]
    pub final_operations: Vec<FinalOperation>,
    /// The waste this company declares it can take as input, for the synergy opportunities
    /// (`synergy_opportunities`, docs/kpis.md): `accepts = [{ ewc = "10 09 08", treatment =
    /// "R5", treatment_mode = "recycling", max_tonnes_per_month = 40.0 }]`.
    #[serde(default)]
    pub accepts: Vec<super::synergy::Accepts>,
}

/// An establishment of a company.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteEntry {
    pub id: String,
    pub company: String,
    /// Establishment number: the company's SIREN followed by five digits.
    pub siret: String,
    pub address: String,
    /// Latitude of the site's centre, WGS 84 decimal degrees. With `longitude`, it draws the
    /// geofence its containers must stay in (`outside_geofence` events); both or neither.
    #[serde(default)]
    pub latitude: Option<f64>,
    /// Longitude of the site's centre, WGS 84 decimal degrees (east positive).
    #[serde(default)]
    pub longitude: Option<f64>,
    /// Radius of the geofence around the centre, metres.
    #[serde(default = "default_geofence_radius")]
    pub geofence_radius_m: f64,
    /// When carriers may collect the site's containers (local time of `[zone] time_zone`);
    /// a container's own window wins. Absent on both: any time (docs/planning.md).
    #[serde(default)]
    pub collection_window: Option<super::window::CollectionWindowEntry>,
}

fn default_geofence_radius() -> f64 {
    200.0
}

/// A treatment operator outside the zone.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorEntry {
    pub id: String,
    pub name: String,
    /// Establishment number of the operator's plant, if known.
    #[serde(default)]
    pub siret: Option<String>,
    /// Postal address of the plant, written "street, postcode town" (e.g. "Rue X, 62300 Lens").
    /// The waste register needs it (with the SIRET) for every shipment bound there.
    #[serde(default)]
    pub address: Option<String>,
    /// Where the plant is, WGS 84 decimal degrees: both or neither. The collection plan's
    /// kilometres end a trip here (docs/planning.md "Kilometres"); without them, unknown.
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
    /// For an operator that receives interim mass (a transfer station, a storage yard): the
    /// final operations it applies to it, with shares ([`FinalOperation`]).
    #[serde(default)]
    pub final_operations: Vec<FinalOperation>,
    /// For an operator that landfills or incinerates: the TGAP line it pays on what it
    /// receives (e.g. "non-hazardous-incineration-efficient" for a plant of 65 % energy
    /// performance or more). Absent: the line its operation and the waste's hazard give
    /// (docs/kpis.md "Savings and avoided impact").
    #[serde(default)]
    pub tgap_category: Option<super::synergy::TgapCategory>,
}

/// One final operation a destination declares it applies to the interim mass it receives
/// (`final_operations = [{ code = "R3", mode = "recycling", share = 0.6 }, ...]`). The
/// resolved ESRS views (docs/kpis.md) split the pending mass sent there by these shares.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinalOperation {
    /// A final operation code (R0 to R11, D1 to D12 but D9, D9F); not an interim one.
    pub code: String,
    /// As a container's `treatment_mode`: required where the operation allows several modes.
    #[serde(default)]
    pub mode: Option<super::treatment::TreatmentMode>,
    /// The fraction of the interim mass that goes to this operation: above 0; a declaration's
    /// shares sum to 1 (within 0.001).
    pub share: f64,
}

/// Regulatory status of a material stream.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum StreamStatus {
    #[default]
    Waste,
    ByProduct,
    EndOfWaste,
}

impl StreamStatus {
    pub fn name(self) -> &'static str {
        match self {
            Self::Waste => "waste",
            Self::ByProduct => "by-product",
            Self::EndOfWaste => "end-of-waste",
        }
    }
}

/// A material stream: what a container holds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamEntry {
    pub id: String,
    /// European List of Waste code, e.g. "17 01 01" or "16 06 01*": it must be on the list
    /// (Decision 2000/532/EC as amended by 2014/955/EU), with the `*` exactly when the list
    /// marks it hazardous.
    pub ewc: String,
    pub description: String,
    /// Only for the non-hazardous half of a mirror pair (e.g. 17 01 07 of 17 01 06*/17 01 07):
    /// `true` declares this stream hazardous after assessing its composition. Absent: as the
    /// list says. An asterisk code is always hazardous.
    #[serde(default)]
    pub hazardous: Option<bool>,
    /// Why a mirror entry is declared hazardous (or not): the assessment behind the choice.
    #[serde(default)]
    pub hazard_assessment: Option<String>,
    /// Contains persistent organic pollutants (Regulation (EU) 2019/1021), as the French
    /// waste register asks.
    #[serde(default)]
    pub pop: bool,
    /// waste (default), by-product or end-of-waste.
    #[serde(default)]
    pub status: StreamStatus,
}

/// Kinds of container.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ContainerType {
    Skip,
    RollOff,
    Bin,
    Compactor,
    Tank,
    BaleStore,
    BulkBag,
    Cage,
}

impl ContainerType {
    pub fn name(self) -> &'static str {
        match self {
            Self::Skip => "skip",
            Self::RollOff => "roll-off",
            Self::Bin => "bin",
            Self::Compactor => "compactor",
            Self::Tank => "tank",
            Self::BaleStore => "bale-store",
            Self::BulkBag => "bulk-bag",
            Self::Cage => "cage",
        }
    }
}

fn default_overflow() -> f64 {
    90.0
}

fn default_interval() -> Duration {
    Duration::from_secs(900)
}

/// A container at a site, holding one material stream bound for one treatment and destination.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerEntry {
    pub id: String,
    pub company: String,
    pub site: String,
    #[serde(rename = "type")]
    pub kind: ContainerType,
    /// Volume in cubic metres.
    pub volume_m3: f64,
    /// Largest load the container may carry, kg.
    pub max_load_kg: f64,
    /// Fill level (percent) at and above which the container counts as overflowing.
    #[serde(default = "default_overflow")]
    pub overflow_threshold_pct: f64,
    /// How often its sensors report (e.g. "15m").
    #[serde(default = "default_interval", with = "humantime_serde")]
    pub expected_interval: Duration,
    pub stream: String,
    /// Treatment operation at the destination: R0 (re-use), R1-R13, D1-D15, or D9F (D9 declared
    /// final). D6, D7 and D11 are prohibited in France and refused.
    pub treatment: String,
    /// The step of the waste hierarchy the operation achieves: re-use, recycling,
    /// energy-recovery, other-recovery or disposal. Required where the operation allows more
    /// than one (e.g. R5: recycling or other-recovery); absent for interim operations (R12,
    /// R13, D9, D13-D15), whose mass is pending a final operation.
    #[serde(default)]
    pub treatment_mode: Option<super::treatment::TreatmentMode>,
    /// A company of the zone (a symbiosis exchange) or an operator's id.
    pub destination: String,
    /// The carrier that takes it to its destination: a `[[transporters]]` id. The waste register
    /// needs one for every shipment that leaves its company (not for in-house treatment).
    #[serde(default)]
    pub transporter: Option<String>,
    /// When carriers may collect it (local time); absent: its site's window.
    #[serde(default)]
    pub collection_window: Option<super::window::CollectionWindowEntry>,
}

/// A sensor gateway; its id is its MQTT identity and the gateway segment of its topic.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayEntry {
    pub id: String,
    pub company: String,
    pub site: String,
    #[serde(default)]
    pub sensors: Vec<SensorEntry>,
}

/// A sensor, numbered locally on its gateway, watching one container.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensorEntry {
    pub number: u16,
    pub container: String,
}
