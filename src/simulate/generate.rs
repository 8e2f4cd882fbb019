//! Pure frame generation (no I/O), so benchmarks can reuse it.

use crate::calendar::{millis_of, SignedDuration, Timestamp};
use crate::wire::{encode, Frame, Measurement, MeasurementKind, Reading, TopicLayout};
use crate::zone::Zone;
use rand::rngs::SmallRng;
use rand::{Rng, RngExt, SeedableRng};

/// Time between two readings of one gateway.
pub const STEP: SignedDuration = SignedDuration::from_millis(100);

/// `n` steps.
fn steps(n: u64) -> SignedDuration {
    SignedDuration::from_millis((n as i64).saturating_mul(millis_of(STEP)))
}

/// One message to publish.
#[derive(Debug, Clone)]
pub struct GeneratedMessage {
    pub topic: String,
    pub company: String,
    pub payload: Vec<u8>,
    /// Readings in the frame (0 for a malformed message).
    pub readings: usize,
    pub malformed: bool,
    pub duplicate: bool,
    /// Readings the daemon is expected to reject (e.g. a skewed clock).
    pub rejected: usize,
    /// Measurement kind of each reading.
    pub kinds: Vec<MeasurementKind>,
}

struct GatewayState {
    id: String,
    company: String,
    topic: String,
    sensors: Vec<u16>,
    seq: u32,
    /// The time of its next reading.
    clock: Timestamp,
    fill: Vec<f32>,
}

/// A payload no decoder takes for a frame, different from every other one made with another
/// `serial`. Dead letters are told apart by topic and payload (migration 0005), so two equal
/// malformed messages on one topic would make one dead letter where the summary counts two.
///
/// Version 1, then `0xff` (a varint that goes on), the serial, random bytes, and six `0xff`:
/// whatever the middle reads as, a frame cannot end on them. Its last byte would have to end a
/// varint (below `0x80`), a bool (0 or 1), or an `f32` whose variant tag, five bytes from the
/// end, is `0xff` and so does not end.
pub(super) fn malformed_payload(rng: &mut SmallRng, serial: u64) -> Vec<u8> {
    let mut payload = vec![1u8, 0xff];
    payload.extend_from_slice(&serial.to_le_bytes());
    let mut noise = vec![0u8; rng.random_range(0..30)];
    rng.fill_bytes(&mut noise);
    payload.extend(noise);
    payload.extend_from_slice(&[0xff; 6]);
    payload
}

/// Produces the frames of all gateways, round robin.
pub struct FrameGenerator {
    rng: SmallRng,
    gateways: Vec<GatewayState>,
    next: usize,
    readings_per_frame: usize,
    duplicates: f64,
    malformed: f64,
    /// Malformed messages made so far: each one's serial number.
    malformed_sent: u64,
    last: Option<GeneratedMessage>,
}

impl FrameGenerator {
    /// `start` is the time of the first reading of each gateway.
    pub fn new(
        zone: &Zone,
        layout: &TopicLayout,
        seed: u64,
        start: Timestamp,
        readings_per_frame: usize,
        duplicates: f64,
        malformed: f64,
    ) -> Self {
        let gateways = zone
            .gateways()
            .into_iter()
            .map(|(id, company, sensors)| GatewayState {
                id: id.to_string(),
                company: company.to_string(),
                topic: layout.topic_for(company, id),
                fill: vec![10.0; sensors.len()],
                sensors,
                seq: 0,
                clock: start,
            })
            .collect();
        FrameGenerator {
            rng: SmallRng::seed_from_u64(seed),
            gateways,
            next: 0,
            readings_per_frame: readings_per_frame.max(1),
            duplicates,
            malformed,
            malformed_sent: 0,
            last: None,
        }
    }

    /// How far each gateway's clock advances over `frames` frames.
    pub fn span(frames: u64, gateways: usize, readings_per_frame: usize) -> SignedDuration {
        steps(frames.div_ceil(gateways.max(1) as u64) * readings_per_frame as u64)
    }

    /// The next message: a duplicate of the previous frame, a malformed message, or a new frame.
    pub fn next_message(&mut self) -> GeneratedMessage {
        if let Some(last) = &self.last {
            if self.duplicates > 0.0 && self.rng.random_bool(self.duplicates.min(1.0)) {
                let mut dup = last.clone();
                dup.duplicate = true;
                self.last = None;
                return dup;
            }
        }
        let g = self.next % self.gateways.len();
        self.next += 1;
        if self.malformed > 0.0 && self.rng.random_bool(self.malformed.min(1.0)) {
            let gw = &self.gateways[g];
            let payload = malformed_payload(&mut self.rng, self.malformed_sent);
            self.malformed_sent += 1;
            return GeneratedMessage {
                topic: gw.topic.clone(),
                company: gw.company.clone(),
                payload,
                readings: 0,
                malformed: true,
                duplicate: false,
                rejected: 0,
                kinds: vec![],
            };
        }
        let n = self.readings_per_frame;
        let gw = &mut self.gateways[g];
        let base = gw.clock;
        let mut readings = Vec::with_capacity(n);
        for j in 0..n {
            let s = j % gw.sensors.len();
            let value = match self.rng.random_range(0..100) {
                0..=59 => {
                    gw.fill[s] = (gw.fill[s] + self.rng.random_range(0.0..2.0)).min(100.0);
                    Measurement::FillLevel(gw.fill[s])
                }
                60..=74 => Measurement::NetMassKg(self.rng.random_range(5.0..2500.0)),
                75..=84 => Measurement::TemperatureC(self.rng.random_range(5.0..35.0)),
                85..=96 => Measurement::BatteryPercent(self.rng.random_range(20.0..100.0)),
                _ => {
                    gw.fill[s] = 0.0;
                    Measurement::Emptied
                }
            };
            readings.push(Reading { sensor: gw.sensors[s], offset_ms: millis_of(steps(j as u64)) as u32, value });
        }
        gw.clock = gw.clock + steps(n as u64);
        gw.seq = gw.seq.wrapping_add(1);
        let kinds = readings.iter().map(|r| r.value.kind()).collect();
        // The wire's milliseconds (a start before 1970 is sent as the epoch).
        let payload = encode(&Frame { seq: gw.seq, base_time_ms: base.as_millis().max(0) as u64, readings });
        let msg = GeneratedMessage {
            topic: gw.topic.clone(),
            company: gw.company.clone(),
            payload,
            readings: n,
            malformed: false,
            duplicate: false,
            rejected: 0,
            kinds,
        };
        let _ = &gw.id;
        self.last = Some(msg.clone());
        msg
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn malformed_payloads_never_decode_and_never_repeat() {
        let mut rng = SmallRng::seed_from_u64(17);
        let payloads: Vec<Vec<u8>> = (0..20_000).map(|serial| malformed_payload(&mut rng, serial)).collect();
        for p in &payloads {
            assert!(crate::wire::decode(p).is_err(), "{p:02x?} decodes");
        }
        assert_eq!(payloads.iter().collect::<HashSet<_>>().len(), payloads.len());
    }
}
