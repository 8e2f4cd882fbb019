//! Live state of one container and the event rules, as pure functions of the readings seen.
//!
//! Readings are applied in the order they were committed (sorted by time within a batch); a
//! reading older than the latest one of its kind is ignored here (it is stored, and counted
//! in the rollups, but does not move the live state back in time).

use super::detector::{Detector, DetectorParams};
use crate::config::LiveSettings;
use crate::wire::MeasurementKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Event rules' parameters (from `[live]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiveParams {
    /// Open "overflow predicted" when the forecast time to full is below this (ms).
    pub overflow_lead_ms: i64,
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
}

impl From<&LiveSettings> for LiveParams {
    /// The rules' parameters from the `[live]` section.
    fn from(s: &LiveSettings) -> LiveParams {
        LiveParams {
            overflow_lead_ms: s.overflow_lead_time.as_millis() as i64,
            silent_factor: s.silent_factor,
            battery_low_pct: s.battery_low_pct,
            fire_temp_c: s.fire_temperature_c,
            fire_rise_c_per_min: s.fire_rise_c_per_min,
            emptied_drop_pct: s.emptied_drop_pct,
            anomaly_threshold: s.anomaly_threshold,
            detector: DetectorParams { alpha: s.anomaly_alpha, warmup: s.anomaly_warmup, min_std: s.anomaly_min_std },
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
    pub expected_interval_ms: i64,
}

/// Kinds of event, as stored in `events.kind` and used as the metric label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Overflow,
    OverflowPredicted,
    EmptiedWithoutCollection,
    Overload,
    FireRisk,
    SensorSilent,
    BatteryLow,
    Anomaly,
}

impl EventKind {
    pub const ALL: [EventKind; 8] = [
        Self::Overflow,
        Self::OverflowPredicted,
        Self::EmptiedWithoutCollection,
        Self::Overload,
        Self::FireRisk,
        Self::SensorSilent,
        Self::BatteryLow,
        Self::Anomaly,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Overflow => "overflow",
            Self::OverflowPredicted => "overflow_predicted",
            Self::EmptiedWithoutCollection => "emptied_without_collection",
            Self::Overload => "overload",
            Self::FireRisk => "fire_risk",
            Self::SensorSilent => "sensor_silent",
            Self::BatteryLow => "battery_low",
            Self::Anomaly => "anomaly",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        Self::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// An event opening or closing.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub kind: EventKind,
    pub open: bool,
    pub at_ms: i64,
    /// The value that triggered it (fill %, kg, degrees, seconds, score...).
    pub value: f64,
}

/// Live state of one container: stored whole in `container_live.state` between two folds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContainerState {
    pub fill_pct: Option<f64>,
    pub fill_ms: i64,
    /// First fill reading since the last collection, for the fill rate.
    base: Option<(f64, i64)>,
    pub last_seen_ms: Option<i64>,
    pub battery_pct: Option<f64>,
    battery_ms: i64,
    pub temperature_c: Option<f64>,
    temperature_ms: i64,
    temp_rise_c_per_min: f64,
    pub last_mass_kg: Option<f64>,
    mass_ms: i64,
    unexplained_drop: Option<f64>,
    detector: Detector,
    /// Events currently open.
    pub open: BTreeSet<EventKind>,
    /// Wall-clock time its latest reading was folded: a sensor is silent only once nothing
    /// has arrived for the silent time either, so a backlog replayed after an outage does not
    /// open (and at once close) a silent event for every container.
    pub last_arrival_ms: Option<i64>,
}

const MINUTE_MS: f64 = 60_000.0;

impl ContainerState {
    /// Applies one stored reading (`value` in its unit: %, kg, degrees).
    pub fn apply(&mut self, kind: MeasurementKind, ts_ms: i64, value: f64, p: &LiveParams) {
        self.last_seen_ms = Some(self.last_seen_ms.map_or(ts_ms, |s| s.max(ts_ms)));
        match kind {
            MeasurementKind::FillLevel if ts_ms >= self.fill_ms => {
                if let Some(prev) = self.fill_pct {
                    if prev - value >= p.emptied_drop_pct {
                        self.unexplained_drop = Some(prev - value);
                        self.detector.reset();
                        self.base = None;
                    }
                }
                self.fill_pct = Some(value);
                self.fill_ms = ts_ms;
                self.base.get_or_insert((value, ts_ms));
                self.detector.observe(value, &p.detector);
            }
            MeasurementKind::Emptied if ts_ms >= self.fill_ms => {
                // A recorded collection: the fill curve starts again.
                self.fill_pct = Some(0.0);
                self.fill_ms = ts_ms;
                self.base = None;
                self.unexplained_drop = None;
                self.last_mass_kg = None;
                self.detector.reset();
            }
            MeasurementKind::NetMassKg if ts_ms >= self.mass_ms => {
                self.last_mass_kg = Some(value);
                self.mass_ms = ts_ms;
            }
            MeasurementKind::TemperatureC if ts_ms >= self.temperature_ms => {
                if let Some(prev) = self.temperature_c {
                    let minutes = (ts_ms - self.temperature_ms) as f64 / MINUTE_MS;
                    self.temp_rise_c_per_min = if minutes > 0.0 { (value - prev) / minutes } else { 0.0 };
                }
                self.temperature_c = Some(value);
                self.temperature_ms = ts_ms;
            }
            MeasurementKind::BatteryPercent if ts_ms >= self.battery_ms => {
                self.battery_pct = Some(value);
                self.battery_ms = ts_ms;
            }
            _ => {}
        }
    }

