//! The database's numbering of the registry: each sensor's integer id and its attributions,
//! which say, from a given time, which container it measured and how its masses are reported
//! (a classification). Written by the registry sync (`store::registry`), read back into
//! memory after it, and used on the hot path to give each reading its ids.
//!
//! Attributions are immutable and dated: a reading takes the one in force at its own
//! timestamp, so a reading that arrives late after a reclassification keeps the
//! classification of its time. A reading older than a sensor's first attribution takes that
//! first one (the sensor was measuring before it was registered).

use crate::calendar::Timestamp;
use std::collections::HashMap;
use std::sync::Arc;

/// One attribution of a sensor, as the hot path needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribution {
    /// `attributions.id`.
    pub id: i32,
    /// In force from this time.
    pub valid_from: Timestamp,
    /// `classifications.id`: the flow rollups' key.
    pub classification: i32,
    pub container: Arc<str>,
    pub company: Arc<str>,
}

/// A sensor's id and its attributions, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SensorIds {
    /// `sensors.id`: the readings' key.
    pub sensor_id: i32,
    pub history: Vec<Attribution>,
}

impl SensorIds {
    /// The attribution in force at `ts`: the latest that starts at or before it, or the
    /// first one for a reading older than all of them. None only when there are none.
    pub fn at(&self, ts: Timestamp) -> Option<&Attribution> {
        let after = self.history.partition_point(|a| a.valid_from <= ts);
        self.history.get(after.saturating_sub(1))
    }
}

/// Every active sensor's ids, by (gateway, sensor number).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryIds {
    sensors: HashMap<Arc<str>, HashMap<u16, SensorIds>>,
}

impl RegistryIds {
    /// Adds one attribution (in any order; [`RegistryIds::finish`] sorts them).
    pub fn add(&mut self, gateway: &str, number: u16, sensor_id: i32, attribution: Attribution) {
        let sensors = match self.sensors.get_mut(gateway) {
            Some(s) => s,
            None => self.sensors.entry(Arc::from(gateway)).or_default(),
        };
        sensors.entry(number).or_insert_with(|| SensorIds { sensor_id, history: Vec::new() }).history.push(attribution);
    }

    /// Sorts every sensor's attributions by start.
    pub fn finish(mut self) -> Self {
        for s in self.sensors.values_mut().flat_map(|g| g.values_mut()) {
            s.history.sort_by_key(|a| a.valid_from);
        }
        self
    }

    /// Keeps only the sensors `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, u16) -> bool) {
        for (gateway, sensors) in self.sensors.iter_mut() {
            sensors.retain(|&number, _| keep(gateway, number));
        }
        self.sensors.retain(|_, sensors| !sensors.is_empty());
    }

    /// A sensor's ids.
    pub fn sensor(&self, gateway: &str, number: u16) -> Option<&SensorIds> {
        self.sensors.get(gateway)?.get(&number)
    }

    /// How many sensors have ids.
    pub fn len(&self) -> usize {
        self.sensors.values().map(HashMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Attribution `id`, in force from `ms` milliseconds after the epoch.
    fn attribution(id: i32, ms: i64) -> Attribution {
        let valid_from = Timestamp::from_millis(ms);
        Attribution { id, valid_from, classification: id * 10, container: "c".into(), company: "a".into() }
    }

    #[test]
    fn a_reading_takes_the_attribution_of_its_time() {
        let mut ids = RegistryIds::default();
        // Added out of order: finish() sorts.
        ids.add("gw", 1, 7, attribution(2, 2_000));
        ids.add("gw", 1, 7, attribution(1, 1_000));
        ids.add("gw", 1, 7, attribution(3, 3_000));
        let ids = ids.finish();
        let s = ids.sensor("gw", 1).unwrap();
        assert_eq!(s.sensor_id, 7);
        // Before the first: the first. On a boundary: the one that starts there.
        let at = |ts| s.at(Timestamp::from_millis(ts)).map(|a| a.id);
        assert_eq!(
            [at(0), at(999), at(1_000), at(1_999), at(2_000), at(2_999), at(3_000), at(i64::MAX)],
            [Some(1), Some(1), Some(1), Some(1), Some(2), Some(2), Some(3), Some(3)]
        );
        assert!(ids.sensor("gw", 2).is_none());
        assert!(ids.sensor("other", 1).is_none());
        assert_eq!(ids.len(), 1);
    }

    #[test]
    fn no_history_no_attribution() {
        assert_eq!(SensorIds { sensor_id: 1, history: vec![] }.at(Timestamp::EPOCH), None);
    }
}
