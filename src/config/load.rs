//! Layering the sources and collecting every problem before giving up.

use super::keys::section;
use super::problem::{ConfigErrors, Problem};
use super::settings::*;
use config::{Config, Environment, File, FileFormat, Source as _};

/// Loads the configuration from defaults, the optional file and the environment.
///
/// Environment variables use `__` between prefix, section and key, so keys with single
/// underscores survive (`WASTEFLOW__DATABASE__STATEMENT_TIMEOUT=5s`; see config-rs #369).
pub fn load(file: Option<&str>) -> Result<Settings, ConfigErrors> {
    let env = Environment::with_prefix("WASTEFLOW").prefix_separator("__").separator("__");
    load_from(file, env)
}

/// Why the configuration file cannot be read, with what to do about it.
fn unreadable(path: &str, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => format!(
            "cannot read the configuration file: {e}; run as root or as a member of the file's group \
             (the package makes /etc/wasteflow readable by the group wasteflow: \
             `sudo runuser -u wasteflow -- wasteflow --config {path} ...`)"
        ),
        std::io::ErrorKind::NotFound => format!("no such configuration file ({e})"),
        _ => format!("cannot read the configuration file: {e}"),
    }
}

/// As [`load`], with the environment source given (tests pass a fixed map).
pub fn load_from(file: Option<&str>, env: Environment) -> Result<Settings, ConfigErrors> {
    // The keys the environment sets (`zone.file`): their paths are not relative to the file.
    let from_env: Vec<String> = env.collect().map(|m| m.into_keys().collect()).unwrap_or_default();
    let mut builder = Config::builder();
    if let Some(path) = file {
        // The config crate says "not found" for a file it may not read: say what it is.
        if let Err(e) = std::fs::File::open(path) {
            return Err(ConfigErrors(vec![Problem { key: path.to_string(), message: unreadable(path, &e) }]));
        }
        builder = builder.add_source(File::new(path, FileFormat::Toml).required(true));
    }
    let cfg = builder.add_source(env).build().map_err(|e| {
        ConfigErrors(vec![Problem { key: file.unwrap_or("environment").to_string(), message: e.to_string() }])
    })?;

    let mut problems = Vec::new();
    if let Ok(root) = cfg.clone().try_deserialize::<std::collections::HashMap<String, config::Value>>() {
        let mut unknown: Vec<_> = root.keys().filter(|k| !SECTIONS.contains(&k.as_str())).collect();
        unknown.sort();
        for key in unknown {
            problems.push(Problem {
                key: key.clone(),
                message: format!("unknown section; expected one of {}", SECTIONS.join(", ")),
            });
        }
    }

    let mut settings = Settings {
        mqtt: section(&cfg, "mqtt", &mut problems),
        database: section(&cfg, "database", &mut problems),
        batch: section(&cfg, "batch", &mut problems),
        validation: section(&cfg, "validation", &mut problems),
        metrics: section(&cfg, "metrics", &mut problems),
        zone: section(&cfg, "zone", &mut problems),
        log: section(&cfg, "log", &mut problems),
        shutdown: section(&cfg, "shutdown", &mut problems),
        storage: section(&cfg, "storage", &mut problems),
        live: section(&cfg, "live", &mut problems),
        service: section(&cfg, "service", &mut problems),
    };
    if let Some(file) = file {
        let set_by_file = |key: &str| !from_env.iter().any(|k| k == key) && cfg.get::<config::Value>(key).is_ok();
        super::paths::relative_to_file(&mut settings, file, set_by_file);
    }
    let credentials = std::env::var("CREDENTIALS_DIRECTORY").ok();
    from_credentials(&mut settings, credentials.as_deref());
    spool_in_state_directory(&mut settings, std::env::var("STATE_DIRECTORY").ok().as_deref());
    // A key whose value was refused is named once: the checks see its default instead.
    let refused: Vec<String> = problems.iter().map(|p| p.key.clone()).collect();
    let mut checked = Vec::new();
    super::checks::check(&settings, &mut checked);
    super::paths::check_readable(&settings, &mut checked);
    problems.extend(checked.into_iter().filter(|p| !refused.contains(&p.key)));
    // A value an environment variable set is not in the file: say where it came from.
    for p in problems.iter_mut().filter(|p| from_env.contains(&p.key)) {
        p.message.push_str(&format!(" (set by {})", env_variable(&p.key)));
    }
    if problems.is_empty() {
        Ok(settings)
    } else {
        Err(ConfigErrors(problems))
    }
}

