//! What the store hands the live stage through the database (`live_inbox`, docs/scaling.md):
//! each committed frame's counter and base time, with the readings it stored, per gateway.
//! The same encoding holds the frames a gateway's sequence keeps behind a gap.

use super::kind::MeasurementKind;
use crate::calendar::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// Where a message came from, once decoded: its gateway and frame counter. Set for every
/// decoded frame of a registered gateway, even when each of its readings was rejected (the
/// counter still moved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameMark {
    pub gateway: std::sync::Arc<str>,
    pub seq: u32,
    /// The frame's base time, held inside PostgreSQL's range (validation's `frame_time`).
    pub base: Timestamp,
}

/// One committed frame of one gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxFrame {
    pub seq: u32,
    /// The frame's base time (encoded as its milliseconds since the Unix epoch).
    #[serde(rename = "base_ms")]
    pub base: Timestamp,
    /// The readings this commit stored (a redelivered frame's are already stored: none).
    pub readings: Vec<InboxReading>,
}

/// A stored reading, as the live state needs it, in few bytes (postcard varints): its
/// attribution (which says its container), kind, time relative to the frame's base time, and
/// value in thousandths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxReading {
    /// `attributions.id`: the container the reading belongs to, at its time.
    pub attribution: i32,
    /// [`MeasurementKind::number`].
    pub kind: i16,
    /// Reading time minus the frame's base time, ms: the encoding's unit ([`InboxReading::offset`]).
    pub offset_ms: i64,
    pub value_milli: i64,
}

impl InboxReading {
    /// The kind, if this build knows it (a newer build may have written one it does not).
    pub fn kind(&self) -> Option<MeasurementKind> {
        MeasurementKind::from_number(self.kind)
    }

    /// Reading time minus the frame's base time.
    pub fn offset(&self) -> SignedDuration {
        SignedDuration::from_millis(self.offset_ms)
    }
}

/// Encodes frames for `live_inbox.frames` or `gateway_sequence.pending`.
pub fn encode_frames(frames: &[InboxFrame]) -> Vec<u8> {
    // Serializing these plain types into a Vec cannot fail.
    match postcard::to_allocvec(frames) {
        Ok(v) => v,
        Err(e) => unreachable!("postcard encoding into a Vec failed: {e}"),
    }
}

/// Decodes what [`encode_frames`] wrote; the empty byte string is no frames.
pub fn decode_frames(bytes: &[u8]) -> Result<Vec<InboxFrame>, postcard::Error> {
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    postcard::from_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let frames = vec![
            InboxFrame { seq: u32::MAX, base: Timestamp::from_millis(1_700_000_000_000), readings: vec![] },
            InboxFrame {
                seq: 0,
                base: Timestamp::from_millis(1),
                readings: vec![InboxReading { attribution: 7, kind: 1, offset_ms: 2, value_milli: -3 }],
            },
        ];
        assert_eq!(decode_frames(&encode_frames(&frames)).unwrap(), frames);
        assert!(decode_frames(&[]).unwrap().is_empty());
        assert!(decode_frames(&[0xff]).is_err());
    }

    /// The bytes in `live_inbox.frames` and `gateway_sequence.pending` as earlier builds wrote
    /// them: a build reads what the one before it left.
    #[test]
    fn the_encoding_is_the_one_earlier_builds_wrote() {
        let frames = vec![
            InboxFrame {
                seq: 7,
                base: Timestamp::from_millis(1_700_000_000_123),
                readings: vec![InboxReading { attribution: 42, kind: 2, offset_ms: 1_500, value_milli: 312_250 }],
            },
            InboxFrame {
                seq: u32::MAX,
                base: Timestamp::from_millis(-86_400_001),
                readings: vec![InboxReading { attribution: 1, kind: 1, offset_ms: -3, value_milli: -1 }],
            },
        ];
        let bytes = [
            2, 7, 246, 161, 171, 254, 249, 98, 1, 84, 4, 184, 23, 244, 142, 38, 255, 255, 255, 255, 15, 129, 240, 178,
            82, 1, 2, 2, 5, 1,
        ];
        assert_eq!(encode_frames(&frames), bytes);
        assert_eq!(decode_frames(&bytes).unwrap(), frames);
    }
}
