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
}

impl MeasurementKind {
    /// Every kind, in number order.
    pub const ALL: [MeasurementKind; 5] =
        [Self::FillLevel, Self::NetMassKg, Self::Emptied, Self::TemperatureC, Self::BatteryPercent];

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
        }
    }

    /// Plausible range of the value, in the kind's unit; `None` for a kind without a value.
    pub fn range(self) -> Option<(f32, f32)> {
        match self {
            Self::FillLevel => Some((0.0, 150.0)),
            Self::NetMassKg => Some((0.0, 60_000.0)),
            Self::Emptied => None,
            Self::TemperatureC => Some((-50.0, 400.0)),
            Self::BatteryPercent => Some((0.0, 100.0)),
        }
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
}