    /// Fill rate since the last collection, in points per hour (None until 10 minutes apart).
    pub fn fill_rate_per_hour(&self) -> Option<f64> {
        let (base, base_ms) = self.base?;
        let fill = self.fill_pct?;
        let hours = (self.fill_ms - base_ms) as f64 / 3_600_000.0;
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

    /// How long after its latest reading a container is silent.
    fn silent_after_ms(info: &ContainerInfo, p: &LiveParams) -> f64 {
        p.silent_factor * info.expected_interval_ms as f64
    }

    /// Whether each rule holds at `now_ms` (a reading's time, or the wall clock in a sweep),
    /// with the value behind it; `wall_ms` is the wall clock.
    fn conditions(
        &self,
        now_ms: i64,
        wall_ms: i64,
        info: &ContainerInfo,
        p: &LiveParams,
    ) -> Vec<(EventKind, bool, f64)> {
        let fill = self.fill_pct.unwrap_or(0.0);
        let to_full = self.seconds_to_full(info);
        // A reading from the allowed future (validation.max_future) is newer than now: silent
        // for no time, not for a negative one.
        let silent_for = self.last_seen_ms.map(|s| (now_ms - s).max(0) as f64 / 1000.0);
        let quiet = self.last_arrival_ms.is_none_or(|a| (wall_ms - a) as f64 > Self::silent_after_ms(info, p));
        let temp = self.temperature_c.unwrap_or(f64::MIN);
        let fire_open = self.open.contains(&EventKind::FireRisk);
        let battery_open = self.open.contains(&EventKind::BatteryLow);
        let anomaly_open = self.open.contains(&EventKind::Anomaly);
        let score = self.anomaly_score();
        vec![
            (EventKind::Overflow, fill >= info.overflow_threshold_pct, fill),
            (
                EventKind::OverflowPredicted,
                fill < info.overflow_threshold_pct && to_full.is_some_and(|s| s * 1000.0 <= p.overflow_lead_ms as f64),
                to_full.unwrap_or(f64::INFINITY),
            ),
            (
                EventKind::EmptiedWithoutCollection,
                self.unexplained_drop.is_some(),
                self.unexplained_drop.unwrap_or(0.0),
            ),
            (
                EventKind::Overload,
                self.last_mass_kg.is_some_and(|m| m > info.max_load_kg),
                self.last_mass_kg.unwrap_or(0.0),
            ),
            (
                EventKind::FireRisk,
                // Hysteresis: once open, it closes only 5 degrees below the threshold.
                temp >= p.fire_temp_c - if fire_open { 5.0 } else { 0.0 }
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
                self.battery_pct.is_some_and(|b| b < p.battery_low_pct + if battery_open { 5.0 } else { 0.0 }),
                self.battery_pct.unwrap_or(100.0),
            ),
            (EventKind::Anomaly, score >= p.anomaly_threshold * if anomaly_open { 0.5 } else { 1.0 }, score),
        ]
    }

    /// Opens the events whose condition started to hold at `now_ms` and closes those that
    /// stopped (`wall_ms`: the wall clock). An event opens or closes at `now_ms`, except a
    /// silent sensor, which opens when it became silent (its latest reading plus the silent
    /// time), whenever that is noticed.
    pub fn evaluate(&mut self, now_ms: i64, wall_ms: i64, info: &ContainerInfo, p: &LiveParams) -> Vec<Transition> {
        let mut out = Vec::new();
        for (kind, holds, value) in self.conditions(now_ms, wall_ms, info, p) {
            let open = self.open.contains(&kind);
            if holds != open {
                if holds {
                    self.open.insert(kind);
                } else {
                    self.open.remove(&kind);
                }
                let at_ms = match (kind, holds, self.last_seen_ms) {
                    (EventKind::SensorSilent, true, Some(seen)) => seen + Self::silent_after_ms(info, p) as i64,
                    _ => now_ms,
                };
                out.push(Transition { kind, open: holds, at_ms, value });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
