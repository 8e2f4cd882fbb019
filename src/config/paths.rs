//! Settings that hold a path: a relative path written in the configuration file is relative
//! to the file's directory, as operators expect (`wasteflow --config /etc/wasteflow/wasteflow.toml`
//! finds `file = "zone.toml"` in /etc/wasteflow, wherever it is run from). A relative path
//! given by an environment variable has no file to be relative to: it stays relative to the
//! working directory, as do the built-in defaults. Absolute paths are left as they are.

use super::settings::Settings;
use std::path::Path;

/// Every key holding a path (a test holds every `file` and `*_file` key of every section to it).
pub(super) const PATH_KEYS: [&str; 8] = [
    "mqtt.password_file",
    "mqtt.ca_file",
    "mqtt.cert_file",
    "mqtt.key_file",
    "database.password_file",
    "database.ca_file",
    "database.spool_file",
    "zone.file",
];

/// The path held by `key`, if it is set.
fn path_mut<'a>(s: &'a mut Settings, key: &str) -> Option<&'a mut String> {
    match key {
        "mqtt.password_file" => s.mqtt.password_file.as_mut(),
        "mqtt.ca_file" => s.mqtt.ca_file.as_mut(),
        "mqtt.cert_file" => s.mqtt.cert_file.as_mut(),
        "mqtt.key_file" => s.mqtt.key_file.as_mut(),
        "database.password_file" => s.database.password_file.as_mut(),
        "database.ca_file" => s.database.ca_file.as_mut(),
        "database.spool_file" => s.database.spool_file.as_mut(),
        "zone.file" => Some(&mut s.zone.file),
        _ => None,
    }
}

/// Makes every relative path that the configuration file `file` set (`from_file(key)`) relative
/// to the file's directory.
pub(super) fn relative_to_file(s: &mut Settings, file: &str, from_file: impl Fn(&str) -> bool) {
    let Some(dir) = Path::new(file).parent() else {
        return;
    };
    for key in PATH_KEYS.into_iter().filter(|k| from_file(k)) {
        if let Some(path) = path_mut(s, key) {
            if !path.trim().is_empty() && Path::new(path.as_str()).is_relative() {
                *path = dir.join(path.as_str()).display().to_string();
            }
        }
    }
}

/// Every secret or certificate file the settings name must be readable by whoever checks them
/// (`check-config`, the unit's ExecStartPre, or the daemon at start): a missing or unreadable
/// one is a configuration problem (exit 64), not a failure to retry. The zone file has its
/// own error, from loading it.
pub(super) fn check_readable(s: &Settings, problems: &mut Vec<super::problem::Problem>) {
    let mut s = s.clone();
    for key in PATH_KEYS.into_iter().filter(|k| !["zone.file", "database.spool_file"].contains(k)) {
        let Some(path) = path_mut(&mut s, key) else { continue };
        if path.trim().is_empty() {
            continue;
        }
        if let Err(e) = std::fs::File::open(path.as_str()) {
            let hint = match e.kind() {
                std::io::ErrorKind::PermissionDenied => "; it must be readable by the user the daemon runs as",
                _ => "",
            };
            super::problem::push(problems, key, format!("cannot read {path}: {e}{hint}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::form::fields;
    use crate::config::*;

    #[test]
    fn relative_paths_from_the_file_follow_the_file() {
        let mut s = Settings::default();
        s.zone.file = "zone.toml".into();
        s.mqtt.ca_file = Some("certs/ca.pem".into());
        s.mqtt.key_file = Some("/run/credentials/wasteflow.service/mqtt-key".into());
        s.database.password_file = Some("db-password".into());
        relative_to_file(&mut s, "/etc/wasteflow/wasteflow.toml", |key| key != "database.password_file");
        assert_eq!(s.zone.file, "/etc/wasteflow/zone.toml");
        assert_eq!(s.mqtt.ca_file.as_deref(), Some("/etc/wasteflow/certs/ca.pem"));
        assert_eq!(s.mqtt.key_file.as_deref(), Some("/run/credentials/wasteflow.service/mqtt-key"), "absolute");
        assert_eq!(s.database.password_file.as_deref(), Some("db-password"), "not from the file");
        assert_eq!(s.mqtt.cert_file, None, "unset stays unset");

        // A file named relative to the working directory: its paths are too.
        let mut s = Settings::default();
        s.zone.file = "zone.toml".into();
        relative_to_file(&mut s, "config/wasteflow.toml", |_| true);
        assert_eq!(s.zone.file, "config/zone.toml");
        relative_to_file(&mut s, "wasteflow.toml", |_| true);
        assert_eq!(s.zone.file, "config/zone.toml", "a file in the working directory changes nothing");
    }

    #[test]
    fn every_path_key_is_known() {
        let sections: [(&str, &[&str]); 11] = [
            ("mqtt", fields::<MqttSettings>()),
            ("database", fields::<DatabaseSettings>()),
            ("batch", fields::<BatchSettings>()),
            ("validation", fields::<ValidationSettings>()),
            ("metrics", fields::<MetricsSettings>()),
            ("zone", fields::<ZoneSettings>()),
            ("log", fields::<LogSettings>()),
            ("shutdown", fields::<ShutdownSettings>()),
            ("storage", fields::<StorageSettings>()),
            ("live", fields::<LiveSettings>()),
            ("service", fields::<ServiceSettings>()),
        ];
        assert_eq!(sections.map(|(name, _)| name), SECTIONS);
        let found: Vec<String> = sections
            .iter()
            .flat_map(|(name, keys)| keys.iter().filter(|k| k.ends_with("file")).map(move |k| format!("{name}.{k}")))
            .collect();
        assert_eq!(found, PATH_KEYS, "a new path setting belongs in PATH_KEYS (and path_mut)");
        let mut all_set = Settings::default();
        all_set.mqtt.password_file = Some(String::new());
        all_set.mqtt.ca_file = Some(String::new());
        all_set.mqtt.cert_file = Some(String::new());
        all_set.mqtt.key_file = Some(String::new());
        all_set.database.password_file = Some(String::new());
        all_set.database.ca_file = Some(String::new());
        all_set.database.spool_file = Some(String::new());
        for key in PATH_KEYS {
            assert!(path_mut(&mut all_set, key).is_some(), "{key} is reached by path_mut");
        }
    }
}
