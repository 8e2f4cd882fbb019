//! Rollup deltas: what a set of newly stored readings adds to the 1-minute rollups.
//!
//! Pure arithmetic on integers (grams, thousandths of a percent), so merging deltas is exact,
//! associative and commutative: deltas computed by several batches or several daemon
//! instances, applied in any order, give the rollup of the union. Never feed it readings that
//! were not actually inserted (that would count a duplicate twice).

use crate::validate::ValidReading;
use crate::wire::MeasurementKind;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Width of the finest rollup bucket.
pub const MINUTE_MS: i64 = 60_000;

/// Key of the material-flow rollup: company x material stream x treatment, per minute.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FlowKey {
    pub bucket_ms: i64,
    pub company: Arc<str>,
    pub stream: Arc<str>,
    pub treatment: Arc<str>,
}

/// Mass weighed and number of weighings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FlowAgg {
    pub mass_g: i64,
    pub weighings: i64,
}

/// Key of the container rollup, per minute.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FillKey {
    pub bucket_ms: i64,
    pub container: Arc<str>,
    pub company: Arc<str>,
}

/// Fill statistics (thousandths of a percent) and collections seen.
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
        Self {
            fill_min: i64::MAX,
            fill_max: i64::MIN,
            fill_sum: 0,
            fill_count: 0,
            emptied: 0,
        }
    }
}

/// The rollup contribution of a set of readings. Sorted maps, so upserts go to the database
/// in one key order and concurrent writers cannot deadlock on each other.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Deltas {
    pub flows: BTreeMap<FlowKey, FlowAgg>,
    pub fills: BTreeMap<FillKey, FillAgg>,
}

/// Floors a timestamp to its minute bucket.
pub fn minute_bucket(ts_ms: i64) -> i64 {
    ts_ms.div_euclid(MINUTE_MS) * MINUTE_MS
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

    /// Adds one reading.
    pub fn add(&mut self, r: &ValidReading) {
        let bucket_ms = minute_bucket(r.ts_ms);
        if r.kind == MeasurementKind::NetMassKg as i16 {
            let key = FlowKey {
                bucket_ms,
                company: r.company.clone(),
                stream: r.stream.clone(),
                treatment: r.treatment.clone(),
            };
            let agg = self.flows.entry(key).or_default();
            agg.mass_g += r.value_milli;
            agg.weighings += 1;
        } else if r.kind == MeasurementKind::FillLevel as i16
            || r.kind == MeasurementKind::Emptied as i16
        {
            let key = FillKey {
                bucket_ms,
                container: r.container.clone(),
                company: r.company.clone(),
            };
            let agg = self.fills.entry(key).or_default();
            if r.kind == MeasurementKind::Emptied as i16 {
                agg.emptied += 1;
            } else {
                agg.fill_min = agg.fill_min.min(r.value_milli);
                agg.fill_max = agg.fill_max.max(r.value_milli);
                agg.fill_sum += r.value_milli;
                agg.fill_count += 1;
            }
        }
    }

    /// Merges another set of deltas into this one (what the database upsert does).
    pub fn merge(&mut self, other: &Deltas) {
        for (k, v) in &other.flows {
            let agg = self.flows.entry(k.clone()).or_default();
            agg.mass_g += v.mass_g;
            agg.weighings += v.weighings;
        }
        for (k, v) in &other.fills {
            let agg = self.fills.entry(k.clone()).or_default();
            agg.fill_min = agg.fill_min.min(v.fill_min);
            agg.fill_max = agg.fill_max.max(v.fill_max);
            agg.fill_sum += v.fill_sum;
            agg.fill_count += v.fill_count;
            agg.emptied += v.emptied;
        }
    }
}

#[cfg(test)]
mod tests;
