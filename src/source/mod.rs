//! The source stage: the MQTT 5 client.
//!
//! One task drives rumqttc's event loop and never awaits anything else that could block it:
//! deliveries go to the batch stage through a bounded channel (waiting for room without
//! stopping the event loop), acks come back from the store after COMMIT and are sent with
//! `try_ack` in arrival order. Acks of a previous connection are never sent (the broker
//! redelivers those messages and the store deduplicates them). The event loop is polled only
//! while the messages taken and not yet committed fit in the byte budget
//! `mqtt.max_inflight_bytes` (`budget.rs`).
//!
//! Asked to leave (SIGUSR1), the source unsubscribes, keeps ingesting what the broker still
//! holds for its session until a probe proves it empty, then ends the session (`leave.rs`).

mod ack_ledger;
mod budget;
mod delivery;
mod error;
mod events;
mod leave;
mod options;
mod session;
mod task;

pub use delivery::{AckToken, Delivery};
pub use error::SourceError;
pub use options::mqtt_options;
pub use task::{run_source, SourceConfig};
