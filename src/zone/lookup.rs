//! The checked, indexed registry used on the hot path.

use super::codes::{check_ewc_code, check_treatment_code};
use super::file::ZoneFile;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

/// Where one sensor's readings belong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SensorTarget {
    pub container: Arc<str>,
    pub stream: Arc<str>,
    pub treatment: Arc<str>,
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

/// Every problem of a registry file, each as `file: entry: field: why`.
#[derive(Debug, Clone, thiserror::Error)]
pub struct ZoneErrors(pub Vec<String>);

impl fmt::Display for ZoneErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid zone registry ({} problem(s)):", self.0.len())?;
        for p in &self.0 {
            writeln!(f, "  - {p}")?;
        }
        Ok(())
    }
}

impl Zone {
    /// Reads and checks a registry file.
    pub fn load(path: &str) -> Result<Zone, ZoneErrors> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ZoneErrors(vec![format!("{path}: cannot read: {e}")]))?;
        Self::parse(path, &text)
    }

    /// Parses and checks registry text; `path` is only used in messages.
    pub fn parse(path: &str, text: &str) -> Result<Zone, ZoneErrors> {
        let file: ZoneFile =
            toml::from_str(text).map_err(|e| ZoneErrors(vec![format!("{path}: {e}")]))?;
        Self::from_file(path, file)
    }

    /// Checks a parsed registry and builds the lookup tables.
    pub fn from_file(path: &str, file: ZoneFile) -> Result<Zone, ZoneErrors> {
        let mut errs = Vec::new();
        let mut err = |entry: String, field: &str, why: String| {
            errs.push(format!("{path}: {entry}: {field}: {why}"))
        };

        let mut companies = HashSet::new();
        for c in &file.companies {
            check_id(&c.id).unwrap_or_else(|why| err(format!("company {:?}", c.id), "id", why));
            if !companies.insert(c.id.as_str()) {
                err(format!("company {:?}", c.id), "id", "defined twice".into());
            }
        }
        let mut streams = HashMap::new();
        for s in &file.streams {
            check_ewc_code(&s.ewc)
                .unwrap_or_else(|why| err(format!("stream {:?}", s.id), "ewc", why));
            if streams.insert(s.id.as_str(), s).is_some() {
                err(format!("stream {:?}", s.id), "id", "defined twice".into());
            }
        }
        let mut containers = HashMap::new();
        for c in &file.containers {
            let entry = format!("container {:?}", c.id);
            if !companies.contains(c.company.as_str()) {
                err(
                    entry.clone(),
                    "company",
                    format!("no company {:?} in the registry", c.company),
                );
            }
            if !streams.contains_key(c.stream.as_str()) {
                err(
                    entry.clone(),
                    "stream",
                    format!("no stream {:?} in the registry", c.stream),
                );
            }
            check_treatment_code(&c.treatment)
                .unwrap_or_else(|why| err(entry.clone(), "treatment", why));
            if containers.insert(c.id.as_str(), c).is_some() {
                err(entry, "id", "defined twice".into());
            }
        }
        let mut gateways = HashMap::new();
        for g in &file.gateways {
            let entry = format!("gateway {:?}", g.id);
            check_id(&g.id).unwrap_or_else(|why| err(entry.clone(), "id", why));
            if !companies.contains(g.company.as_str()) {
                err(
                    entry.clone(),
                    "company",
                    format!("no company {:?} in the registry", g.company),
                );
            }
            let mut sensors = HashMap::new();
            for s in &g.sensors {
                let Some(c) = containers.get(s.container.as_str()) else {
                    err(
                        format!("{entry} sensor {}", s.number),
                        "container",
                        format!("no container {:?}", s.container),
                    );
                    continue;
                };
                if c.company != g.company {
                    err(
                        format!("{entry} sensor {}", s.number),
                        "container",
                        format!(
                            "container {:?} belongs to {:?}, not to the gateway's company {:?}",
                            c.id, c.company, g.company
                        ),
                    );
                }
                let target = SensorTarget {
                    container: Arc::from(c.id.as_str()),
                    stream: Arc::from(c.stream.as_str()),
                    treatment: Arc::from(c.treatment.as_str()),
                };
                if sensors.insert(s.number, target).is_some() {
                    err(
                        format!("{entry} sensor {}", s.number),
                        "number",
                        "used twice on this gateway".into(),
                    );
                }
            }
            let info = GatewayInfo {
                company: Arc::from(g.company.as_str()),
                sensors,
            };
            if gateways.insert(g.id.clone(), info).is_some() {
                err(entry, "id", "defined twice".into());
            }
        }
        if errs.is_empty() {
            Ok(Zone { file, gateways })
        } else {
            Err(ZoneErrors(errs))
        }
    }

    /// The company a gateway belongs to.
    pub fn company_of(&self, gateway: &str) -> Option<&Arc<str>> {
        self.gateways.get(gateway).map(|g| &g.company)
    }

    /// Where a sensor of a gateway belongs.
    pub fn sensor(&self, gateway: &str, sensor: u16) -> Option<&SensorTarget> {
        self.gateways.get(gateway)?.sensors.get(&sensor)
    }

    /// Gateways with their company and sensor numbers, sorted by id (for the simulator).
    pub fn gateways(&self) -> Vec<(&str, &str, Vec<u16>)> {
        let mut out: Vec<_> = self
            .file
            .gateways
            .iter()
            .map(|g| {
                (
                    g.id.as_str(),
                    g.company.as_str(),
                    g.sensors.iter().map(|s| s.number).collect(),
                )
            })
            .collect();
        out.sort();
        out
    }
}

/// Ids appear in MQTT topics and tables: lower-case ASCII letters, digits and `-`, 1 to 64 long.
fn check_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{id:?}: use 1 to 64 lower-case letters, digits or '-' (ids appear in MQTT topics)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_zone_loads() {
        let zone = Zone::load(concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml"))
            .expect("example zone is valid");
        assert!(zone.file.companies.len() >= 4);
        for (gw, company, sensors) in zone.gateways() {
            assert_eq!(zone.company_of(gw).map(|c| &**c), Some(company));
            assert!(!sensors.is_empty(), "{gw} has sensors");
        }
    }

    #[test]
    fn every_problem_is_named_with_its_place() {
        let text = r#"
            name = "bad"
            [[companies]]
            id = "a"
            name = "A"
            [[streams]]
            id = "s"
            ewc = "99 01 01"
            description = "x"
            [[containers]]
            id = "c"
            company = "nobody"
            stream = "s"
            treatment = "R99"
            [[gateways]]
            id = "Gw 1"
            company = "a"
            sensors = [{ number = 1, container = "missing" }]
        "#;
        let errs = Zone::parse("zone.toml", text).expect_err("invalid").0;
        let all = errs.join("\n");
        assert!(all.contains("zone.toml: stream \"s\": ewc:"), "{all}");
        assert!(all.contains("container \"c\": company:"), "{all}");
        assert!(all.contains("container \"c\": treatment:"), "{all}");
        assert!(all.contains("gateway \"Gw 1\": id:"), "{all}");
        assert!(
            all.contains("gateway \"Gw 1\" sensor 1: container:"),
            "{all}"
        );
        assert_eq!(errs.len(), 5, "{all}");
    }
}
