//! Reading a registry file's text into a [`ZoneFile`], with every entry's problem at once: a
//! mistyped field in the third container and a missing one in the fifth gateway are both
//! named in one run. Only a file that is not TOML at all stops at its first error (TOML's own
//! grammar cannot go on past it).

use super::file::{
    CompanyEntry, ContainerEntry, GatewayEntry, OperatorEntry, SiteEntry, StreamEntry, TransporterEntry, ZoneFile,
};
use super::problem::{ZoneErrors, ZoneProblem};
use serde::de::DeserializeOwned;

/// The registry in `text`, or every problem of shape its entries have (`path` names the file).
pub fn read_file(path: &str, text: &str) -> Result<ZoneFile, ZoneErrors> {
    // A valid file is read once; only a refused one is read again, entry by entry.
    let whole = match toml::from_str::<ZoneFile>(text) {
        Ok(file) => return Ok(file),
        Err(e) => e,
    };
    let table: toml::Table = toml::from_str(text).map_err(|e| one(path, e.to_string()))?;
    let mut problems = Vec::new();
    for (key, value) in &table {
        match key.as_str() {
            "companies" => each::<CompanyEntry>(path, "company", value, &mut problems),
            "sites" => each::<SiteEntry>(path, "site", value, &mut problems),
            "operators" => each::<OperatorEntry>(path, "operator", value, &mut problems),
            "transporters" => each::<TransporterEntry>(path, "transporter", value, &mut problems),
            "streams" => each::<StreamEntry>(path, "stream", value, &mut problems),
            "containers" => each::<ContainerEntry>(path, "container", value, &mut problems),
            "gateways" => each::<GatewayEntry>(path, "gateway", value, &mut problems),
            _ => {}
        }
    }
    if problems.is_empty() {
        // Not an entry's: the file's own keys (`name`, `[factors]`, an unknown table).
        problems.push(ZoneProblem::in_file(path, whole.to_string()));
    }
    Err(ZoneErrors(problems))
}

/// The problem of each entry of a list that does not read as a `T`.
fn each<T: DeserializeOwned>(path: &str, kind: &str, list: &toml::Value, problems: &mut Vec<ZoneProblem>) {
    let Some(entries) = list.as_array() else {
        problems.push(ZoneProblem::in_file(path, format!("{kind} entries must be a list of tables ([[...]])")));
        return;
    };
    for (i, entry) in entries.iter().enumerate() {
        if let Err(e) = entry.clone().try_into::<T>() {
            let name = match entry.get("id").and_then(toml::Value::as_str) {
                Some(id) => format!("{kind} {id:?}"),
                None => format!("{kind} number {} in the file", i + 1),
            };
            problems.push(ZoneProblem {
                file: path.into(),
                entry: Some(name),
                field: None,
                why: first_line(&e.to_string()),
            });
        }
    }
}

fn one(path: &str, why: String) -> ZoneErrors {
    ZoneErrors(vec![ZoneProblem::in_file(path, why)])
}

/// toml's message without its trailing blank lines.
fn first_line(text: &str) -> String {
    text.trim().replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZONE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml"));

    #[test]
    fn every_entry_that_does_not_read_is_named_in_one_run() {
        let mut text = ZONE.to_string();
        text.push_str("\n[[containers]]\nid = \"bad-volume\"\nvolume_m3 = \"big\"\n");
        text.push_str("\n[[gateways]]\nid = 3\n");
        let problems = read_file("zone.toml", &text).unwrap_err().0;
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(lines.len(), 2, "{lines:#?}");
        assert!(lines[0].starts_with("zone.toml: container \"bad-volume\": "), "{lines:#?}");
        assert!(lines[1].starts_with("zone.toml: gateway number "), "{lines:#?}");
    }

    #[test]
    fn the_example_zone_reads() {
        assert!(read_file("zone.toml", ZONE).is_ok());
    }
}
