//! Live state of one container and the event rules, as pure functions of the readings seen.
//!
//! Readings are applied in the order they were committed (sorted by time within a batch); a
//! reading older than the latest one of its kind is ignored here (it is stored, and counted
//! in the rollups, but does not move the live state back in time), except by the latest
//! weighings, which take a late weighing or fill reading in its place (`state/recent_weighings.rs`).

use super::detector::{Detector, DetectorParams};
use crate::calendar::{millis_of, millis_span, SignedDuration, Timestamp};
use crate::config::LiveSettings;
use crate::wire::MeasurementKind;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

mod event_kind;
mod recent_weighings;
pub use event_kind::EventKind;
pub use recent_weighings::RecentWeighing;

/// Event rules' parameters (from `[live]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiveParams {
    /// Open "overflow predicted" when the forecast time to full is below this.
    pub overflow_lead: SignedDuration,
    /// A sensor is silent after this many expected reporting intervals without a reading.
    pub silent_factor: f64,
    pub battery_low_pct: f64,
    /// Fire risk at or above this temperature...
    pub fire_temp_c: f64,
    /// ...or when the temperature rises faster than this (degrees per minute).
    pub fire_rise_c_per_min: f64,
    /// A fill drop of at least this many points without an "emptied" reading is suspicious.
    pub emptied_drop_pct: f64,
    /// Anomaly event at or above this detector score.
    pub anomaly_threshold: f64,
    pub detector: DetectorParams,
    /// "Lid open" when a lid has been open this long.
    pub lid_open_max: SignedDuration,
    /// "Out of position" beyond this tilt from upright, degrees.
    pub tilt_max_deg: f64,
}

impl From<&LiveSettings> for LiveParams {
    /// The rules' parameters from the `[live]` section.
    fn from(s: &LiveSettings) -> LiveParams {
        LiveParams {
            overflow_lead: millis_span(s.overflow_lead_time),
            silent_factor: s.silent_factor,
            battery_low_pct: s.battery_low_pct,
            fire_temp_c: s.fire_temperature_c,
            fire_rise_c_per_min: s.fire_rise_c_per_min,
            emptied_drop_pct: s.emptied_drop_pct,
            anomaly_threshold: s.anomaly_threshold,
            detector: DetectorParams { alpha: s.anomaly_alpha, warmup: s.anomaly_warmup, min_std: s.anomaly_min_std },
            lid_open_max: millis_span(s.lid_open_max),
            tilt_max_deg: s.tilt_max_deg,
        }
    }
}

/// What the registry says about a container, for the rules.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerInfo {
    pub id: String,
    pub company: String,
    pub max_load_kg: f64,
    pub overflow_threshold_pct: f64,
    pub expected_interval: SignedDuration,
    /// Its site's geofence, when the registry gives the site's coordinates.
    pub geofence: Option<Geofence>,
}

/// A circle around a site: a container reported further from its centre is outside.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geofence {
    pub latitude: f64,
    pub longitude: f64,
    pub radius_m: f64,
}

impl Geofence {
    /// Great-circle distance from the centre, in metres: the haversine formula on a sphere of
    /// the mean Earth radius (6,371,008.8 m, IUGG); within 0.5 % of the ellipsoid, metres at
    /// the scale of a site.
    pub fn distance_m(&self, latitude: f64, longitude: f64) -> f64 {
        const EARTH_RADIUS_M: f64 = 6_371_008.8;
        let (p1, p2) = (self.latitude.to_radians(), latitude.to_radians());
        let dp = p2 - p1;
        let dl = (longitude - self.longitude).to_radians();
        let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
    }
}

/// An event opening or closing.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub kind: EventKind,
    pub open: bool,
    pub at: Timestamp,
    /// The value that triggered it (fill %, kg, degrees, seconds, score...).
    pub value: f64,
}

