//! The checked, indexed registry used on the hot path.

use super::check::check;
use super::file::{ContainerEntry, ZoneFile};
use super::ids::{Attribution, RegistryIds, SensorIds};
use super::problem::{ZoneErrors, ZoneProblem};
use crate::calendar::Timestamp;
use std::collections::HashMap;
use std::sync::Arc;

/// Where one sensor's readings belong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SensorTarget {
    pub container: Arc<str>,
    pub stream: Arc<str>,
    pub treatment: Arc<str>,
    /// A company of the zone or an outside operator.
    pub destination: Arc<str>,
}

#[derive(Debug, Clone)]
struct GatewayInfo {
    company: Arc<str>,
    sensors: HashMap<u16, SensorTarget>,
}

/// The registry, checked and indexed.
#[derive(Debug, Clone)]
pub struct Zone {
    pub file: ZoneFile,
    gateways: HashMap<String, GatewayInfo>,
    /// The database's ids, attached after a registry sync ([`Zone::with_ids`]).
    ids: RegistryIds,
}

impl Zone {
    /// Reads and checks a registry file.
    pub fn load(path: &str) -> Result<Zone, ZoneErrors> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ZoneErrors(vec![ZoneProblem::in_file(path, format!("cannot read: {e}"))]))?;
        Self::parse(path, &text)
    }

    /// Parses and checks registry text; `path` is only used in messages.
    pub fn parse(path: &str, text: &str) -> Result<Zone, ZoneErrors> {
        Self::from_file(path, super::read::read_file(path, text)?)
    }

    /// Checks a parsed registry and builds the lookup tables.
    pub fn from_file(path: &str, file: ZoneFile) -> Result<Zone, ZoneErrors> {
        let errs = check(path, &file);
        if !errs.is_empty() {
            return Err(ZoneErrors(errs));
        }
        let containers: HashMap<&str, &ContainerEntry> = file.containers.iter().map(|c| (c.id.as_str(), c)).collect();
        let mut gateways = HashMap::new();
        for g in &file.gateways {
            let sensors = g
                .sensors
                .iter()
                .filter_map(|s| {
                    let c = containers.get(s.container.as_str())?;
                    let target = SensorTarget {
                        container: Arc::from(c.id.as_str()),
                        stream: Arc::from(c.stream.as_str()),
                        treatment: Arc::from(c.treatment.as_str()),
                        destination: Arc::from(c.destination.as_str()),
                    };
                    Some((s.number, target))
                })
                .collect();
            gateways.insert(g.id.clone(), GatewayInfo { company: Arc::from(g.company.as_str()), sensors });
        }
        Ok(Zone { file, gateways, ids: RegistryIds::default() })
    }

    /// The registry with the database's ids, read back after a registry sync. Only the ids of
    /// sensors of this file are kept, so a sensor with ids is a registered one (the hot path
    /// looks the ids up alone).
    pub fn with_ids(mut self, mut ids: RegistryIds) -> Zone {
        ids.retain(|gateway, number| self.sensor(gateway, number).is_some());
        self.ids = ids;
        self
    }

    /// The registry with ids numbered here, for what validates without storing (the fuzz
    /// target, the micro benchmark, unit tests): sensors 1, 2, ... in file order, one
    /// attribution each in force since ever, one classification per container.
    pub fn numbered(self) -> Zone {
        let mut ids = RegistryIds::default();
        let mut sensor_id = 0;
        for g in &self.file.gateways {
            for s in &g.sensors {
                sensor_id += 1;
                let Some(c) = self.file.containers.iter().position(|c| c.id == s.container) else { continue };
                let classification = i32::try_from(c + 1).unwrap_or(i32::MAX);
                let attribution = Attribution {
                    id: sensor_id,
                    valid_from: Timestamp::MIN,
                    classification,
                    container: Arc::from(s.container.as_str()),
                    company: Arc::from(self.file.containers[c].company.as_str()),
                };
                ids.add(&g.id, s.number, sensor_id, attribution);
            }
        }
        self.with_ids(ids.finish())
    }

    /// A sensor's database ids, once attached.
    pub fn ids(&self, gateway: &str, sensor: u16) -> Option<&SensorIds> {
        self.ids.sensor(gateway, sensor)
    }

    /// The company a gateway belongs to.
    pub fn company_of(&self, gateway: &str) -> Option<&Arc<str>> {
        self.gateways.get(gateway).map(|g| &g.company)
    }

    /// Where a sensor of a gateway belongs.
    pub fn sensor(&self, gateway: &str, sensor: u16) -> Option<&SensorTarget> {
        self.gateways.get(gateway)?.sensors.get(&sensor)
    }

    /// A site's registry entry.
    pub fn site(&self, id: &str) -> Option<&super::file::SiteEntry> {
        self.file.sites.iter().find(|s| s.id == id)
    }

    /// A container's registry entry.
    pub fn container(&self, id: &str) -> Option<&ContainerEntry> {
        self.file.containers.iter().find(|c| c.id == id)
    }

    /// Gateways with their company and sensor numbers, sorted by id (for the simulator).
    pub fn gateways(&self) -> Vec<(&str, &str, Vec<u16>)> {
        let mut out: Vec<_> = self
            .file
            .gateways
            .iter()
            .map(|g| (g.id.as_str(), g.company.as_str(), g.sensors.iter().map(|s| s.number).collect()))
            .collect();
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests;
