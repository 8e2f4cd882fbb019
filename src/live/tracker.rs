//! The live state of the whole zone: every container's state, applied frame by frame.

use super::state::{ContainerInfo, ContainerState, EventKind, Geofence, LiveParams, Transition};
use crate::calendar::{millis_span, Timestamp};
use crate::wire::{InboxFrame, InboxReading, MeasurementKind};
use crate::zone::Zone;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A transition with the container it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerEvent {
    pub container: String,
    pub company: String,
    pub transition: Transition,
}

/// Live state of every registered container.
#[derive(Debug, Clone)]
pub struct ZoneState {
    pub params: LiveParams,
    pub infos: BTreeMap<String, ContainerInfo>,
    pub states: BTreeMap<String, ContainerState>,
    /// Gateway -> (company, containers it reports for).
    pub gateways: BTreeMap<String, (String, Vec<String>)>,
    /// `attributions.id` -> container, as far as the fold has needed them.
    pub attributions: HashMap<i32, String>,
    /// (company, container, gateway) pairs that reloads removed from the registry: their
    /// gauge stays, at 0, a gauge being impossible to withdraw.
    pub retired_gateways: BTreeSet<(String, String, String)>,
}

impl ZoneState {
    pub fn new(zone: &Zone, params: LiveParams) -> ZoneState {
        let infos: BTreeMap<String, ContainerInfo> = zone
            .file
            .containers
            .iter()
            .map(|c| {
                let info = ContainerInfo {
                    id: c.id.clone(),
                    company: c.company.clone(),
                    max_load_kg: c.max_load_kg,
                    overflow_threshold_pct: c.overflow_threshold_pct,
                    expected_interval: millis_span(c.expected_interval),
                    geofence: zone.site(&c.site).and_then(|s| {
                        Some(Geofence { latitude: s.latitude?, longitude: s.longitude?, radius_m: s.geofence_radius_m })
                    }),
                };
                (c.id.clone(), info)
            })
            .collect();
        let states = infos.keys().map(|k| (k.clone(), ContainerState::default())).collect();
        let gateways = zone
            .file
            .gateways
            .iter()
            .map(|g| (g.id.clone(), (g.company.clone(), g.sensors.iter().map(|s| s.container.clone()).collect())))
            .collect();
        ZoneState { params, infos, states, gateways, attributions: HashMap::new(), retired_gateways: BTreeSet::new() }
    }

    /// (company, container, gateway) for every sensor of the registry: which gateway each
    /// container reports through.
    pub fn container_gateways(&self) -> BTreeSet<(String, String, String)> {
        self.gateways
            .iter()
            .flat_map(|(gw, (_, containers))| containers.iter().map(move |c| (gw, c)))
            .filter_map(|(gw, c)| self.infos.get(c).map(|info| (info.company.clone(), c.clone(), gw.clone())))
            .collect()
    }

    /// A new registry and new parameters (configuration reload): containers that are still
    /// registered keep their state (fill, rate, detector, open events); new ones start empty.
    pub fn reconfigure(&mut self, zone: &Zone, params: LiveParams) {
        let mut next = ZoneState::new(zone, params);
        let now = next.container_gateways();
        next.retired_gateways = self
            .retired_gateways
            .iter()
            .chain(&self.container_gateways())
            .filter(|p| !now.contains(p))
            .cloned()
            .collect();
        for (id, state) in std::mem::take(&mut self.states) {
            if let Some(slot) = next.states.get_mut(&id) {
                *slot = state;
            }
        }
        *self = next;
    }

    /// Applies one reading (kind, time, value as stored) to its container.
    pub fn apply(&mut self, container: &str, kind: MeasurementKind, ts: Timestamp, value_milli: i64) {
        if let Some(s) = self.states.get_mut(container) {
            s.apply(kind, ts, kind.from_stored(value_milli), &self.params);
        }
    }

