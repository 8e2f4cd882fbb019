//! The kind of a measurement: one enum, from which the stored number, the name, the plausible
//! range and the SQL used by queries are all derived.
//!
//! The number is the wire variant index and the `kind` column of `readings`: append only,
//! never renumber. `docs/wire-format.md` documents the same table; a test keeps them equal.

/// The kind of a measurement, as stored in the `kind` column of `readings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(i16)]
pub enum MeasurementKind {
    FillLevel = 0,
    NetMassKg = 1,
    Emptied = 2,
    TemperatureC = 3,
    BatteryPercent = 4,
    LoadKg = 5,
    LidOpen = 6,
    TiltDeg = 7,
    FireAlarm = 8,
    LatitudeDeg = 9,
    LongitudeDeg = 10,
    RssiDbm = 11,
    SnrDb = 12,
    QualityPercent = 13,
}

impl MeasurementKind {
    /// Every kind, in number order.
    pub const ALL: [MeasurementKind; 14] = [
        Self::FillLevel,
        Self::NetMassKg,
        Self::Emptied,
        Self::TemperatureC,
        Self::BatteryPercent,
        Self::LoadKg,
        Self::LidOpen,
        Self::TiltDeg,
        Self::FireAlarm,
        Self::LatitudeDeg,
        Self::LongitudeDeg,
        Self::RssiDbm,
        Self::SnrDb,
        Self::QualityPercent,
    ];

    /// The number stored in `readings.kind` (and the wire variant index).
    pub const fn number(self) -> i16 {
        self as i16
    }

    /// The kind stored as `number`, if this build knows it.
    pub fn from_number(number: i16) -> Option<MeasurementKind> {
        Self::ALL.into_iter().find(|k| k.number() == number)
    }

    /// Stable lower-case name, used in logs, JSON summaries and reason details.
    pub fn name(self) -> &'static str {
        match self {
            Self::FillLevel => "fill_level",
            Self::NetMassKg => "net_mass_kg",
            Self::Emptied => "emptied",
            Self::TemperatureC => "temperature_c",
            Self::BatteryPercent => "battery_percent",
            Self::LoadKg => "load_kg",
            Self::LidOpen => "lid_open",
            Self::TiltDeg => "tilt_deg",
            Self::FireAlarm => "fire_alarm",
            Self::LatitudeDeg => "latitude_deg",
            Self::LongitudeDeg => "longitude_deg",
            Self::RssiDbm => "rssi_dbm",
            Self::SnrDb => "snr_db",
            Self::QualityPercent => "quality_percent",
        }
    }

    /// The variant's name in the wire format (`FillLevel`...), as documented.
    pub fn wire_name(self) -> &'static str {
        match self {
            Self::FillLevel => "FillLevel",
            Self::NetMassKg => "NetMassKg",
            Self::Emptied => "Emptied",
            Self::TemperatureC => "TemperatureC",
            Self::BatteryPercent => "BatteryPercent",
            Self::LoadKg => "LoadKg",
            Self::LidOpen => "LidOpen",
            Self::TiltDeg => "TiltDeg",
            Self::FireAlarm => "FireAlarm",
            Self::LatitudeDeg => "LatitudeDeg",
            Self::LongitudeDeg => "LongitudeDeg",
            Self::RssiDbm => "RssiDbm",
            Self::SnrDb => "SnrDb",
            Self::QualityPercent => "QualityPercent",
        }
    }

    /// Plausible range of the value, in the kind's unit; `None` for a kind without a value.
    /// A flag (`LidOpen`, `FireAlarm`) is 0 or 1: a bool on the wire, so nothing else decodes.
    pub fn range(self) -> Option<(f32, f32)> {
        match self {
            Self::FillLevel => Some((0.0, 150.0)),
            Self::NetMassKg | Self::LoadKg => Some((0.0, 60_000.0)),
            Self::Emptied => None,
            Self::TemperatureC => Some((-50.0, 400.0)),
            Self::BatteryPercent | Self::QualityPercent => Some((0.0, 100.0)),
            Self::LidOpen | Self::FireAlarm => Some((0.0, 1.0)),
            Self::TiltDeg => Some((0.0, 180.0)),
            Self::LatitudeDeg => Some((-90.0, 90.0)),
            Self::LongitudeDeg => Some((-180.0, 180.0)),
            Self::RssiDbm => Some((-200.0, 0.0)),
            Self::SnrDb => Some((-50.0, 50.0)),
        }
    }

    /// How many stored units make one unit of the kind: `readings.value_milli` holds the value
    /// times this, rounded. Thousandths (grams for masses) for every kind but the coordinates,
    /// which are kept in millionths of a degree (about 0.1 m; a thousandth would be 111 m,
    /// too coarse for a geofence, and an f32 carries no more than a millionth anyway).
    pub const fn stored_per_unit(self) -> f64 {
        match self {
            Self::LatitudeDeg | Self::LongitudeDeg => 1_000_000.0,
            _ => 1000.0,
        }
    }

    /// The stored integer for `value` in the kind's unit.
    pub fn to_stored(self, value: f64) -> i64 {
        (value * self.stored_per_unit()).round() as i64
    }

    /// The value in the kind's unit for a stored integer.
    pub fn from_stored(self, stored: i64) -> f64 {
        stored as f64 / self.stored_per_unit()
    }

    /// A SQL list of the numbers of `kinds`, for `kind IN (...)` in queries.
    pub fn sql_list(kinds: &[MeasurementKind]) -> String {
        kinds.iter().map(|k| k.number().to_string()).collect::<Vec<_>>().join(", ")
    }
}

impl std::fmt::Display for MeasurementKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_dense_and_round_trip() {
        for (i, k) in MeasurementKind::ALL.into_iter().enumerate() {
            assert_eq!(k.number(), i as i16, "{k}: numbers follow the wire variant index");
            assert_eq!(MeasurementKind::from_number(k.number()), Some(k));
        }
        assert_eq!(MeasurementKind::from_number(MeasurementKind::ALL.len() as i16), None);
        assert_eq!(MeasurementKind::sql_list(&[MeasurementKind::FillLevel, MeasurementKind::Emptied]), "0, 2");
    }

    #[test]
    fn coordinates_are_stored_in_millionths_and_the_rest_in_thousandths() {
        // 50.4312 degrees north (Liévin) as an f32 is 50.43119812011719 (an f32 near 50 has a
        // step of 3.8e-6 degree, 0.4 m): 50,431,198.12 millionths, stored as 50,431,198.
        assert_eq!(MeasurementKind::LatitudeDeg.to_stored(f64::from(50.4312f32)), 50_431_198);
        assert_eq!(MeasurementKind::LongitudeDeg.from_stored(2_784_000), 2.784);
        assert_eq!(MeasurementKind::LoadKg.to_stored(1234.5), 1_234_500);
        assert_eq!(MeasurementKind::RssiDbm.to_stored(-117.25), -117_250);
        for k in MeasurementKind::ALL {
            assert_eq!(k.from_stored(k.to_stored(12.5)), 12.5, "{k}");
        }
    }
}
