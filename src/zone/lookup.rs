//! The checked, indexed registry used on the hot path.

use super::check::check;
use super::file::{ContainerEntry, ZoneFile};
use super::problem::{ZoneErrors, ZoneProblem};
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
        let file: ZoneFile =
            toml::from_str(text).map_err(|e| ZoneErrors(vec![ZoneProblem::in_file(path, e.to_string())]))?;
        Self::from_file(path, file)
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
        Ok(Zone { file, gateways })
    }

    /// The company a gateway belongs to.
    pub fn company_of(&self, gateway: &str) -> Option<&Arc<str>> {
        self.gateways.get(gateway).map(|g| &g.company)
    }

    /// Where a sensor of a gateway belongs.
    pub fn sensor(&self, gateway: &str, sensor: u16) -> Option<&SensorTarget> {
        self.gateways.get(gateway)?.sensors.get(&sensor)
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
