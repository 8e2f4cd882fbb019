//! `wasteflow simulate`: publishes frames for the zone's gateways, as real gateways would.
//!
//! Deterministic for a given seed and start time: the same command publishes the same bytes,
//! which is how tests replay a stream to check deduplication. This is the first, simple
//! simulator (uniform readings); it prints a JSON summary of what it sent as its last line.

mod generate;
mod publish;

pub use generate::{FrameGenerator, GeneratedMessage};
pub use publish::{run_simulation, SimArgs, Summary};
