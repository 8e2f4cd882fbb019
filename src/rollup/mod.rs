//! Rollup deltas: what a set of newly stored readings adds to the rollups at 1 minute, 1 hour
//! and 1 day.
//!
//! Pure arithmetic on integers (grams, thousandths of a percent), so merging deltas is exact,
//! associative and commutative: deltas computed by several batches or several daemon
//! instances, applied in any order, give the rollup of the union. Never feed it readings that
//! were not actually inserted (that would count a duplicate twice).

use crate::calendar::{millis_of, SignedDuration, Timestamp};
use crate::wire::MeasurementKind;
use crate::wire::ValidReading;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A rollup level: its table suffix and bucket width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    /// Table suffix: `flow_rollup_<suffix>`, `container_rollup_<suffix>`.
    pub suffix: &'static str,
    pub width: SignedDuration,
    /// The same width as a PostgreSQL interval literal.
    pub interval: &'static str,
    /// Whether the store also adds this level's deltas to the rollups by local period of the
    /// zone's time zone (`flow_rollup_local`, `container_rollup_local_1d`; migration 21), in
    /// the same statements: the hourly level, as a UTC hour lies in one local day.
    pub feeds_local_periods: bool,
}

/// The rollup levels, finest first. Buckets are aligned on the Unix epoch (UTC days).
pub const LEVELS: [Level; 3] = [
    Level { suffix: "1m", width: SignedDuration::from_secs(60), interval: "1 minute", feeds_local_periods: false },
    Level { suffix: "1h", width: SignedDuration::from_secs(3_600), interval: "1 hour", feeds_local_periods: true },
    Level { suffix: "1d", width: SignedDuration::from_secs(86_400), interval: "1 day", feeds_local_periods: false },
];

/// Key of the material-flow rollup: a classification (company, site, waste, treatment,
/// destination, as they were when the reading was taken), per bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FlowKey {
    /// The bucket's start.
    pub bucket: Timestamp,
    /// `classifications.id`.
    pub classification: i32,
}

/// Mass weighed and number of weighings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FlowAgg {
    pub mass_g: i64,
    pub weighings: i64,
}

/// Key of the container rollup, per bucket.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FillKey {
    /// The bucket's start.
    pub bucket: Timestamp,
    pub container: Arc<str>,
    pub company: Arc<str>,
}

/// Fill statistics (thousandths of a percent) and collections (emptyings) seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FillAgg {
    pub fill_min: i64,
    pub fill_max: i64,
    pub fill_sum: i64,
    pub fill_count: i64,
    pub emptied: i64,
}

impl Default for FillAgg {
    fn default() -> Self {
        Self { fill_min: i64::MAX, fill_max: i64::MIN, fill_sum: 0, fill_count: 0, emptied: 0 }
    }
}

impl FillAgg {
    fn merge(&mut self, v: &FillAgg) {
        self.fill_min = self.fill_min.min(v.fill_min);
        self.fill_max = self.fill_max.max(v.fill_max);
        self.fill_sum += v.fill_sum;
        self.fill_count += v.fill_count;
        self.emptied += v.emptied;
    }
}

/// The rollup contribution of a set of readings, per level (index into [`LEVELS`]). Sorted
/// maps, so upserts reach the database in one key order and concurrent writers cannot
/// deadlock on each other.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Deltas {
    pub flows: [BTreeMap<FlowKey, FlowAgg>; 3],
    pub fills: [BTreeMap<FillKey, FillAgg>; 3],
}

/// Floors a timestamp to its bucket of the given width (buckets aligned on the Unix epoch).
pub fn bucket(ts: Timestamp, width: SignedDuration) -> Timestamp {
    let width_ms = millis_of(width);
    Timestamp::from_millis(ts.as_millis().div_euclid(width_ms) * width_ms)
}

impl Deltas {
    /// The deltas of a set of readings.
    pub fn of<'a>(readings: impl IntoIterator<Item = &'a ValidReading>) -> Deltas {
        let mut d = Deltas::default();
        for r in readings {
            d.add(r);
        }
        d
    }

    /// Adds one reading to every level.
    pub fn add(&mut self, r: &ValidReading) {
        let mass = r.kind == MeasurementKind::NetMassKg;
        let fill = r.kind == MeasurementKind::FillLevel;
        let emptied = r.kind == MeasurementKind::Emptied;
        for (i, level) in LEVELS.iter().enumerate() {
            let bucket = bucket(r.ts, level.width);
            if mass {
                let key = FlowKey { bucket, classification: r.classification };
                let agg = self.flows[i].entry(key).or_default();
                agg.mass_g += r.value_milli;
                agg.weighings += 1;
            } else if fill || emptied {
                let key = FillKey { bucket, container: r.container.clone(), company: r.company.clone() };
                let agg = self.fills[i].entry(key).or_default();
                if emptied {
                    agg.emptied += 1;
                } else {
                    agg.merge(&FillAgg {
                        fill_min: r.value_milli,
                        fill_max: r.value_milli,
                        fill_sum: r.value_milli,
                        fill_count: 1,
                        emptied: 0,
                    });
                }
            }
        }
    }

    /// Merges another set of deltas into this one (what the database upserts do).
    pub fn merge(&mut self, other: &Deltas) {
        for i in 0..LEVELS.len() {
            for (k, v) in &other.flows[i] {
                let agg = self.flows[i].entry(*k).or_default();
                agg.mass_g += v.mass_g;
                agg.weighings += v.weighings;
            }
            for (k, v) in &other.fills[i] {
                self.fills[i].entry(k.clone()).or_default().merge(v);
            }
        }
    }
}

#[cfg(test)]
mod tests;
