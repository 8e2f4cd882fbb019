//! The live stage: per-container state (fill, fill rate, forecast time to full, last reading,
//! battery, temperature, anomaly score), events that open once and close once, and the
//! per-container and per-gateway gauges.
//!
//! The state is rebuilt from the database at start by replaying each container's readings
//! since its last collection in commit order, through the same pure functions, so a restart
//! has no blind spot. It never writes readings; it only reads what the store committed.

mod detector;
mod persist;
mod state;
mod task;
mod tracker;

pub use detector::{Detector, DetectorParams};
pub use persist::{rebuild, write_events};
pub use state::{ContainerInfo, ContainerState, EventKind, LiveParams, Transition};
pub use task::{export, run_live};
pub use tracker::{ContainerEvent, ZoneState};
