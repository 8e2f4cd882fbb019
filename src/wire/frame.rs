//! Frame types and the postcard codec.

use super::kind::MeasurementKind;
use super::reason::RejectReason;
use serde::{Deserialize, Serialize};

/// The only format version this build understands. The first byte of every frame.
pub const VERSION: u8 = 1;

/// One MQTT message from a gateway: a batch of readings sharing a base timestamp.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    /// The gateway's own frame counter (wraps at 2^32). Informational: deduplication
    /// uses each reading's natural key, not this number.
    pub seq: u32,
    /// Base time of the frame in milliseconds since the Unix epoch (UTC).
    pub base_time_ms: u64,
    /// The readings, in any order.
    pub readings: Vec<Reading>,
}

/// One measurement by one sensor at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    /// Sensor number, local to the gateway (the registry maps it to a container).
    pub sensor: u16,
    /// Milliseconds after the frame's base time.
    pub offset_ms: u32,
    /// What was measured.
    pub value: Measurement,
}

/// A measurement. The variant index is part of the wire format: append only.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Measurement {
    /// Container fill level in percent of its volume (0 to 150; above 100 is heaped).
    FillLevel(f32),
    /// Net mass weighed, in kilograms (weighbridge or scale).
    NetMassKg(f32),
    /// The container was emptied (a collection or a discharge).
    Emptied,
    /// Temperature inside or at the container, in degrees Celsius.
    TemperatureC(f32),
    /// Battery charge of the sensor, in percent.
    BatteryPercent(f32),
}

impl Measurement {
    pub fn kind(&self) -> MeasurementKind {
        match self {
            Self::FillLevel(_) => MeasurementKind::FillLevel,
            Self::NetMassKg(_) => MeasurementKind::NetMassKg,
            Self::Emptied => MeasurementKind::Emptied,
            Self::TemperatureC(_) => MeasurementKind::TemperatureC,
            Self::BatteryPercent(_) => MeasurementKind::BatteryPercent,
        }
    }

    /// The measured number, if the measurement carries one.
    pub fn number(&self) -> Option<f32> {
        match *self {
            Self::FillLevel(v) | Self::NetMassKg(v) | Self::TemperatureC(v) | Self::BatteryPercent(v) => Some(v),
            Self::Emptied => None,
        }
    }
}

/// Why a payload is not a frame. Each variant maps to one dead-letter reason code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("empty payload")]
    Empty,
    #[error("unknown wire format version {0} (this build reads version {VERSION})")]
    UnknownVersion(u8),
    #[error("frame is truncated")]
    Truncated,
    #[error("unknown measurement variant")]
    UnknownVariant,
    #[error("malformed frame: {0}")]
    Malformed(String),
    #[error("{0} trailing bytes after the frame")]
    TrailingBytes(usize),
}

impl DecodeError {
    /// The dead-letter reason for this error.
    pub fn reason(&self) -> RejectReason {
        match self {
            Self::Empty => RejectReason::EmptyPayload,
            Self::UnknownVersion(_) => RejectReason::UnknownVersion,
            Self::Truncated => RejectReason::Truncated,
            Self::UnknownVariant => RejectReason::UnknownVariant,
            Self::Malformed(_) => RejectReason::Malformed,
            Self::TrailingBytes(_) => RejectReason::TrailingBytes,
        }
    }
}

/// Encodes a frame: the version byte, then the postcard encoding of the frame.
pub fn encode(frame: &Frame) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + frame.readings.len() * 10);
    out.push(VERSION);
    // Serializing these plain types into a Vec cannot fail.
    match postcard::to_extend(frame, out) {
        Ok(v) => v,
        Err(e) => unreachable!("postcard encoding into a Vec failed: {e}"),
    }
}

/// Decodes a frame. Never panics; any byte string that is not exactly one v1 frame is an error.
pub fn decode(bytes: &[u8]) -> Result<Frame, DecodeError> {
    let (&version, body) = bytes.split_first().ok_or(DecodeError::Empty)?;
    if version != VERSION {
        return Err(DecodeError::UnknownVersion(version));
    }
    let (frame, rest) = postcard::take_from_bytes::<Frame>(body).map_err(map_postcard)?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes(rest.len()));
    }
    Ok(frame)
}

