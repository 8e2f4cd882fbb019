//! The zone registry: companies, material streams, containers, gateways and their sensors.
//!
//! Loaded from a TOML file and checked as a whole; every problem is named with its entry and
//! field. At run time it answers one question fast: which company, container and stream a
//! (gateway, sensor) pair belongs to. The company is never taken from a payload.

mod codes;
mod file;
mod lookup;

pub use codes::{check_ewc_code, check_treatment_code};
pub use file::{CompanyEntry, ContainerEntry, GatewayEntry, SensorEntry, StreamEntry, ZoneFile};
pub use lookup::{SensorTarget, Zone, ZoneErrors};
