//! Every metric the daemon exports, defined in one place: names, descriptions, buckets and the
//! functions that record them. A leaf: the stages call in with plain values and the crate's
//! own enums; this module knows none of the stages' types.
//!
//! Label values come from fixed sets (reason codes, failure kinds, event kinds) or from the
//! registry's own ids, never from raw input, so cardinality stays bounded.

mod names;
mod recorder;

pub use names::*;
pub use recorder::install;