/// Live state of one container: stored whole in `container_live.state` between two folds.
/// Its JSON keeps the names and the numbers earlier builds wrote (times as milliseconds since
/// the Unix epoch, under keys ending in `_ms`): SQL views and the plan read them, and a state
/// written before an upgrade reads back after it (a test in `state/tests.rs` holds it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContainerState {
    pub fill_pct: Option<f64>,
    /// Time of the fill (or emptied) reading behind `fill_pct`.
    #[serde(rename = "fill_ms")]
    pub fill_at: Timestamp,
    /// First fill reading since the last collection, for the fill rate: (fill, time). Part of
    /// the stored state's documented shape: the column `container_live.fill_rate_span`
    /// (migration 17), which `wasteflow plan` and the `collections_due` view read, is generated
    /// from `container_live.state` as `fill_ms - base[1]` (a test in `state/tests.rs` holds it).
    pub base: Option<(f64, Timestamp)>,
    #[serde(rename = "last_seen_ms")]
    pub last_seen: Option<Timestamp>,
    pub battery_pct: Option<f64>,
    #[serde(rename = "battery_ms")]
    battery_at: Timestamp,
    pub temperature_c: Option<f64>,
    #[serde(rename = "temperature_ms")]
    temperature_at: Timestamp,
    temp_rise_c_per_min: f64,
    pub last_mass_kg: Option<f64>,
    #[serde(rename = "mass_ms")]
    mass_at: Timestamp,
    unexplained_drop: Option<f64>,
    detector: Detector,
    /// Events currently open.
    pub open: BTreeSet<EventKind>,
    /// Open events whose condition stopped holding, and since when (the time of the reading
    /// that found it false): each closes once that lasts [`EventKind::close_after`]. Not
    /// written while empty, so a state without one keeps its earlier JSON.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", rename = "clearing_since_ms")]
    pub clearing: BTreeMap<EventKind, Timestamp>,
    /// Wall-clock time its latest reading was folded: a sensor is silent only once nothing
    /// has arrived for the silent time either, so a backlog replayed after an outage does not
    /// open (and at once close) a silent event for every container.
    #[serde(rename = "last_arrival_ms")]
    pub last_arrival: Option<Timestamp>,
    /// Current load on its load cell, kg (`LoadKg`).
    pub load_kg: Option<Latest>,
    /// Lid: 1 open, 0 closed (`LidOpen`).
    pub lid: Option<Latest>,
    /// Time of the reading that found the lid open after it was closed (or unknown).
    #[serde(rename = "lid_open_since_ms")]
    pub lid_open_since: Option<Timestamp>,
    /// Angle from upright, degrees (`TiltDeg`).
    pub tilt_deg: Option<Latest>,
    /// The device's fire alarm: 1 raised, 0 cleared (`FireAlarm`).
    pub fire_alarm: Option<Latest>,
    pub latitude: Option<Latest>,
    pub longitude: Option<Latest>,
    /// The latest position whose latitude and longitude were taken at the same instant:
    /// (latitude, longitude, time).
    pub position: Option<(f64, f64, Timestamp)>,
    /// Radio link and measurement quality of its sensor (`RssiDbm`, `SnrDb`, `QualityPercent`).
    pub rssi_dbm: Option<Latest>,
    pub snr_db: Option<Latest>,
    pub quality_pct: Option<Latest>,
    /// The latest fill-level reading by time (`FillLevel` only: unlike `fill_pct`, not moved
    /// by an `Emptied` reading), which a weighing is paired with. Not written while unknown, so
    /// a state without one keeps its earlier JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fill_reading: Option<Latest>,
    /// The latest weighings, each with the fill reading before it, latest first, at most
    /// [`crate::plan::WEIGHINGS_READ`] (`state/recent_weighings.rs`): what `wasteflow plan`
    /// reads a container's mass per point of fill from. Not written while empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub weighings: Vec<RecentWeighing>,
}

/// The latest value of a level and the time of its reading.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Latest {
    pub value: f64,
    #[serde(rename = "at_ms")]
    pub at: Timestamp,
}

impl Latest {
    /// Takes `value` at `ts` unless the slot holds a newer reading; whether it did.
    fn take(slot: &mut Option<Latest>, ts: Timestamp, value: f64) -> bool {
        let newer = slot.is_none_or(|l| ts >= l.at);
        if newer {
            *slot = Some(Latest { value, at: ts });
        }
        newer
    }

    fn value(slot: Option<Latest>) -> Option<f64> {
        slot.map(|l| l.value)
    }
}

const MINUTE_MS: f64 = 60_000.0;

