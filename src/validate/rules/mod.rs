//! The checks, in order: size, decode, topic, gateway, company, then each reading.

use crate::wire::{self, FrameMark, Measurement, RejectReason, Rejection, TopicLayout, ValidReading, WHOLE_MESSAGE};
use crate::zone::Zone;
use bytes::Bytes;
use std::collections::HashSet;
use std::sync::Arc;

/// The plausibility limits (from `[validation]` and `[mqtt]`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_payload_bytes: usize,
    pub max_past_ms: i64,
    pub max_future_ms: i64,
}

/// The outcome of checking one message.
#[derive(Debug, Default)]
pub struct Checked {
    pub readings: Vec<ValidReading>,
    pub rejects: Vec<Rejection>,
    /// The frame's gateway and counter, once it decoded and its gateway is registered.
    pub frame: Option<FrameMark>,
}

/// Checks one message received on `topic`, at `now_ms`.
pub fn check_message(
    topic: &str,
    payload: &Bytes,
    now_ms: i64,
    layout: &TopicLayout,
    zone: &Zone,
    limits: &Limits,
) -> Checked {
    let mut out = Checked::default();
    let reject =
        |reason: RejectReason, detail: String, gw: Option<&str>, co: Option<&str>, index: i32, payload: Bytes| {
            Rejection {
                topic: topic.chars().take(256).collect(),
                gateway: gw.map(str::to_string),
                company: co.map(str::to_string),
                reason,
                detail,
                payload,
                reading_index: index,
            }
        };

    let ids = match layout.ids(topic) {
        Ok(ids) => ids,
        Err(why) => {
            let detail = why.to_string();
            out.rejects.push(reject(
                RejectReason::BadTopic,
                detail,
                None,
                None,
                WHOLE_MESSAGE,
                capped(payload, limits),
            ));
            return out;
        }
    };
    let (gw, co) = (Some(ids.gateway), Some(ids.company));
    if payload.len() > limits.max_payload_bytes {
        let detail = format!("{} bytes, limit {}", payload.len(), limits.max_payload_bytes);
        out.rejects.push(reject(RejectReason::PayloadTooLarge, detail, gw, co, WHOLE_MESSAGE, capped(payload, limits)));
        return out;
    }
    let frame = match wire::decode(payload) {
        Ok(f) => f,
        Err(e) => {
            out.rejects.push(reject(e.reason(), e.to_string(), gw, co, WHOLE_MESSAGE, payload.clone()));
            return out;
        }
    };
    let Some(company) = zone.company_of(ids.gateway) else {
        let detail = format!("gateway {:?} is not in the registry", ids.gateway);
        out.rejects.push(reject(RejectReason::UnknownGateway, detail, gw, co, WHOLE_MESSAGE, payload.clone()));
        return out;
    };
    if &**company != ids.company {
        let detail = format!("gateway {:?} belongs to {:?}, topic says {:?}", ids.gateway, company, ids.company);
        out.rejects.push(reject(RejectReason::CompanyMismatch, detail, gw, co, WHOLE_MESSAGE, payload.clone()));
        return out;
    }

    let gateway: Arc<str> = Arc::from(ids.gateway);
    let base_ms = frame_time(frame.base_time_ms);
    out.frame = Some(FrameMark { gateway: gateway.clone(), seq: frame.seq, base_ms });
    let mut seen = HashSet::with_capacity(frame.readings.len());
    out.readings.reserve(frame.readings.len());
    for (i, r) in frame.readings.iter().enumerate() {
        let index = i32::try_from(i).unwrap_or(i32::MAX);
        let ts_ms = frame.base_time_ms.saturating_add(u64::from(r.offset_ms)).min(i64::MAX as u64) as i64;
        let verdict = check_reading(r.sensor, &r.value, ts_ms, now_ms, limits)
            .and_then(|value_milli| {
                // The attribution in force at the reading's time; only a sensor of the file has
                // ids (Zone::with_ids), so the file is consulted only to say why there are none.
                let attributed = zone.ids(ids.gateway, r.sensor).and_then(|s| Some((s.sensor_id, s.at(ts_ms)?)));
                attributed.map(|(sensor_id, a)| (sensor_id, a, value_milli)).ok_or_else(|| {
                    let detail = if zone.sensor(ids.gateway, r.sensor).is_none() {
                        format!("sensor {} is not registered on gateway {:?}", r.sensor, ids.gateway)
                    } else {
                        format!(
                            "sensor {} of gateway {:?} has no attribution in the database: the registry was not synchronised",
                            r.sensor, ids.gateway
                        )
                    };
                    (RejectReason::UnknownSensor, detail)
                })
            })
            .and_then(|ok| {
                if seen.insert((r.sensor, r.value.kind(), ts_ms)) {
                    Ok(ok)
                } else {
                    Err((
                        RejectReason::DuplicateInFrame,
                        format!("sensor {} {} at {ts_ms} appears twice", r.sensor, r.value.kind().name()),
                    ))
                }
            });
        match verdict {
            Ok((sensor_id, a, value_milli)) => out.readings.push(ValidReading {
                gateway: gateway.clone(),
                sensor: r.sensor,
                kind: r.value.kind(),
                ts_ms,
                value_milli,
                frame_seq: frame.seq,
                sensor_id,
                attribution: a.id,
                classification: a.classification,
                company: a.company.clone(),
                container: a.container.clone(),
            }),
            Err((reason, detail)) => {
                // The reading alone, as a one-reading v1 frame: small, and replayable.
                let alone =
                    wire::encode(&wire::Frame { seq: frame.seq, base_time_ms: frame.base_time_ms, readings: vec![*r] });
                out.rejects.push(reject(reason, detail, gw, co, index, Bytes::from(alone)))
            }
        }
    }
    out
}

/// Checks one reading's value and time; returns the value as stored ([`crate::wire::MeasurementKind::to_stored`]).
/// The time the live stage gives a frame: its base time, held inside what PostgreSQL can store.
/// Every time the live fold writes for a frame (the gateway's last frame, a gap's bounds) comes
/// from it, and one outside that range made every fold fail, for every gateway, for good
/// (docs/reliability.md, "One frame the live fold cannot apply"). A base time merely outside
/// the reading window (a gateway's clock off by years) is kept as sent: the counter rules
/// compare base times, and the readings are judged one by one anyway.
pub fn frame_time(base_time_ms: u64) -> i64 {
    i64::try_from(base_time_ms)
        .unwrap_or(i64::MAX)
        .clamp(crate::clock::PG_TIMESTAMP_MIN_MS, crate::clock::PG_TIMESTAMP_END_MS - 1)
}

fn check_reading(
    sensor: u16,
    m: &Measurement,
    ts_ms: i64,
    now_ms: i64,
    limits: &Limits,
) -> Result<i64, (RejectReason, String)> {
    // A reading outside PostgreSQL's range would make the database refuse the whole batch
    // ("timestamp out of range") on every retry, whatever the configured window.
    let storable = crate::clock::fits_timestamptz(ts_ms);
    if !storable
        || ts_ms < now_ms.saturating_sub(limits.max_past_ms)
        || ts_ms > now_ms.saturating_add(limits.max_future_ms)
    {
        let skew_s = (ts_ms as i128 - now_ms as i128) / 1000;
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
