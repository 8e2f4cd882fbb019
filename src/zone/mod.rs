//! The zone registry: companies and their sites, outside operators, material streams,
//! containers (with treatment and destination), gateways and their sensors.
//!
//! Loaded from a TOML file and checked as a whole; every problem is named with its entry and
//! field. At run time it answers one question fast: which company, container, stream,
//! treatment and destination a (gateway, sensor) pair belongs to. The company is never taken
//! from a payload.

mod check;
mod check_equipment;
mod check_fields;
mod codes;
mod factors;
mod field_error;
mod file;
mod ids;
mod known;
mod list_of_waste;
mod lookup;
mod problem;
mod read;
mod check_synergy;
mod synergy;
mod transporter;
mod treatment;
mod weighbridge;
mod window;

pub use check_fields::check_id;
pub use codes::{check_ewc_code, check_siren, check_siret, split_address, stream_code, PostalAddress, StreamCode};
pub use factors::{effective, reference, CostRow, Effective, EmissionRow, Origin, TgapRow};
pub use field_error::FieldError;
pub use file::*;
pub use ids::{Attribution, RegistryIds, SensorIds};
pub use list_of_waste::{list_of_waste, ListOfWaste, WasteEntry};
pub use lookup::{SensorTarget, Zone};
pub use problem::{ZoneErrors, ZoneProblem};
pub use synergy::{accepted_code, Accepts, CostFactor, EmissionFactor, Factors, TgapCategory, TgapRate};
pub use treatment::{
    all_treatments, check_treatment_code, treatment_class, treatment_mode, EsrsCategory, TreatmentClass,
    TreatmentError, TreatmentMode, TreatmentOperation, TREATMENT_OPERATIONS,
};
pub use weighbridge::WeighbridgeEntry;
pub use window::{parse_hhmm, parse_window, CollectionWindow, CollectionWindowEntry, DAY_NAMES};