impl ContainerState {
    /// Applies one stored reading (`value` in its unit: %, kg, degrees).
    pub fn apply(&mut self, kind: MeasurementKind, ts: Timestamp, value: f64, p: &LiveParams) {
        self.last_seen = Some(self.last_seen.map_or(ts, |s| s.max(ts)));
        // The latest weighings take every fill and weighing, late ones too.
        match kind {
            MeasurementKind::FillLevel => self.fill_read(ts, value),
            MeasurementKind::NetMassKg => self.weighed(ts, value),
            _ => {}
        }
        match kind {
            MeasurementKind::FillLevel if ts >= self.fill_at => {
                if let Some(prev) = self.fill_pct {
                    if prev - value >= p.emptied_drop_pct {
                        self.unexplained_drop = Some(prev - value);
                        self.detector.reset();
                        self.base = None;
                    }
                }
                self.fill_pct = Some(value);
                self.fill_at = ts;
                self.base.get_or_insert((value, ts));
                self.detector.observe(value, &p.detector);
            }
            MeasurementKind::Emptied if ts >= self.fill_at => {
                // A recorded collection: the fill curve starts again.
                self.fill_pct = Some(0.0);
                self.fill_at = ts;
                self.base = None;
                self.unexplained_drop = None;
                self.last_mass_kg = None;
                self.detector.reset();
            }
            MeasurementKind::NetMassKg if ts >= self.mass_at => {
                self.last_mass_kg = Some(value);
                self.mass_at = ts;
            }
            MeasurementKind::TemperatureC if ts >= self.temperature_at => {
                if let Some(prev) = self.temperature_c {
                    let minutes = millis_of(ts - self.temperature_at) as f64 / MINUTE_MS;
                    self.temp_rise_c_per_min = if minutes > 0.0 { (value - prev) / minutes } else { 0.0 };
                }
                self.temperature_c = Some(value);
                self.temperature_at = ts;
            }
            MeasurementKind::BatteryPercent if ts >= self.battery_at => {
                self.battery_pct = Some(value);
                self.battery_at = ts;
            }
            MeasurementKind::LoadKg => {
                Latest::take(&mut self.load_kg, ts, value);
            }
            MeasurementKind::LidOpen => {
                let was_open = self.lid.is_some_and(|l| l.value >= 0.5);
                if Latest::take(&mut self.lid, ts, value) {
                    let open = value >= 0.5;
                    if open && !was_open {
                        self.lid_open_since = Some(ts);
                    } else if !open {
                        self.lid_open_since = None;
                    }
                }
            }
            MeasurementKind::TiltDeg => {
                Latest::take(&mut self.tilt_deg, ts, value);
            }
            MeasurementKind::FireAlarm => {
                Latest::take(&mut self.fire_alarm, ts, value);
            }
            MeasurementKind::LatitudeDeg | MeasurementKind::LongitudeDeg => {
                let slot = if kind == MeasurementKind::LatitudeDeg { &mut self.latitude } else { &mut self.longitude };
                if Latest::take(slot, ts, value) {
                    self.pair_position();
                }
            }
            MeasurementKind::RssiDbm => {
                Latest::take(&mut self.rssi_dbm, ts, value);
            }
            MeasurementKind::SnrDb => {
                Latest::take(&mut self.snr_db, ts, value);
            }
            MeasurementKind::QualityPercent => {
                Latest::take(&mut self.quality_pct, ts, value);
            }
            _ => {}
        }
    }

    /// A latitude and a longitude of the same instant make a position; until the other half
    /// of a pair arrives (the next reading of the frame), the previous position stands, and a
    /// half whose other half was rejected moves nothing.
    fn pair_position(&mut self) {
        if let (Some(lat), Some(lon)) = (self.latitude, self.longitude) {
            if lat.at == lon.at && self.position.is_none_or(|(_, _, at)| lat.at >= at) {
                self.position = Some((lat.value, lon.value, lat.at));
            }
        }
    }

    /// The container's latest position (latitude, longitude).
    pub fn position(&self) -> Option<(f64, f64)> {
        self.position.map(|(lat, lon, _)| (lat, lon))
    }

    /// Distance from its site's centre, when both are known.
    pub fn distance_from_site_m(&self, info: &ContainerInfo) -> Option<f64> {
        let (lat, lon) = self.position()?;
        Some(info.geofence?.distance_m(lat, lon))
    }

    /// Fill rate since the last collection, in points per hour (None until 10 minutes apart).
    pub fn fill_rate_per_hour(&self) -> Option<f64> {
        let (base, base_at) = self.base?;
        let fill = self.fill_pct?;
        let hours = millis_of(self.fill_at - base_at) as f64 / 3_600_000.0;
        (hours >= 1.0 / 6.0).then(|| (fill - base) / hours)
    }

    /// Forecast seconds until the overflow threshold (0 when at or above it).
    pub fn seconds_to_full(&self, info: &ContainerInfo) -> Option<f64> {
        let fill = self.fill_pct?;
        if fill >= info.overflow_threshold_pct {
            return Some(0.0);
        }
        let rate = self.fill_rate_per_hour().filter(|r| *r > 0.0)?;
        Some((info.overflow_threshold_pct - fill) / rate * 3600.0)
    }

