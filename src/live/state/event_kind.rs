//! The kinds of live event, with the unit of their value and how long a condition must have
//! stopped before its event closes.

use crate::calendar::SignedDuration;
use serde::{Deserialize, Serialize};

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
    DeviceFireAlarm,
    OutOfPosition,
    OutsideGeofence,
    LidOpen,
}

impl EventKind {
    pub const ALL: [EventKind; 12] = [
        Self::Overflow,
        Self::OverflowPredicted,
        Self::EmptiedWithoutCollection,
        Self::Overload,
        Self::FireRisk,
        Self::SensorSilent,
        Self::BatteryLow,
        Self::Anomaly,
        Self::DeviceFireAlarm,
        Self::OutOfPosition,
        Self::OutsideGeofence,
        Self::LidOpen,
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
            Self::DeviceFireAlarm => "device_fire_alarm",
            Self::OutOfPosition => "out_of_position",
            Self::OutsideGeofence => "outside_geofence",
            Self::LidOpen => "lid_open",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        Self::ALL.into_iter().find(|k| k.name() == s)
    }

    /// The unit of the event's value (`events.open_value` and `close_value`), as the log and
    /// the view `recent_events` (`value_unit`) write it.
    pub fn unit(self) -> &'static str {
        match self {
            Self::Overflow | Self::BatteryLow => "%",
            // Points of fill lost without a recorded collection.
            Self::EmptiedWithoutCollection => "% points",
            // Seconds to the overflow threshold; seconds without a reading; seconds open.
            Self::OverflowPredicted | Self::SensorSilent | Self::LidOpen => "s",
            Self::Overload => "kg",
            Self::FireRisk => "°C",
            // Standard deviations of the fill increment from its expected value.
            Self::Anomaly => "σ",
            Self::DeviceFireAlarm => "1 = raised",
            Self::OutOfPosition => "°",
            Self::OutsideGeofence => "m",
        }
    }

    /// How long the condition of an open event must have stopped holding, by the container's
    /// readings, before the event closes (docs/operations.md, "Events"): a condition that
    /// flickers with noisy readings stays one event. The event closes at the moment the
    /// condition stopped holding. Zero for the kinds whose own rule decides (a reading, a
    /// collection, the device's alarm) or whose value has a hysteresis that is enough.
    pub fn close_after(self) -> SignedDuration {
        match self {
            Self::Overflow | Self::Overload | Self::OutOfPosition | Self::OutsideGeofence => {
                SignedDuration::from_mins(10)
            }
            Self::FireRisk => SignedDuration::from_mins(30),
            Self::OverflowPredicted | Self::Anomaly => SignedDuration::from_hours(1),
            Self::EmptiedWithoutCollection
            | Self::SensorSilent
            | Self::BatteryLow
            | Self::DeviceFireAlarm
            | Self::LidOpen => SignedDuration::ZERO,
        }
    }
}
