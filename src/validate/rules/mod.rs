//! The checks, in order: size, decode, topic, gateway, company, then each reading.

use crate::calendar::{SignedDuration, Timestamp, PG_TIMESTAMP_END, PG_TIMESTAMP_MIN};
use crate::wire::{self, FrameMark, Measurement, RejectReason, Rejection, TopicLayout, ValidReading, WHOLE_MESSAGE};
use crate::zone::Zone;
use bytes::Bytes;
use std::collections::HashSet;
use std::sync::Arc;

/// The plausibility limits (from `[validation]` and `[mqtt]`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_payload_bytes: usize,
    /// How far before "now" a reading may be (`validation.max_past`).
    pub max_past: SignedDuration,
    /// How far after "now" a reading may be (`validation.max_future`).
    pub max_future: SignedDuration,
}

/// The outcome of checking one message.
#[derive(Debug, Default)]
pub struct Checked {
    pub readings: Vec<ValidReading>,
    pub rejects: Vec<Rejection>,
    /// The frame's gateway and counter, once it decoded and its gateway is registered.
    pub frame: Option<FrameMark>,
}

/// Checks one message received on `topic`, at `now`.
pub fn check_message(
    topic: &str,
    payload: &Bytes,
    now: Timestamp,
    layout: &TopicLayout,
    zone: &Zone,
    limits: &Limits,
) -> Checked {
    let mut out = Checked::default();
    let rejected = Rejected { topic, gateway: None, company: None };
    let (frame, gateway, company) = match check_envelope(topic, payload, layout, zone, limits) {
        Ok(whole) => whole,
        Err(e) => {
            let rejected = Rejected { gateway: e.gateway, company: e.company, ..rejected };
            out.rejects.push(rejected.rejection(e.reason, e.detail, WHOLE_MESSAGE, e.payload));
            return out;
        }
    };
    let gw: Arc<str> = Arc::from(gateway);
    let rejected = Rejected { gateway: Some(gateway), company: Some(company), ..rejected };
    out.frame = Some(FrameMark { gateway: gw.clone(), seq: frame.seq, base: frame_time(frame.base_time_ms) });
    let window = Window::around(now, limits);
    let mut seen = HashSet::with_capacity(frame.readings.len());
    out.readings.reserve(frame.readings.len());
    for (i, r) in frame.readings.iter().enumerate() {
        match check_frame_reading(&frame, r, &gw, zone, &window, &mut seen) {
            Ok(valid) => out.readings.push(valid),
            Err((reason, detail)) => {
                // The reading alone, as a one-reading v1 frame: small, and replayable.
                let alone =
                    wire::encode(&wire::Frame { seq: frame.seq, base_time_ms: frame.base_time_ms, readings: vec![*r] });
                let index = i32::try_from(i).unwrap_or(i32::MAX);
                out.rejects.push(rejected.rejection(reason, detail, index, Bytes::from(alone)));
            }
        }
    }
    out
}

/// The reading times accepted at `now`: from `earliest` to `latest`, both included (held at
/// the ends of the range), computed once per message.
struct Window {
    now: Timestamp,
    earliest: Timestamp,
    latest: Timestamp,
}

impl Window {
    fn around(now: Timestamp, limits: &Limits) -> Window {
        Window { now, earliest: now - limits.max_past, latest: now + limits.max_future }
    }
}

/// Who a rejection is about: the received topic, and the gateway and company its topic names
/// once it parsed.
#[derive(Clone, Copy)]
struct Rejected<'a> {
    topic: &'a str,
    gateway: Option<&'a str>,
    company: Option<&'a str>,
}

impl Rejected<'_> {
    fn rejection(&self, reason: RejectReason, detail: String, reading_index: i32, payload: Bytes) -> Rejection {
        Rejection {
            topic: self.topic.chars().take(256).collect(),
            gateway: self.gateway.map(str::to_string),
            company: self.company.map(str::to_string),
            reason,
            detail,
            payload,
            reading_index,
        }
    }
}

/// A message refused whole, with what of it is kept.
struct WholeRefusal<'a> {
    reason: RejectReason,
    detail: String,
    gateway: Option<&'a str>,
    company: Option<&'a str>,
    payload: Bytes,
}

/// The checks of the message as a whole, in order: topic, size, decode, gateway, company.
/// Gives the frame with its gateway and company, or why the whole message is refused.
fn check_envelope<'t>(
    topic: &'t str,
    payload: &Bytes,
    layout: &TopicLayout,
    zone: &Zone,
    limits: &Limits,
) -> Result<(wire::Frame, &'t str, &'t str), WholeRefusal<'t>> {
    let refuse = |reason, detail, ids: Option<&wire::TopicIds<'t>>, payload| WholeRefusal {
        reason,
        detail,
        gateway: ids.map(|i| i.gateway),
        company: ids.map(|i| i.company),
        payload,
    };
    let ids = layout
        .ids(topic)
        .map_err(|why| refuse(RejectReason::BadTopic, why.to_string(), None, capped(payload, limits)))?;
    if payload.len() > limits.max_payload_bytes {
        let detail = format!("{} bytes, limit {}", payload.len(), limits.max_payload_bytes);
        return Err(refuse(RejectReason::PayloadTooLarge, detail, Some(&ids), capped(payload, limits)));
    }
    let frame = wire::decode(payload).map_err(|e| refuse(e.reason(), e.to_string(), Some(&ids), payload.clone()))?;
    let Some(company) = zone.company_of(ids.gateway) else {
        let detail = format!("gateway {:?} is not in the registry", ids.gateway);
        return Err(refuse(RejectReason::UnknownGateway, detail, Some(&ids), payload.clone()));
    };
    if &**company != ids.company {
        let detail = format!("gateway {:?} belongs to {:?}, topic says {:?}", ids.gateway, company, ids.company);
        return Err(refuse(RejectReason::CompanyMismatch, detail, Some(&ids), payload.clone()));
    }
    Ok((frame, ids.gateway, ids.company))
}