    pub fn anomaly_score(&self) -> f64 {
        self.detector.score()
    }

    /// How long after its latest reading a container is silent, in milliseconds (fractional:
    /// `live.silent_factor` times the expected interval).
    fn silent_after_ms(info: &ContainerInfo, p: &LiveParams) -> f64 {
        p.silent_factor * millis_of(info.expected_interval) as f64
    }

    /// Whether each rule holds at `now` (a reading's time, or the wall clock in a sweep),
    /// with the value behind it; `wall` is the wall clock, `lid_clock` the time the lid rule
    /// is judged at (see [`ContainerState::sweep`]).
    fn conditions(
        &self,
        now: Timestamp,
        wall: Timestamp,
        lid_clock: Timestamp,
        info: &ContainerInfo,
        p: &LiveParams,
    ) -> [(EventKind, bool, f64); EventKind::ALL.len()] {
        let fill = self.fill_pct.unwrap_or(0.0);
        let to_full = self.seconds_to_full(info);
        // A reading from the allowed future (validation.max_future) is newer than now: silent
        // for no time, not for a negative one.
        let silent_for = self.last_seen.map(|s| millis_of(now - s).max(0) as f64 / 1000.0);
        let quiet = self.last_arrival.is_none_or(|a| millis_of(wall - a) as f64 > Self::silent_after_ms(info, p));
        let temp = self.temperature_c.unwrap_or(f64::MIN);
        let is_open = |k| self.open.contains(&k);
        let score = self.anomaly_score();
        // The load cell's current load. A collection's weighing above `max_load_kg` is not a
        // live condition (the load is on its way): it is an implausible weighing, named by the
        // view `implausible_weighings` and in the register (docs/kpis.md, "Plausibility").
        let load = Latest::value(self.load_kg);
        let tilt = Latest::value(self.tilt_deg);
        let lid_open = self.lid_open_since.map(|s| (lid_clock - s).max(SignedDuration::ZERO));
        let distance = self.distance_from_site_m(info);
        [
            (EventKind::Overflow, fill >= info.overflow_threshold_pct, fill),
            (
                EventKind::OverflowPredicted,
                fill < info.overflow_threshold_pct
                    && to_full.is_some_and(|s| s * 1000.0 <= millis_of(p.overflow_lead) as f64),
                to_full.unwrap_or(f64::INFINITY),
            ),
            (
                EventKind::EmptiedWithoutCollection,
                self.unexplained_drop.is_some(),
                self.unexplained_drop.unwrap_or(0.0),
            ),
            (EventKind::Overload, load.is_some_and(|m| m > info.max_load_kg), load.unwrap_or(0.0)),
            (
                EventKind::FireRisk,
                // Hysteresis: once open, it closes only 5 degrees below the threshold.
                temp >= p.fire_temp_c - if is_open(EventKind::FireRisk) { 5.0 } else { 0.0 }
                    || self.temp_rise_c_per_min >= p.fire_rise_c_per_min,
                temp,
            ),
            (
                EventKind::SensorSilent,
                quiet && silent_for.is_some_and(|s| s * 1000.0 > Self::silent_after_ms(info, p)),
                silent_for.unwrap_or(0.0),
            ),
            (
                EventKind::BatteryLow,
                self.battery_pct
                    .is_some_and(|b| b < p.battery_low_pct + if is_open(EventKind::BatteryLow) { 5.0 } else { 0.0 }),
                self.battery_pct.unwrap_or(100.0),
            ),
            (
                EventKind::Anomaly,
                score >= p.anomaly_threshold * if is_open(EventKind::Anomaly) { 0.5 } else { 1.0 },
                score,
            ),
            // The device's own alarm: open while it is raised, from the reading that raised it.
            (EventKind::DeviceFireAlarm, self.fire_alarm.is_some_and(|a| a.value >= 0.5), 1.0),
            (
                EventKind::OutOfPosition,
                // Hysteresis: once open, it closes only 10 degrees below the limit.
                tilt.is_some_and(|t| t > p.tilt_max_deg - if is_open(EventKind::OutOfPosition) { 10.0 } else { 0.0 }),
                tilt.unwrap_or(0.0),
            ),
            (
                EventKind::OutsideGeofence,
                // Hysteresis: once open, it closes only back within 90 % of the radius (GPS
                // positions jitter by metres to tens of metres).
                distance
                    .zip(info.geofence)
                    .is_some_and(|(d, g)| d > g.radius_m * if is_open(EventKind::OutsideGeofence) { 0.9 } else { 1.0 }),
                distance.unwrap_or(0.0),
            ),
            (
                EventKind::LidOpen,
                lid_open.is_some_and(|d| d >= p.lid_open_max),
                lid_open.map_or(0, millis_of) as f64 / 1000.0,
            ),
        ]
    }

