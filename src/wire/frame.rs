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
    /// Current load on a load cell, in kilograms: a level, like the fill level. Never summed
    /// (a cell reporting every 15 minutes would be counted again and again); the mass that
    /// leaves the container at a collection is `NetMassKg`.
    LoadKg(f32),
    /// The lid is open (`true`) or closed (`false`).
    LidOpen(bool),
    /// Angle between the container's upright axis and the vertical, in degrees (0 upright,
    /// 90 on its side, 180 upside down).
    TiltDeg(f32),
    /// The device's own fire or over-temperature alarm is raised (`true`) or cleared (`false`).
    FireAlarm(bool),
    /// Latitude of the container, WGS 84 decimal degrees (north positive).
    LatitudeDeg(f32),
    /// Longitude of the container, WGS 84 decimal degrees (east positive).
    LongitudeDeg(f32),
    /// Received signal strength of the sensor's last uplink, in dBm.
    RssiDbm(f32),
    /// Signal-to-noise ratio of the sensor's last uplink, in dB.
    SnrDb(f32),
    /// The sensor's confidence in its measurement, in percent (an ultrasonic echo's quality).
    QualityPercent(f32),
}

impl Measurement {
    pub fn kind(&self) -> MeasurementKind {
        match self {
            Self::FillLevel(_) => MeasurementKind::FillLevel,
            Self::NetMassKg(_) => MeasurementKind::NetMassKg,
            Self::Emptied => MeasurementKind::Emptied,
            Self::TemperatureC(_) => MeasurementKind::TemperatureC,
            Self::BatteryPercent(_) => MeasurementKind::BatteryPercent,
            Self::LoadKg(_) => MeasurementKind::LoadKg,
            Self::LidOpen(_) => MeasurementKind::LidOpen,
            Self::TiltDeg(_) => MeasurementKind::TiltDeg,
            Self::FireAlarm(_) => MeasurementKind::FireAlarm,
            Self::LatitudeDeg(_) => MeasurementKind::LatitudeDeg,
            Self::LongitudeDeg(_) => MeasurementKind::LongitudeDeg,
            Self::RssiDbm(_) => MeasurementKind::RssiDbm,
            Self::SnrDb(_) => MeasurementKind::SnrDb,
            Self::QualityPercent(_) => MeasurementKind::QualityPercent,
        }
    }

    /// The measured number, if the measurement carries one (a flag: 1 raised, 0 not).
    pub fn number(&self) -> Option<f32> {
        match *self {
            Self::FillLevel(v)
            | Self::NetMassKg(v)
            | Self::TemperatureC(v)
            | Self::BatteryPercent(v)
            | Self::LoadKg(v)
            | Self::TiltDeg(v)
            | Self::LatitudeDeg(v)
            | Self::LongitudeDeg(v)
            | Self::RssiDbm(v)
            | Self::SnrDb(v)
            | Self::QualityPercent(v) => Some(v),
            Self::LidOpen(b) | Self::FireAlarm(b) => Some(if b { 1.0 } else { 0.0 }),
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
            any::<f32>().prop_map(Measurement::LoadKg),
            any::<bool>().prop_map(Measurement::LidOpen),
            any::<f32>().prop_map(Measurement::TiltDeg),
            any::<bool>().prop_map(Measurement::FireAlarm),
            any::<f32>().prop_map(Measurement::LatitudeDeg),
            any::<f32>().prop_map(Measurement::LongitudeDeg),
            any::<f32>().prop_map(Measurement::RssiDbm),
            any::<f32>().prop_map(Measurement::SnrDb),
            any::<f32>().prop_map(Measurement::QualityPercent),
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
        // seq 0, base 0, one reading: sensor 1, offset 0, variant 127 (far past the last one).
        assert_eq!(decode(&[1, 0, 0, 1, 1, 0, 0x7f]), Err(DecodeError::UnknownVariant));
        // The first number past the last known variant.
        let next = MeasurementKind::ALL.len() as u8;
        assert_eq!(decode(&[1, 0, 0, 1, 1, 0, next, 0, 0, 0, 0]), Err(DecodeError::UnknownVariant));
    }

    /// A flag is a postcard bool: one byte, 0 or 1; any other byte is not a frame.
    #[test]
    fn a_flag_is_one_byte_zero_or_one() {
        let lid = |b: u8| [1, 0, 0, 1, 1, 0, MeasurementKind::LidOpen.number() as u8, b];
        assert_eq!(decode(&lid(1)).unwrap().readings[0].value, Measurement::LidOpen(true));
        assert_eq!(decode(&lid(0)).unwrap().readings[0].value, Measurement::LidOpen(false));
        assert_eq!(decode(&lid(2)).unwrap_err().reason(), RejectReason::Malformed);
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
        // Unknown variant 127, and the frame also ends before any value: unknown_variant.
        assert_eq!(decode(&[1, 0, 0, 1, 1, 0, 0x7f]), Err(DecodeError::UnknownVariant));
        // An over-long seq, then an unknown variant and trailing bytes: malformed.
        let mut bytes = vec![1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 1, 1, 0, 0x7f, 0, 0];
        assert_eq!(decode(&bytes).unwrap_err().reason(), RejectReason::Malformed);
        // A reading with an unknown variant before the end, then trailing bytes: unknown_variant.
        bytes = vec![1, 0, 0, 1, 1, 0, 0x7f, 0, 0, 0, 0, 0xaa, 0xbb];
        assert_eq!(decode(&bytes), Err(DecodeError::UnknownVariant));
        // Truncated inside the count: truncated, although the version byte was fine.
        assert_eq!(decode(&[1, 0, 0x80]), Err(DecodeError::Truncated));
    }
}
