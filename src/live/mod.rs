//! The live stage: per-container state (fill, fill rate, forecast time to full, last reading,
//! battery, temperature, anomaly score), events that open once and close once, and the
//! per-container and per-gateway gauges.
//!
//! The state is rebuilt from the database at start by replaying each container's readings
//! since its last collection in commit order, through the same pure functions, so a restart
//! has no blind spot. It never writes readings; it only reads what the store committed.

mod detector;
mod fold;
mod gateway_rows;
mod persist;
mod sequence;
mod state;
mod task;
mod tracker;

pub use detector::{Detector, DetectorParams};
pub use fold::{fold, Folded};
pub use persist::{load_states, save_states, seed, write_events};
pub use sequence::{Gap, GatewaySequence, Released, SequenceParams};
pub use state::{ContainerInfo, ContainerState, EventKind, LiveParams, Transition};
pub use task::{export, run_live};
pub use tracker::{ContainerEvent, ZoneState};
