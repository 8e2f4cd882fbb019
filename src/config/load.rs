//! Layering the sources and collecting every problem before giving up.

use super::keys::section;
use super::problem::{push, ConfigErrors, Problem};
use super::settings::*;
use config::{Config, Environment, File, FileFormat, Source as _};
use std::net::SocketAddr;

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
    // A key whose value was refused is named once: the checks see its default instead.
    let refused: Vec<String> = problems.iter().map(|p| p.key.clone()).collect();
    let mut checked = Vec::new();
    check(&settings, &mut checked);
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
fn from_credentials(s: &mut Settings, dir: Option<&str>) {
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

/// Checks that go beyond types: ranges, formats and relations between values.
fn check(s: &Settings, problems: &mut Vec<Problem>) {
    if let Err(e) = super::parse_mqtt_url(&s.mqtt.url) {
        push(problems, "mqtt.url", e.to_string());
    }
    if let Err(e) = crate::wire::TopicLayout::parse(&s.mqtt.topic_filter) {
        push(problems, "mqtt.topic_filter", e.to_string());
    }
    if s.mqtt.receive_maximum == 0 {
        push(problems, "mqtt.receive_maximum", "must be at least 1 (8000, the default, is a good start)");
    }
    if s.mqtt.max_payload_bytes < 16 {
        push(problems, "mqtt.max_payload_bytes", "must be at least 16 bytes (65536 is the default)");
    }
    // A payload one byte above the cap must still fit, with the longest topic (64 KiB), so
    // that it reaches the daemon and is dead-lettered rather than dropped by the broker.
    let least_packet = s.mqtt.max_payload_bytes.saturating_add(64 * 1024 + FORWARDING_OVERHEAD);
    if s.mqtt.max_packet_bytes < least_packet || s.mqtt.max_packet_bytes > MQTT_MAX_PACKET {
        push(
            problems,
            "mqtt.max_packet_bytes",
            format!(
                "must be between mqtt.max_payload_bytes + 65 KiB ({least_packet}) and {MQTT_MAX_PACKET}, and above the \
                 broker's largest packet plus 1 KiB ({DEFAULT_MAX_PACKET_BYTES} for the shipped Mosquitto configuration)"
            ),
        );
    }
    if s.mqtt.reconnect_min.is_zero() || s.mqtt.reconnect_min > s.mqtt.reconnect_max {
        push(problems, "mqtt.reconnect_min", "must be above zero and not above mqtt.reconnect_max");
    }
    if s.mqtt.keep_alive.as_secs() < 5 {
        push(problems, "mqtt.keep_alive", "must be at least 5s (rumqttc refuses shorter)");
    }
    if s.database.url.trim().is_empty() {
        push(problems, "database.url", "is empty; set e.g. postgres://wasteflow@127.0.0.1/wasteflow");
    } else if let Err(e) = s.database.url.parse::<tokio_postgres::Config>() {
        push(problems, "database.url", format!("not a PostgreSQL connection string: {e}"));
    }
    let v = &s.validation;
    if !(v.gateway_max_rate >= 0.0 && v.gateway_max_rate.is_finite()) {
        push(
            problems,
            "validation.gateway_max_rate",
            "must be a number of messages per second, 0 or more (0: no limit)",
        );
    }
    if v.gateway_max_rate > 0.0 && !(v.gateway_burst >= 1.0 && v.gateway_burst.is_finite()) {
        push(
            problems,
            "validation.gateway_burst",
            "must be at least 1 message when gateway_max_rate is set (e.g. 1000)",
        );
    }
    check_windows(s, problems);
    if !(1..=16).contains(&s.database.writers) {
        push(
            problems,
            "database.writers",
            "must be between 1 and 16 (2 suits a small host; more than the database's cores does not help)",
        );
    }
    if s.database.statement_timeout.is_zero() {
        push(problems, "database.statement_timeout", "must be above zero (e.g. 10s)");
    }
    if s.database.connect_timeout.is_zero() {
        push(problems, "database.connect_timeout", "must be above zero (e.g. 5s)");
    }
    if s.database.retry_min.is_zero() || s.database.retry_min > s.database.retry_max {
        push(problems, "database.retry_min", "must be above zero and not above database.retry_max");
    }
    if let Some(schema) = &s.database.schema {
        let ok = !schema.is_empty()
            && schema.len() <= 63
            && !schema.starts_with(|c: char| c.is_ascii_digit())
            && schema.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok {
            push(problems, "database.schema", "use lower-case letters, digits and '_' (e.g. wasteflow)");
        }
    }
    if s.storage.compress_after.as_secs() < 3600 {
        push(problems, "storage.compress_after", "must be at least 1h (e.g. 7days)");
    }
    for (key, v) in [
        ("storage.raw_retention", s.storage.raw_retention),
        ("storage.minute_rollup_retention", s.storage.minute_rollup_retention),
    ] {
        if v.is_some_and(|d| d < s.storage.compress_after.max(std::time::Duration::from_secs(86_400))) {
            push(
                problems,
                key,
                "must be at least one day and not below storage.compress_after, or left unset to keep everything",
            );
        }
    }
    if !(s.live.anomaly_alpha > 0.0 && s.live.anomaly_alpha <= 1.0) {
        push(problems, "live.anomaly_alpha", "must be above 0 and at most 1 (e.g. 0.1)");
    }
    if s.live.silent_factor.is_nan() || s.live.silent_factor < 1.0 {
        push(problems, "live.silent_factor", "must be at least 1 (e.g. 3: three missed reports)");
    }
    if s.live.anomaly_threshold.is_nan()
        || s.live.anomaly_threshold <= 0.0
        || s.live.anomaly_min_std.is_nan()
        || s.live.anomaly_min_std <= 0.0
    {
        push(problems, "live.anomaly_threshold", "live.anomaly_threshold and live.anomaly_min_std must be above 0");
    }
    if s.live.max_held_frames == 0 || s.live.max_held_frames > 100_000 {
        push(problems, "live.max_held_frames", "must be from 1 to 100000 frames (e.g. 4096)");
    }
    if s.live.tick.as_millis() < 100 {
        push(problems, "live.tick", "must be at least 100ms (e.g. 1s)");
    }
    if s.batch.max_readings == 0 {
        push(problems, "batch.max_readings", "must be at least 1 (10000 is the default)");
    }
    if s.batch.max_messages == 0 || s.batch.max_messages > usize::from(s.mqtt.receive_maximum.max(1)) {
        push(
            problems,
            "batch.max_messages",
            format!(
                "must be between 1 and mqtt.receive_maximum ({}): a batch can never hold more unacked messages than the broker sends",
                s.mqtt.receive_maximum
            ),
        );
    }
    if s.batch.max_age.is_zero() {
        push(problems, "batch.max_age", "must be above zero (e.g. 50ms)");
    }
    if s.metrics.stall_after < s.database.statement_timeout {
        push(problems, "metrics.stall_after", "must be at least database.statement_timeout (e.g. 60s)");
    }
    if let Err(e) = s.metrics.listen.parse::<SocketAddr>() {
        push(
            problems,
            "metrics.listen",
            format!("found {:?}; expected a socket address such as \"127.0.0.1:9187\" ({e})", s.metrics.listen),
        );
    }
    if s.zone.file.trim().is_empty() {
        push(
            problems,
            "zone.file",
            "is empty; point it at the zone registry, e.g. \"zone.toml\" (relative to the configuration file)",
        );
    }
    if let Err(e) = crate::config::time_zone::check_name(&s.zone.time_zone) {
        push(problems, "zone.time_zone", e);
    }
    super::limits::check_ranges(s, problems);
}

/// The validation window: bounded, and inside the deduplication window (a reading is counted
/// once only while its first copy is still in `readings`).
fn check_windows(s: &Settings, problems: &mut Vec<Problem>) {
    let (past, future) = (s.validation.max_past, s.validation.max_future);
    if past > MAX_PAST_LIMIT {
        push(
            problems,
            "validation.max_past",
            format!(
                "{} is beyond the limit of {} (10 years): gateways buffer days, not decades; use e.g. 30days",
                days(past),
                days(MAX_PAST_LIMIT)
            ),
        );
    }
    if future > MAX_FUTURE_LIMIT {
        push(
            problems,
            "validation.max_future",
            format!(
                "{} is beyond the limit of {}: a gateway further ahead has a broken clock; use e.g. 5m",
                days(future),
                days(MAX_FUTURE_LIMIT)
            ),
        );
    }
    if let Some(retention) = s.storage.raw_retention {
        if retention < past.saturating_add(DEDUP_MARGIN) {
            push(
                problems,
                "storage.raw_retention",
                format!(
                    "{} must exceed validation.max_past ({}) by at least {}: a redelivered reading older than \
                     the retention is no longer in readings, so it would be stored again and its mass added \
                     to the rollups twice (the extra day covers clock differences between the daemon and the \
                     database); set storage.raw_retention to at least {} or validation.max_past to at most {}",
                    days(retention),
                    days(past),
                    days(DEDUP_MARGIN),
                    days(past.saturating_add(DEDUP_MARGIN)),
                    days(retention.saturating_sub(DEDUP_MARGIN)),
                ),
            );
        }
    }
}

/// A duration as the configuration writes it: whole days up to 10,000 as `30days` (humantime
/// would write 31 days as `1month 13h 26m 24s`), anything else in humantime's form
/// (`400000years`).
fn days(d: std::time::Duration) -> String {
    match (d.as_secs() / 86_400, d.as_secs() % 86_400, d.subsec_nanos()) {
        (1, 0, 0) => "1day".to_string(),
        (n @ 2..=10_000, 0, 0) => format!("{n}days"),
        _ => humantime::format_duration(d).to_string(),
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
