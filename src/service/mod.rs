//! Running as a service: readiness and liveness of the pipeline ([`health`]), shared by the
//! HTTP `/readyz` endpoint and the systemd notification protocol ([`notify`]).

pub mod health;
pub mod notify;
pub mod reload;

pub use health::{Health, Readiness};
pub use notify::Notifier;
pub use reload::{Outcome, Reloader};
