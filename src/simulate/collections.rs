//! When the realistic simulator collects a container and what the collection weighs: only
//! inside the container's collection window (its own, else its site's, else any time; local
//! time of the zone, from the UTC offsets the caller gives), and never more than the container
//! can hold (`max_load_kg`). A container is due when its fill reaches its collection level or
//! its load 90 % of its capacity, whichever comes first. Pure functions; no clock of its own.

use crate::calendar::Timestamp;
use crate::plan::LocalClock;
use crate::zone::{parse_window, CollectionWindow, ContainerEntry, SiteEntry};

/// A container is due once its load reaches this share of its capacity.
pub const DUE_AT_LOAD_SHARE: f64 = 0.9;

/// The window a carrier may come to a container in: its own, else its site's, else any time.
pub fn window_of(container: &ContainerEntry, site: Option<&SiteEntry>) -> CollectionWindow {
    let entry = container.collection_window.as_ref().or_else(|| site.and_then(|s| s.collection_window.as_ref()));
    // The registry check refused a window it cannot parse: none left here.
    entry.and_then(|w| parse_window(w).ok()).unwrap_or(CollectionWindow::ALWAYS)
}

/// Whether the instant `t` falls inside the window, in the zone's local time.
pub fn in_window(window: &CollectionWindow, clock: &LocalClock, t: Timestamp) -> bool {
    let local = clock.to_local(t);
    let day = local.day();
    let minute = local.time_of_day().as_mins();
    // 1970-01-01 was a Thursday: weekday 0 is Monday.
    window.on((day + 3).rem_euclid(7) as u32)
        && minute >= i64::from(window.from_min)
        && minute < i64::from(window.to_min)
}

/// The fill level (percent) at which a container is due: its collection level, or the level
/// whose load is [`DUE_AT_LOAD_SHARE`] of its capacity if that comes first.
pub fn due_fill_pct(collect_at_pct: f64, volume_m3: f64, density_kg_m3: f64, max_load_kg: f64) -> f64 {
    let full_kg = volume_m3 * density_kg_m3;
    if full_kg <= 0.0 {
        return collect_at_pct;
    }
    collect_at_pct.min(100.0 * DUE_AT_LOAD_SHARE * max_load_kg / full_kg)
}

/// What a collection weighs: the load, capped at what the container can hold (a container
/// filled past its capacity while it waited for its window is emptied at its capacity).
pub fn weighed_kg(load_kg: f64, max_load_kg: f64) -> f64 {
    load_kg.min(max_load_kg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::SignedDuration;
    use crate::plan::{DAY, HOUR};
    use crate::simulate::{Faults, ZoneSim};
    use crate::wire::{decode, Measurement, TopicLayout};
    use crate::zone::Zone;
    use std::collections::HashMap;

    /// 2027-01-11T00:00:00Z, a Monday; Paris is at UTC+1 all January.
    const MONDAY: Timestamp = Timestamp::from_millis(1_799_625_600_000);

    fn window(days: u8, from: u16, to: u16) -> CollectionWindow {
        CollectionWindow { days, from_min: from, to_min: to }
    }

    #[test]
    fn the_window_is_read_in_local_time() {
        // Monday 07:00-16:00 in Paris (UTC+1): 06:00 UTC is 07:00 local, inside; 05:59 UTC is
        // outside; 15:00 UTC is 16:00 local, the close, outside.
        let w = window(0b1, 7 * 60, 16 * 60);
        let paris = LocalClock::fixed(HOUR);
        let at = |h: i64, m: i64| MONDAY + SignedDuration::from_millis((h * 60 + m) * 60_000);
        assert!(in_window(&w, &paris, at(6, 0)));
        assert!(!in_window(&w, &paris, at(5, 59)));
        assert!(in_window(&w, &paris, at(14, 59)));
        assert!(!in_window(&w, &paris, at(15, 0)));
        // Tuesday is not a collection day.
        assert!(!in_window(&w, &paris, at(24 + 8, 0)));
    }

    #[test]
    fn a_container_is_due_before_its_load_passes_its_capacity() {
        // 30 m3 of concrete at 1,300 kg/m3 is 39 t when full; 25 t allowed: due at
        // 100 x 0.9 x 25,000 / 39,000 = 57.7 % rather than at 80 %.
        let due = due_fill_pct(80.0, 30.0, 1300.0, 25_000.0);
        assert!((due - 100.0 * 0.9 * 25_000.0 / 39_000.0).abs() < 1e-9, "{due}");
        // Light cardboard: the fill level comes first.
        assert_eq!(due_fill_pct(80.0, 10.0, 110.0, 6_000.0), 80.0);
        assert_eq!(weighed_kg(31_000.0, 25_000.0), 25_000.0);
        assert_eq!(weighed_kg(20_000.0, 25_000.0), 20_000.0);
    }

    /// A fortnight of the example zone: every collection inside its container's window and at
    /// most its capacity, and collections there are (ba-rubble-1 among them).
    #[test]
    fn the_simulated_zone_respects_windows_and_loads() {
        let zone = Zone::load(concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml")).unwrap();
        let layout = TopicLayout::parse("zone/+/+/up").unwrap();
        let paris = LocalClock::fixed(HOUR);
        let end = MONDAY + 14 * DAY;
        let mut sim = ZoneSim::new(&zone, &layout, 7, MONDAY, end, Faults::default()).with_clock(paris.clone());
        let mut by_sensor = HashMap::new();
        for g in &zone.file.gateways {
            for s in &g.sensors {
                by_sensor.insert((layout.topic_for(&g.company, &g.id), s.number), s.container.clone());
            }
        }
        let mut collections: HashMap<String, usize> = HashMap::new();
        while let Some(m) = sim.next_message() {
            let Ok(frame) = decode(&m.payload) else { continue };
            for r in &frame.readings {
                let Measurement::NetMassKg(kg) = r.value else { continue };
                let id = &by_sensor[&(m.topic.clone(), r.sensor)];
                let c = zone.container(id).unwrap();
                let t = Timestamp::from_millis(frame.base_time_ms as i64 + i64::from(r.offset_ms));
                let w = window_of(c, zone.site(&c.site));
                assert!(f64::from(kg) <= c.max_load_kg, "{id}: {kg} kg above {} kg", c.max_load_kg);
                assert!(in_window(&w, &paris, t), "{id}: collected at {t} ms, outside {w:?}");
                *collections.entry(id.clone()).or_default() += 1;
            }
        }
        assert!(collections.len() >= 8, "{collections:?}");
        assert!(collections.contains_key("ba-rubble-1"), "{collections:?}");
    }
}
