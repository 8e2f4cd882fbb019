//! Daemon configuration: built-in defaults, then the `--config` file, then
//! `WASTEFLOW__SECTION__KEY` environment variables.
//!
//! Loading reports every problem at once ([`ConfigErrors`]); it never exits the process
//! itself (the command line decides the exit code, 64).

mod checks;
mod form;
mod keys;
mod limits;
mod load;
mod paths;
mod problem;
mod settings;
pub mod time_zone;
mod url;

pub use load::{from_credentials, load};
pub use problem::{ConfigErrors, Problem, ValueError};
pub use settings::*;
pub use url::{parse_mqtt_url, MqttEndpoint, UrlError};
