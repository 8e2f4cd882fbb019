//! Running as a service: the HTTP endpoint (`/metrics`, `/healthz`, `/readyz`, [`http`]) and
//! the systemd notification protocol ([`notify`]), both fed by [`crate::health`].

pub mod http;
pub mod notify;

pub use http::serve;
pub use notify::Notifier;
