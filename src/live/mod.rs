//! The live stage: per-container state (fill, fill rate, forecast time to full, last reading,
//! battery, temperature, anomaly score, the latest weighings with their fill), events that open
//! once and close once, and the per-container and per-gateway gauges.
//!
//! The state is shared by every instance, in the database: the store appends each committed
//! batch's frames to `live_inbox` in the batch's own transaction; one instance at a time folds
//! them, per gateway in frame-counter order ([`GatewaySequence`]: gaps counted missing), into
//! `container_live` and `events` ([`fold`]); every instance exports the gauges from that
//! state. The rules are pure functions of the readings ([`ContainerState`]), evaluated at each
//! reading's time, so what opens and closes does not depend on which instance folded it, nor
//! when. It never writes readings; it only reads what the store committed.

mod detector;
mod fold;
mod gateway_rows;
mod persist;
mod set_aside;
mod sequence;
mod state;
mod task;
mod tracker;

pub use detector::{Detector, DetectorParams};
pub use sequence::{GatewaySequence, SequenceParams};
pub use state::{ContainerInfo, ContainerState, EventKind, LiveParams, RecentWeighing, Transition};
pub use task::{export, run_live};
pub use tracker::{ContainerEvent, ZoneState};