fn map_postcard(e: postcard::Error) -> DecodeError {
    use postcard::Error as P;
    match e {
        P::DeserializeUnexpectedEnd => DecodeError::Truncated,
        // In this schema the only serde-level (custom) error is an enum variant index out of
        // range: serde's derived visitor reports it as "invalid value", not as BadEnum.
        P::DeserializeBadEnum | P::SerdeDeCustom => DecodeError::UnknownVariant,
        // postcard's own wording ("Is the usize too big for this platform?") is about its
        // platform, not the gateway's bytes: more continuation bytes than the type allows, or
        // a last byte above its range.
        P::DeserializeBadVarint => DecodeError::Malformed("varint too long".into()),
        other => DecodeError::Malformed(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn measurement() -> impl Strategy<Value = Measurement> {
        prop_oneof![
            any::<f32>().prop_map(Measurement::FillLevel),
            any::<f32>().prop_map(Measurement::NetMassKg),
            Just(Measurement::Emptied),
            any::<f32>().prop_map(Measurement::TemperatureC),
            any::<f32>().prop_map(Measurement::BatteryPercent),
        ]
    }

    fn frame() -> impl Strategy<Value = Frame> {
        let reading = (any::<u16>(), any::<u32>(), measurement()).prop_map(|(sensor, offset_ms, value)| Reading {
            sensor,
            offset_ms,
            value,
        });
        (any::<u32>(), any::<u64>(), proptest::collection::vec(reading, 0..60))
            .prop_map(|(seq, base_time_ms, readings)| Frame { seq, base_time_ms, readings })
    }

    /// Compares bit patterns so that NaN payloads round-trip too.
    fn same_bits(a: &Frame, b: &Frame) -> bool {
        a.seq == b.seq
            && a.base_time_ms == b.base_time_ms
            && a.readings.len() == b.readings.len()
            && a.readings.iter().zip(&b.readings).all(|(x, y)| {
                x.sensor == y.sensor
                    && x.offset_ms == y.offset_ms
                    && x.value.kind() == y.value.kind()
                    && x.value.number().map(f32::to_bits) == y.value.number().map(f32::to_bits)
            })
    }

    proptest! {
        #[test]
        fn round_trip(f in frame()) {
            let bytes = encode(&f);
            let back = decode(&bytes).expect("own encoding decodes");
            prop_assert!(same_bits(&f, &back));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode(&bytes);
        }

        #[test]
        fn every_strict_prefix_is_rejected(f in frame()) {
            let bytes = encode(&f);
            for cut in 0..bytes.len() {
                prop_assert!(decode(&bytes[..cut]).is_err());
            }
        }
    }

    #[test]
    fn unknown_version_is_named() {
        assert_eq!(decode(&[2, 0, 0, 0]), Err(DecodeError::UnknownVersion(2)));
        assert_eq!(decode(&[]), Err(DecodeError::Empty));
    }

    #[test]
    fn unknown_variant_is_rejected() {
        // seq 0, base 0, one reading: sensor 1, offset 0, variant 9.
        assert_eq!(decode(&[1, 0, 0, 1, 1, 0, 9]), Err(DecodeError::UnknownVariant));
    }

    #[test]
    fn trailing_bytes_are_rejected() {
        let mut bytes = encode(&Frame { seq: 1, base_time_ms: 2, readings: vec![] });
        bytes.push(0);
        assert_eq!(decode(&bytes), Err(DecodeError::TrailingBytes(1)));
    }

    #[test]
    fn an_over_long_varint_says_so() {
        // The `malformed` vector of docs/wire-format.md: seq has six continuation bytes.
        let e = decode(&[1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).unwrap_err();
        assert_eq!(e, DecodeError::Malformed("varint too long".into()));
        assert_eq!(e.to_string(), "malformed frame: varint too long");
        assert_eq!(e.reason(), RejectReason::Malformed);
        // Five bytes whose last one carries bits above u32: too long for its type as well.
        assert_eq!(decode(&[1, 0xff, 0xff, 0xff, 0xff, 0x1f, 0, 0]).unwrap_err(), e);
    }

    /// docs/wire-format.md, "What the specification leaves open": a varint with redundant
    /// zero continuation bytes is accepted and means the same number.
    #[test]
    fn non_minimal_varints_are_accepted() {
        let minimal = encode(&Frame { seq: 1, base_time_ms: 2, readings: vec![] });
        assert_eq!(minimal, [1, 1, 2, 0]);
        // seq 1 as 81 80 80 80 00 (five bytes), base time 2 as 82 00, count 0 as 80 00.
        let padded = [1, 0x81, 0x80, 0x80, 0x80, 0x00, 0x82, 0x00, 0x80, 0x00];
        assert_eq!(decode(&padded), decode(&minimal));
        assert!(decode(&padded).is_ok());
    }

    /// docs/wire-format.md: decoding stops at the first fault; its kind names the reason even
    /// when later bytes are wrong as well.
    #[test]
    fn the_first_fault_names_the_reason() {
        // Unknown variant 9, and the frame also ends before any value: unknown_variant.
        assert_eq!(decode(&[1, 0, 0, 1, 1, 0, 9]), Err(DecodeError::UnknownVariant));
        // An over-long seq, then an unknown variant and trailing bytes: malformed.
        let mut bytes = vec![1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 1, 1, 0, 9, 0, 0];
        assert_eq!(decode(&bytes).unwrap_err().reason(), RejectReason::Malformed);
        // A reading with an unknown variant before the end, then trailing bytes: unknown_variant.
        bytes = vec![1, 0, 0, 1, 1, 0, 9, 0, 0, 0, 0, 0xaa, 0xbb];
        assert_eq!(decode(&bytes), Err(DecodeError::UnknownVariant));
        // Truncated inside the count: truncated, although the version byte was fine.
        assert_eq!(decode(&[1, 0, 0x80]), Err(DecodeError::Truncated));
    }
}