    /// Applies a gateway's released frames in order, each frame's readings oldest first, and
    /// evaluates the rules of a container at each of its readings' time: what opens and
    /// closes is a function of the readings in counter order, whichever instance committed
    /// them and whenever this runs. `wall` (now) is the readings' arrival time.
    pub fn apply_frames(&mut self, frames: &[InboxFrame], wall: Timestamp) -> Vec<ContainerEvent> {
        let mut out = Vec::new();
        for frame in frames {
            let mut readings: Vec<(Timestamp, &InboxReading)> =
                frame.readings.iter().map(|r| (frame.base + r.offset(), r)).collect();
            readings.sort_by_key(|(ts, _)| *ts);
            for (ts, r) in readings {
                // A kind this build does not know (written by a newer one) does not move the state.
                let Some(kind) = r.kind() else { continue };
                let Some(container) = self.attributions.get(&r.attribution) else { continue };
                let (Some(state), Some(info)) = (self.states.get_mut(container), self.infos.get(container)) else {
                    continue;
                };
                let before = state.evaluate_before(ts, wall, info, &self.params);
                state.apply(kind, ts, kind.from_stored(r.value_milli), &self.params);
                state.last_arrival = Some(wall);
                for transition in before.into_iter().chain(state.evaluate(ts, wall, info, &self.params)) {
                    out.push(ContainerEvent { container: info.id.clone(), company: info.company.clone(), transition });
                }
            }
        }
        out
    }

    /// Marks events already open in the database.
    pub fn set_open(&mut self, open: &HashMap<String, Vec<EventKind>>) {
        for (container, kinds) in open {
            if let Some(s) = self.states.get_mut(container) {
                s.open.extend(kinds.iter().copied());
            }
        }
    }

    /// Evaluates every container's rules on the wall clock `now`: what time alone changes
    /// (a sensor falling silent), or new parameters after a reload.
    pub fn sweep(&mut self, now: Timestamp) -> Vec<ContainerEvent> {
        let mut out = Vec::new();
        for (id, state) in &mut self.states {
            let Some(info) = self.infos.get(id) else { continue };
            for transition in state.sweep(now, info, &self.params) {
                out.push(ContainerEvent { container: id.clone(), company: info.company.clone(), transition });
            }
        }
        out
    }

    /// The latest reading time of a gateway's containers.
    pub fn gateway_last_seen(&self, gateway: &str) -> Option<Timestamp> {
        let (_, containers) = self.gateways.get(gateway)?;
        containers.iter().filter_map(|c| self.states.get(c)?.last_seen).max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconfigure_keeps_the_state_of_containers_still_registered() {
        let zone = Zone::load(concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml")).unwrap();
        let params = LiveParams::from(&crate::config::LiveSettings::default());
        let mut state = ZoneState::new(&zone, params);
        let container = zone.file.containers[0].id.clone();
        state.apply(&container, MeasurementKind::FillLevel, Timestamp::from_millis(1_000), 42_000);
        let mut stricter = params;
        stricter.fire_temp_c = 45.0;
        // The same registry minus every other container.
        let mut smaller = zone.file.clone();
        smaller.containers.retain(|c| c.id == container);
        smaller.gateways.iter_mut().for_each(|g| g.sensors.retain(|s| s.container == container));
        let smaller = Zone::from_file("test", smaller).unwrap();
        state.reconfigure(&smaller, stricter);
        assert_eq!(state.params.fire_temp_c, 45.0, "new parameters in force");
        assert_eq!(state.states.len(), 1, "removed containers are gone");
        assert_eq!(state.states[&container].fill_pct, Some(42.0), "the kept container keeps its state");
    }

    /// The container-gateway pairs a reload removes are remembered (their gauges go to 0), and
    /// forgotten again when a later reload brings them back.
    #[test]
    fn reconfigure_retires_the_container_gateway_pairs_it_removes() {
        let zone = Zone::load(concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml")).unwrap();
        let params = LiveParams::from(&crate::config::LiveSettings::default());
        let mut state = ZoneState::new(&zone, params);
        let all = state.container_gateways();
        let sensors: usize = zone.file.gateways.iter().map(|g| g.sensors.len()).sum();
        assert_eq!(all.len(), sensors, "one pair per sensor in the example zone");
        let kept = zone.file.containers[0].id.clone();
        let mut smaller = zone.file.clone();
        smaller.containers.retain(|c| c.id == kept);
        smaller.gateways.iter_mut().for_each(|g| g.sensors.retain(|s| s.container == kept));
        state.reconfigure(&Zone::from_file("test", smaller).unwrap(), params);
        let now = state.container_gateways();
        assert!(now.iter().all(|p| p.1 == kept) && !now.is_empty());
        assert_eq!(state.retired_gateways, all.difference(&now).cloned().collect(), "the removed pairs");
        state.reconfigure(&zone, params);
        assert!(state.retired_gateways.is_empty(), "all back in the registry: none retired");
    }
}
