//! The wire contract: what a gateway publishes and where.
//!
//! Wire format v1 (the postcard frame, [`frame`]), the measurement kinds ([`kind`]), the topic
//! layout that carries a gateway's identity ([`topic`]), and the records every later stage
//! shares: a validated reading and a rejection with its [`RejectReason`] ([`record`],
//! [`reason`]). Pure: no I/O, no clock. Byte-by-byte description and test vectors live in
//! `docs/wire-format.md`; `tests/wire_vectors.rs` checks the vectors. This module must never
//! panic on input: every malformed frame is a [`DecodeError`].

mod frame;
mod inbox;
mod kind;
mod reason;
mod record;
mod topic;

pub use frame::{decode, encode, DecodeError, Frame, Measurement, Reading, VERSION};
pub use inbox::{decode_frames, encode_frames, FrameMark, InboxFrame, InboxReading};
pub use kind::MeasurementKind;
pub use reason::{RejectReason, Scope};
pub use record::{Rejection, ValidReading, WHOLE_MESSAGE};
pub use topic::{without_share, TopicError, TopicIds, TopicLayout};