/// The environment variable that sets `key`: `database.connect_timeout` is
/// `WASTEFLOW__DATABASE__CONNECT_TIMEOUT`.
fn env_variable(key: &str) -> String {
    format!("WASTEFLOW__{}", key.replace('.', "__").to_uppercase())
}

/// Credentials passed by systemd (`LoadCredential=` puts them in `$CREDENTIALS_DIRECTORY`):
/// `db-password` and `mqtt-password` are used when no password file is configured.
pub fn from_credentials(s: &mut Settings, dir: Option<&str>) {
    let Some(dir) = dir else {
        return;
    };
    let found = |name: &str| {
        let path = std::path::Path::new(dir).join(name);
        path.is_file().then(|| path.display().to_string())
    };
    if s.database.password_file.is_none() {
        s.database.password_file = found("db-password");
    }
    if s.mqtt.password_file.is_none() {
        s.mqtt.password_file = found("mqtt-password");
    }
}

/// systemd's `StateDirectory=` (`$STATE_DIRECTORY`, its first entry) holds the dead-letter
/// spool when `database.spool_file` is not set.
pub fn spool_in_state_directory(s: &mut Settings, dir: Option<&str>) {
    let Some(dir) = dir.and_then(|d| d.split(':').next()).filter(|d| !d.is_empty()) else {
        return;
    };
    if s.database.spool_file.is_none() {
        let path = std::path::Path::new(dir).join(super::settings::SPOOL_FILE_NAME);
        s.database.spool_file = Some(path.display().to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> Environment {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Environment::with_prefix("WASTEFLOW").prefix_separator("__").separator("__").source(Some(map))
    }

    #[test]
    fn defaults_are_valid() {
        let s = load_from(None, env(&[])).expect("defaults load");
        assert_eq!(s.mqtt.topic_filter, "zone/+/+/up");
    }

    #[test]
    fn environment_overrides_keys_with_underscores() {
        let s = load_from(
            None,
            env(&[
                ("WASTEFLOW__DATABASE__STATEMENT_TIMEOUT", "3s"),
                ("WASTEFLOW__MQTT__URL", "mqtt://broker:1884?client_id=x"),
                ("WASTEFLOW__ZONE__FILE", "/etc/wasteflow/zone.toml"),
            ]),
        )
        .expect("valid");
        assert_eq!(s.database.statement_timeout, std::time::Duration::from_secs(3));
        assert_eq!(s.mqtt.url, "mqtt://broker:1884?client_id=x");
        assert_eq!(s.zone.file, "/etc/wasteflow/zone.toml");
    }

    #[test]
    fn a_bad_time_zone_is_refused_naming_the_key_and_the_fix() {
        assert_eq!(load_from(None, env(&[])).expect("defaults").zone.time_zone, "Europe/Paris");
        for (bad, fix) in [("+01:00", "Europe/Paris"), ("Asia/Kolkata", "whole number of hours")] {
            let err = load_from(None, env(&[("WASTEFLOW__ZONE__TIME_ZONE", bad)])).unwrap_err();
            let p = err.0.iter().find(|p| p.key == "zone.time_zone").expect("zone.time_zone named");
            assert!(p.message.contains(fix), "{}", p.message);
        }
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let err = load_from(
            None,
            env(&[
                ("WASTEFLOW__MQTT__URL", "http://x"),
                ("WASTEFLOW__METRICS__LISTEN", "nowhere"),
                ("WASTEFLOW__BATCH__MAX_READINGS", "0"),
                ("WASTEFLOW__DATABASE__STATEMENT_TIMEOUT", "soon"),
            ]),
        )
        .expect_err("invalid");
        let keys: Vec<_> = err.0.iter().map(|p| p.key.as_str()).collect();
        assert!(keys.contains(&"mqtt.url"), "{err}");
        assert!(keys.contains(&"metrics.listen"), "{err}");
        assert!(keys.contains(&"batch.max_readings"), "{err}");
        assert!(keys.contains(&"database.statement_timeout"), "{err}");
    }

    /// A value that does not parse is named by its key, and does not hide the other problems
    /// of its section (found by an independent reader: a wrong type hid every range check).
    #[test]
    fn a_bad_type_is_named_and_hides_nothing() {
        let err = load_from(
            None,
            env(&[
                ("WASTEFLOW__DATABASE__STATEMENT_TIMEOUT", "soon"),
                ("WASTEFLOW__DATABASE__WRITERS", "0"),
                ("WASTEFLOW__DATABASE__RETRY_MIN", "1min"),
                ("WASTEFLOW__DATABASE__RETRY_MAX", "1s"),
            ]),
        )
        .expect_err("invalid");
        let keys: Vec<_> = err.0.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["database.statement_timeout", "database.writers", "database.retry_min"], "{err}");
        assert!(err.0[0].message.contains("expected a duration"), "{err}");
    }

    /// A refused value leaves its default to the checks, which must not blame it a second time.
    #[test]
    fn a_refused_value_is_named_once() {
        let err = load_from(
            None,
            env(&[("WASTEFLOW__DATABASE__RETRY_MIN", "soon"), ("WASTEFLOW__DATABASE__RETRY_MAX", "100ms")]),
        )
        .expect_err("invalid");
        let keys: Vec<_> = err.0.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["database.retry_min"], "{err}");
    }

    #[test]
    fn relative_paths_follow_the_file_unless_the_environment_sets_them() {
        let dir = std::env::temp_dir().join(format!("wf-paths-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("wasteflow.toml");
        std::fs::write(&file, "[zone]\nfile = \"zone.toml\"\n[mqtt]\nca_file = \"ca.pem\"\n").unwrap();
        std::fs::write(dir.join("ca.pem"), "").unwrap(); // files named must be readable
        let path = file.to_str().unwrap();
        let s = load_from(Some(path), env(&[])).expect("valid");
        assert_eq!(s.zone.file, dir.join("zone.toml").display().to_string());
        assert_eq!(s.mqtt.ca_file, Some(dir.join("ca.pem").display().to_string()));
        let s = load_from(Some(path), env(&[("WASTEFLOW__ZONE__FILE", "mine.toml")])).expect("valid");
        assert_eq!(s.zone.file, "mine.toml", "relative to the working directory");
        assert_eq!(s.mqtt.ca_file, Some(dir.join("ca.pem").display().to_string()));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = load_from(None, env(&[("WASTEFLOW__MQTT__URLL", "x")])).expect_err("unknown key");
        assert!(err.to_string().contains("urll"), "{err}");
    }

    #[test]
    fn retention_shorter_than_the_validation_window_is_refused_naming_both_keys() {
        // 31 days of raw readings, readings accepted up to 30 days old: 1 day of margin, valid.
        let ok = [("WASTEFLOW__STORAGE__RAW_RETENTION", "31days"), ("WASTEFLOW__VALIDATION__MAX_PAST", "30days")];
        load_from(None, env(&ok)).expect("retention = max_past + 1 day is enough");
        // 30 days of raw readings: a redelivery 30 days old would be inserted a second time.
        let short = [("WASTEFLOW__STORAGE__RAW_RETENTION", "30days"), ("WASTEFLOW__VALIDATION__MAX_PAST", "30days")];
        let err = load_from(None, env(&short)).expect_err("no margin for clock differences");
        let text = err.to_string();
        assert_eq!(err.0.len(), 1, "{text}");
        assert_eq!(err.0[0].key, "storage.raw_retention", "{text}");
        assert!(text.contains("validation.max_past"), "{text}");
        assert!(text.contains("twice"), "the reason is given: {text}");
        // Retention below max_past: refused too.
        let shorter = [("WASTEFLOW__STORAGE__RAW_RETENTION", "8days"), ("WASTEFLOW__VALIDATION__MAX_PAST", "30days")];
        let err = load_from(None, env(&shorter)).expect_err("retention below max_past");
        assert!(err.to_string().contains("validation.max_past (30days)"), "{err}");
    }

    #[test]
    fn absurd_validation_windows_are_refused() {
        let err = load_from(
            None,
            env(&[
                ("WASTEFLOW__VALIDATION__MAX_FUTURE", "400000years"),
                ("WASTEFLOW__VALIDATION__MAX_PAST", "11years"),
            ]),
        )
        .expect_err("absurd windows");
        let keys: Vec<_> = err.0.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["validation.max_past", "validation.max_future"], "{err}");
        assert!(err.to_string().contains("400000years is beyond the limit of 1day"), "{err}");
        assert!(err.to_string().contains("11years is beyond the limit of 3650days"), "{err}");
        let at_limits =
            [("WASTEFLOW__VALIDATION__MAX_FUTURE", "1day"), ("WASTEFLOW__VALIDATION__MAX_PAST", "3650days")];
        load_from(None, env(&at_limits)).expect("the limits themselves are accepted");
    }

    #[test]
    fn example_config_parses() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/wasteflow.toml");
        let mut loaded = load_from(Some(path), env(&[])).expect("config/wasteflow.toml is valid");
        // Its zone file is the one next to it, wherever the daemon runs.
        assert_eq!(loaded.zone.file, concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml"));
        // The file promises every other key at its default.
        loaded.zone.file = Settings::default().zone.file;
        assert_eq!(loaded, Settings::default(), "config/wasteflow.toml differs from the defaults");
    }
}

#[cfg(test)]
mod credential_tests {
    use super::*;

    #[test]
    fn the_spool_goes_to_the_state_directory_unless_configured() {
        let mut s = Settings::default();
        spool_in_state_directory(&mut s, None);
        assert_eq!(s.database.spool_path(), std::path::PathBuf::from(crate::config::SPOOL_FILE_NAME));
        spool_in_state_directory(&mut s, Some("/var/lib/wasteflow:/var/lib/other"));
        assert_eq!(
            s.database.spool_path(),
            std::path::Path::new("/var/lib/wasteflow").join(crate::config::SPOOL_FILE_NAME)
        );
        let mut configured = Settings::default();
        configured.database.spool_file = Some("/srv/spool.jsonl".into());
        spool_in_state_directory(&mut configured, Some("/var/lib/wasteflow"));
        assert_eq!(
            configured.database.spool_path(),
            std::path::PathBuf::from("/srv/spool.jsonl"),
            "configured file wins"
        );
    }

    #[test]
    fn systemd_credentials_fill_unset_password_files_only() {
        let dir = std::env::temp_dir().join(format!("wf-cred-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("db-password"), "secret\n").unwrap();
        let mut s = Settings::default();
        from_credentials(&mut s, Some(dir.to_str().unwrap()));
        assert_eq!(s.database.password_file, Some(dir.join("db-password").display().to_string()));
        assert_eq!(s.mqtt.password_file, None, "no mqtt-password credential");
        let mut explicit = Settings::default();
        explicit.database.password_file = Some("/etc/wasteflow/db".into());
        from_credentials(&mut explicit, Some(dir.to_str().unwrap()));
        assert_eq!(explicit.database.password_file.as_deref(), Some("/etc/wasteflow/db"), "configured file wins");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
