//! Weighbridges (ponts-bascules) at the receiving sites of the zone: where the incoming
//! register's "Heure de pesée" comes from (docs/register.md, "Weighing at the destination").

use super::check_fields::check_id;
use super::known::{not_in_registry, Known, Problems};
use serde::Deserialize;
use std::collections::HashSet;

/// `[[weighbridges]]`: a weighbridge at a site of the zone. Its tickets are imported with
/// `wasteflow register weighings --weighbridge <id> <file>`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeighbridgeEntry {
    pub id: String,
    /// The `[[sites]]` entry it stands on: the site that receives what it weighs.
    pub site: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// Each weighbridge: a valid id, defined once, on a site of the registry.
pub(super) fn check_weighbridges(weighbridges: &[WeighbridgeEntry], known: &Known, p: &mut Problems) {
    let mut ids = HashSet::new();
    for w in weighbridges {
        let entry = format!("weighbridge {:?}", w.id);
        check_id(&w.id).unwrap_or_else(|why| p.add(entry.clone(), "id", why.to_string()));
        if !known.sites.contains_key(w.site.as_str()) {
            p.add(entry.clone(), "site", not_in_registry("site", &w.site, known.sites.keys().copied()));
        }
        if !ids.insert(w.id.as_str()) {
            p.add(entry, "id", "defined twice".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::zone::Zone;

    #[test]
    fn a_weighbridge_names_a_site_of_the_registry_and_is_defined_once() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let extra = "\n[[weighbridges]]\nid = \"cs-pont-1\"\nsite = \"cs-lievn\"\n";
        let problems: Vec<String> =
            Zone::parse(path, &(text + extra)).unwrap_err().0.iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                format!("{path}: weighbridge \"cs-pont-1\": site: no site \"cs-lievn\" in the registry; did you mean \"cs-lievin\"?"),
                format!("{path}: weighbridge \"cs-pont-1\": id: defined twice"),
            ]
        );
    }
}
