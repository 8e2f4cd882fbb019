//! `wasteflow simulate`: publishes frames for the zone's gateways, as real gateways would.
//!
//! Deterministic for a given seed and start time: the same command publishes the same bytes,
//! which is how tests replay a stream to check deduplication. Two modes: uniform frames of a
//! fixed size (load generation, benchmarks), and `--realistic`, a zone with shifts, weekends,
//! collections, temperatures, batteries, the devices containers carry (load cells, lids, tilt,
//! fire alarms, GPS, radio) and injectable faults; collections come inside the containers'
//! collection windows and weigh at most their capacity. Either way it prints a JSON
//! summary of what it sent (per company and per kind) as its last line.

mod collections;
mod devices;
mod generate;
mod publish;
mod zone_sim;

pub use devices::DeviceFaults;
pub use generate::{FrameGenerator, GeneratedMessage};
pub use publish::{run_simulation, CompanySummary, SimBroker, SimError, SimOptions, Summary};
pub use zone_sim::{Fault, Faults, UnknownFault, ZoneSim};
