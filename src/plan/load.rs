//! The mass a container is expected to hold at its pick-up, and what that forecast rests on:
//! the mass per point of fill of its latest weighings (the mass weighed at a collection over
//! the fill read just before it), scaled to the fill forecast at the pick-up; without a
//! weighing, the registry's largest load (`max_load_kg`) times the fill. Never more than
//! `max_load_kg`, what the container may carry.

/// The latest weighings a forecast reads.
pub const WEIGHINGS_READ: usize = 3;

/// One past collection: the mass weighed and the container's fill at the latest fill reading
/// before the weighing (the level it was emptied at).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weighing {
    pub kg: f64,
    pub fill_pct: f64,
}

/// What an expected mass is reckoned from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MassBasis {
    /// The latest `count` weighings (at most [`WEIGHINGS_READ`]): their mass over their fill,
    /// `sum(kg) / sum(fill_pct)`, kg per point of fill.
    Weighings { kg_per_pct: f64, count: usize },
    /// No usable weighing: `max_load_kg` for a full container (conservative).
    MaxLoad,
}

impl MassBasis {
    /// Its name as the plan shows it: `weighings` or `max_load`.
    pub fn name(&self) -> &'static str {
        match self {
            MassBasis::Weighings { .. } => "weighings",
            MassBasis::MaxLoad => "max_load",
        }
    }
}

/// A container's expected mass at a given fill.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExpectedMass {
    pub basis: MassBasis,
    /// The registry's largest load, kg: the cap, and the basis without weighings.
    pub max_load_kg: f64,
}

impl ExpectedMass {
    /// From the container's weighings, latest first (only the first [`WEIGHINGS_READ`] with a
    /// fill above 0 and a finite, non-negative mass count), and its largest load.
    pub fn new(weighings: &[Weighing], max_load_kg: f64) -> ExpectedMass {
        let usable: Vec<&Weighing> = weighings
            .iter()
            .filter(|w| w.kg.is_finite() && w.kg >= 0.0 && w.fill_pct.is_finite() && w.fill_pct > 0.0)
            .take(WEIGHINGS_READ)
            .collect();
        let fill: f64 = usable.iter().map(|w| w.fill_pct).sum();
        let basis = if usable.is_empty() {
            MassBasis::MaxLoad
        } else {
            MassBasis::Weighings { kg_per_pct: usable.iter().map(|w| w.kg).sum::<f64>() / fill, count: usable.len() }
        };
        ExpectedMass { basis, max_load_kg }
    }

    /// Without weighings: `max_load_kg` for a full container.
    pub fn max_load(max_load_kg: f64) -> ExpectedMass {
        ExpectedMass { basis: MassBasis::MaxLoad, max_load_kg }
    }

    /// Expected mass at `fill_pct`, kg, at most `max_load_kg`.
    pub fn kg_at(&self, fill_pct: f64) -> f64 {
        let kg = match self.basis {
            MassBasis::Weighings { kg_per_pct, .. } => kg_per_pct * fill_pct,
            MassBasis::MaxLoad => self.max_load_kg * fill_pct / 100.0,
        };
        kg.min(self.max_load_kg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_weighings_scale_to_the_fill_at_pick_up() {
        // ml-scrap-1 (8 m3, max_load 12,000 kg): weighed 4,670 kg at 72 % and 5,000 kg at
        // 78 %: (4,670 + 5,000) / (72 + 78) = 64.47 kg a point. At 87.6 %: 5,647.4 kg, where
        // max_load x fill gives 12,000 x 0.876 = 10,512 kg.
        let w = [Weighing { kg: 4670.0, fill_pct: 72.0 }, Weighing { kg: 5000.0, fill_pct: 78.0 }];
        let m = ExpectedMass::new(&w, 12_000.0);
        assert_eq!(m.basis, MassBasis::Weighings { kg_per_pct: 9670.0 / 150.0, count: 2 });
        assert!((m.kg_at(87.6) - 9670.0 / 150.0 * 87.6).abs() < 1e-9, "{}", m.kg_at(87.6));
        assert!((ExpectedMass::max_load(12_000.0).kg_at(87.6) - 10_512.0).abs() < 1e-9);
    }

    #[test]
    fn only_the_latest_usable_weighings_count_and_the_load_is_capped() {
        // Latest first: a weighing at 0 % fill is skipped; the fourth usable one is not read.
        let w = [
            Weighing { kg: 500.0, fill_pct: 0.0 },
            Weighing { kg: 100.0, fill_pct: 50.0 },
            Weighing { kg: 300.0, fill_pct: 50.0 },
            Weighing { kg: 200.0, fill_pct: 50.0 },
            Weighing { kg: 9000.0, fill_pct: 50.0 },
        ];
        let m = ExpectedMass::new(&w, 1000.0);
        assert_eq!(m.basis, MassBasis::Weighings { kg_per_pct: 4.0, count: 3 });
        // 4 kg a point: 400 kg at 100 %; at 300 % (impossible) still capped at 1000 kg.
        assert_eq!((m.kg_at(100.0), m.kg_at(300.0)), (400.0, 1000.0));
        let none = ExpectedMass::new(&[Weighing { kg: f64::NAN, fill_pct: 80.0 }], 1000.0);
        assert_eq!((none.basis, none.basis.name(), none.kg_at(50.0)), (MassBasis::MaxLoad, "max_load", 500.0));
    }
}
