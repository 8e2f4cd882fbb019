//! Every metric the daemon exports, defined in one place, and the HTTP endpoint serving them.
//!
//! Label values come from fixed sets (reason codes, failure kinds) or from the registry's own
//! ids, never from raw input, so cardinality stays bounded.

mod http;
mod names;

pub use http::{install, serve};
pub use names::*;
