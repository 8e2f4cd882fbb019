//! Wire format v1: the postcard frame a gateway publishes.
//!
//! Pure encoding and decoding, no I/O. Byte-by-byte description and test vectors
//! live in `docs/wire-format.md`; `tests/wire_vectors.rs` checks the vectors.
//! This module must never panic on input: every malformed frame is a [`DecodeError`].

mod frame;

pub use frame::{decode, encode, DecodeError, Frame, Measurement, MeasurementKind, Reading, VERSION};