/// Checks one reading of a frame whose envelope passed: value and time, the attribution in
/// force at its time, and that the frame does not hold it twice (`seen`).
fn check_frame_reading(
    frame: &wire::Frame,
    r: &wire::Reading,
    gateway: &Arc<str>,
    zone: &Zone,
    window: &Window,
    seen: &mut HashSet<(u16, wire::MeasurementKind, Timestamp)>,
) -> Result<ValidReading, (RejectReason, String)> {
    let ts = reading_time(frame.base_time_ms, r.offset_ms);
    let value_milli = check_reading(r.sensor, &r.value, ts, window)?;
    // The attribution in force at the reading's time; only a sensor of the file has ids
    // (Zone::with_ids), so the file is consulted only to say why there are none.
    let Some((sensor_id, a)) = zone.ids(gateway, r.sensor).and_then(|s| Some((s.sensor_id, s.at(ts)?))) else {
        let detail = if zone.sensor(gateway, r.sensor).is_none() {
            format!("sensor {} is not registered on gateway {:?}", r.sensor, gateway)
        } else {
            format!(
                "sensor {} of gateway {:?} has no attribution in the database: the registry was not synchronised",
                r.sensor, gateway
            )
        };
        return Err((RejectReason::UnknownSensor, detail));
    };
    if !seen.insert((r.sensor, r.value.kind(), ts)) {
        let detail = format!("sensor {} {} at {} appears twice", r.sensor, r.value.kind().name(), ts.as_millis());
        return Err((RejectReason::DuplicateInFrame, detail));
    }
    Ok(ValidReading {
        gateway: gateway.clone(),
        sensor: r.sensor,
        kind: r.value.kind(),
        ts,
        value_milli,
        frame_seq: frame.seq,
        sensor_id,
        attribution: a.id,
        classification: a.classification,
        company: a.company.clone(),
        container: a.container.clone(),
    })
}

/// The time the live stage gives a frame: its base time, held inside what PostgreSQL can store.
/// Every time the live fold writes for a frame (the gateway's last frame, a gap's bounds) comes
/// from it, and one outside that range made every fold fail, for every gateway, for good
/// (docs/reliability.md, "One frame the live fold cannot apply"). A base time merely outside
/// the reading window (a gateway's clock off by years) is kept as sent: the counter rules
/// compare base times, and the readings are judged one by one anyway.
pub fn frame_time(base_time_ms: u64) -> Timestamp {
    let ms = i64::try_from(base_time_ms).unwrap_or(i64::MAX);
    Timestamp::from_millis(ms.clamp(PG_TIMESTAMP_MIN.as_millis(), PG_TIMESTAMP_END.as_millis() - 1))
}

/// A reading's time from the wire: the frame's base time plus the reading's offset, held at
/// `i64::MAX` milliseconds instead of overflowing (the window check then refuses it).
fn reading_time(base_time_ms: u64, offset_ms: u32) -> Timestamp {
    Timestamp::from_millis(base_time_ms.saturating_add(u64::from(offset_ms)).min(i64::MAX as u64) as i64)
}

/// Checks one reading's value and time; returns the value as stored ([`crate::wire::MeasurementKind::to_stored`]).
fn check_reading(sensor: u16, m: &Measurement, ts: Timestamp, window: &Window) -> Result<i64, (RejectReason, String)> {
    // A reading outside PostgreSQL's range would make the database refuse the whole batch
    // ("timestamp out of range") on every retry, whatever the configured window.
    if !ts.fits_timestamptz() || ts < window.earliest || ts > window.latest {
        let skew_s = (i128::from(ts.as_millis()) - i128::from(window.now.as_millis())) / 1000;
        return Err((
            RejectReason::TimestampOutOfWindow,
            format!("sensor {sensor}: reading time is {skew_s} s from now"),
        ));
    }
    let Some(v) = m.number() else { return Ok(0) };
    if !v.is_finite() {
        return Err((RejectReason::NotFinite, format!("sensor {sensor}: {} is {v}", m.kind().name())));
    }
    let Some((lo, hi)) = m.kind().range() else { return Ok(0) };
    if !(lo..=hi).contains(&v) {
        return Err((
            RejectReason::OutOfRange,
            format!("sensor {sensor}: {} {v} outside {lo}..={hi}", m.kind().name()),
        ));
    }
    Ok(m.kind().to_stored(f64::from(v)))
}

fn capped(payload: &Bytes, limits: &Limits) -> Bytes {
    payload.slice(..payload.len().min(limits.max_payload_bytes))
}

#[cfg(test)]
mod tests;