    /// Opens the events whose condition started to hold at `now` (a reading's time) and
    /// closes those that stopped (`wall`: the wall clock). An event opens or closes at
    /// `now`, except a silent sensor, which opens when it became silent (its latest reading
    /// plus the silent time), and a lid left open, which opens when it had been open
    /// `live.lid_open_max` — whenever that is noticed.
    pub fn evaluate(
        &mut self,
        now: Timestamp,
        wall: Timestamp,
        info: &ContainerInfo,
        p: &LiveParams,
    ) -> Vec<Transition> {
        self.transitions(now, wall, now, None, info, p)
    }

    /// Before a reading at `ts` is applied: whether the lid had been open too long by then.
    /// The reading may be the one that closes the lid, and a lid closed after two hours open
    /// was still left open, even when both readings arrive in one backlog.
    pub fn evaluate_before(
        &mut self,
        ts: Timestamp,
        wall: Timestamp,
        info: &ContainerInfo,
        p: &LiveParams,
    ) -> Vec<Transition> {
        // Nothing to judge, the usual case, without building the rules: no lid open, or its
        // event open already.
        if self.lid_open_since.is_none() || self.open.contains(&EventKind::LidOpen) {
            return Vec::new();
        }
        self.transitions(ts, wall, ts, Some(EventKind::LidOpen), info, p)
    }

    /// On the wall clock, between readings: what time alone changes. A silent sensor is judged
    /// at `wall`; a lid only up to the container's latest reading, because a reading that
    /// closed it may still be on its way: a lid left open is noticed at the container's next
    /// reading of any kind (its sensors report every `expected_interval`), and the event opens
    /// at the moment the limit passed, whichever instance notices it and when.
    pub fn sweep(&mut self, wall: Timestamp, info: &ContainerInfo, p: &LiveParams) -> Vec<Transition> {
        let lid_clock = self.last_seen.map_or(wall, |s| s.min(wall));
        self.transitions(wall, wall, lid_clock, None, info, p)
    }

    fn transitions(
        &mut self,
        now: Timestamp,
        wall: Timestamp,
        lid_clock: Timestamp,
        only: Option<EventKind>,
        info: &ContainerInfo,
        p: &LiveParams,
    ) -> Vec<Transition> {
        let mut out = Vec::new();
        for (kind, holds, value) in self.conditions(now, wall, lid_clock, info, p) {
            if only.is_some_and(|o| o != kind) {
                continue;
            }
            let open = self.open.contains(&kind);
            if holds {
                self.clearing.remove(&kind);
            }
            if holds == open {
                continue;
            }
            let at = if holds {
                self.open.insert(kind);
                match (kind, self.last_seen, self.lid_open_since) {
                    (EventKind::SensorSilent, Some(seen), _) => {
                        seen + SignedDuration::from_millis(Self::silent_after_ms(info, p) as i64)
                    }
                    (EventKind::LidOpen, _, Some(since)) => since + p.lid_open_max,
                    _ => now,
                }
            } else {
                // Closes once the condition has stayed false for its kind's time, judged by
                // the container's readings (`lid_clock`: the reading's time, or in a sweep the
                // latest reading's), at the moment it stopped.
                // A recorded collection is no flicker: what the fill raised closes at once.
                let collected = self.fill_pct == Some(0.0) && self.base.is_none();
                let fill_rule = matches!(kind, EventKind::Overflow | EventKind::OverflowPredicted | EventKind::Anomaly);
                let hold = if collected && fill_rule { SignedDuration::ZERO } else { kind.close_after() };
                let since = if hold.is_zero() { now } else { *self.clearing.entry(kind).or_insert(lid_clock) };
                if lid_clock - since < hold {
                    continue;
                }
                self.clearing.remove(&kind);
                self.open.remove(&kind);
                since
            };
            out.push(Transition { kind, open: holds, at, value });
        }
        out
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod deployed_tests;
#[cfg(test)]
mod recent_weighings_tests;
