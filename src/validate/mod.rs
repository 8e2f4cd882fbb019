//! Decode and validate one MQTT message against the registry and the plausibility rules.
//!
//! Pure: no I/O, no clock (the caller passes "now"). Every reading of a message ends up either
//! in [`Checked::readings`] or in [`Checked::rejects`] with a reason code; a message that cannot
//! be decoded becomes one reject holding its raw bytes.

mod flood;
mod rules;

pub use flood::{FloodGuard, FloodLimit};
pub use rules::{check_message, Checked, Limits};
