//! What validation produces and every later stage consumes: readings ready to store and
//! rejections ready to dead-letter.

use super::kind::MeasurementKind;
use super::reason::RejectReason;
use crate::calendar::Timestamp;
use bytes::Bytes;
use std::sync::Arc;

/// `reading_index` of a rejection that concerns the whole message.
pub const WHOLE_MESSAGE: i32 = -1;

/// A reading that passed every check, attributed through the registry: its ids are the
/// database's (attached to the zone after a registry sync), its company and container those of
/// the attribution in force at its timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidReading {
    pub gateway: Arc<str>,
    pub sensor: u16,
    pub kind: MeasurementKind,
    /// Reading time.
    pub ts: Timestamp,
    /// The value in thousandths of its unit (grams for masses; millionths of a degree for
    /// coordinates: [`MeasurementKind::stored_per_unit`]); integer so sums are exact.
    pub value_milli: i64,
    pub frame_seq: u32,
    /// `sensors.id`: with the kind and the time, the stored key.
    pub sensor_id: i32,
    /// `attributions.id` in force at `ts`.
    pub attribution: i32,
    /// `classifications.id` of that attribution: the flow rollups' key.
    pub classification: i32,
    pub company: Arc<str>,
    pub container: Arc<str>,
}

impl ValidReading {
    /// The stored key: the same reading delivered twice has the same key.
    pub fn key(&self) -> (i32, MeasurementKind, Timestamp) {
        (self.sensor_id, self.kind, self.ts)
    }
}

/// A message, or one reading of it, refused with a reason code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub topic: String,
    pub gateway: Option<String>,
    pub company: Option<String>,
    /// Why: the `reason` column and the metric label.
    pub reason: RejectReason,
    /// Human detail.
    pub detail: String,
    /// The raw payload for a whole-message rejection (truncated to the size cap when it was
    /// too large); for a single reading, that reading alone as a one-reading v1 frame.
    pub payload: Bytes,
    /// Index of the reading in the frame, or [`WHOLE_MESSAGE`].
    pub reading_index: i32,
}
