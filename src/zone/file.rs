//! The registry file's shape (`config/zone.toml`).

use serde::Deserialize;

/// The whole registry file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneFile {
    /// Human name of the zone.
    pub name: String,
    #[serde(default)]
    pub companies: Vec<CompanyEntry>,
    #[serde(default)]
    pub streams: Vec<StreamEntry>,
    #[serde(default)]
    pub containers: Vec<ContainerEntry>,
    #[serde(default)]
    pub gateways: Vec<GatewayEntry>,
}

/// A company of the zone.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyEntry {
    /// Stable id, used in topics and tables (lower case, digits, `-`).
    pub id: String,
    /// Trading name.
    pub name: String,
}

/// A material stream: what a container holds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamEntry {
    pub id: String,
    /// European List of Waste code, e.g. "17 01 01" or "16 06 01*".
    pub ewc: String,
    pub description: String,
}

/// A container (skip, bin, tank, bale store) at a company.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerEntry {
    pub id: String,
    pub company: String,
    pub stream: String,
    /// Treatment code of the stream's destination (R0-R13, D1-D15).
    pub treatment: String,
}

/// A sensor gateway; its id is its MQTT identity and the gateway segment of its topic.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayEntry {
    pub id: String,
    pub company: String,
    #[serde(default)]
    pub sensors: Vec<SensorEntry>,
}

/// A sensor, numbered locally on its gateway, watching one container.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensorEntry {
    pub number: u16,
    pub container: String,
}
