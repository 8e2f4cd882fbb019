//! The command line: exit codes, every configuration problem at once, encode/decode.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

fn wasteflow() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wasteflow"));
    c.env_clear().env("WASTEFLOW__ZONE__FILE", concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml"));
    c
}

#[test]
fn version_is_printed() {
    let out = wasteflow().arg("--version").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn example_config_checks_out() {
    let out = wasteflow()
        .args(["--config", concat!(env!("CARGO_MANIFEST_DIR"), "/config/wasteflow.toml"), "check-config"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn invalid_configuration_lists_every_problem_and_exits_64() {
    let out = wasteflow()
        .env("WASTEFLOW__MQTT__URL", "mqtt://broker:1883")
        .env("WASTEFLOW__MQTT__TOPIC_FILTER", "zone/#")
        .env("WASTEFLOW__METRICS__LISTEN", "everywhere")
        .env("WASTEFLOW__BATCH__MAX_AGE", "0s")
        .arg("check-config")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    for key in ["mqtt.url", "mqtt.topic_filter", "metrics.listen", "batch.max_age"] {
        assert!(err.contains(key), "{key} named in:\n{err}");
    }
    assert!(err.contains("client_id"), "the fix is named:\n{err}");
}

#[test]
fn raw_retention_inside_the_validation_window_exits_64_naming_both_keys() {
    // Readings up to 30 days old are accepted but raw readings are dropped after 20 days: a
    // redelivery 25 days old would be stored, and its mass added to the rollups, a second time.
    let out = wasteflow()
        .env("WASTEFLOW__STORAGE__RAW_RETENTION", "20days")
        .env("WASTEFLOW__VALIDATION__MAX_PAST", "30days")
        .arg("check-config")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    for key in ["storage.raw_retention", "validation.max_past"] {
        assert!(err.contains(key), "{key} named in:\n{err}");
    }
    assert!(err.contains("at least 31days"), "the fix is named:\n{err}");
}

#[test]
fn absurd_validation_windows_exit_64() {
    let out = wasteflow()
        .env("WASTEFLOW__VALIDATION__MAX_FUTURE", "400000years")
        .env("WASTEFLOW__VALIDATION__MAX_PAST", "100years")
        .arg("check-config")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    for key in ["validation.max_future", "validation.max_past", "limit of 1day", "limit of 3650days"] {
        assert!(err.contains(key), "{key} named in:\n{err}");
    }
}

#[test]
fn invalid_zone_exits_64_with_its_place() {
    let dir = common::Scratch::dir("wf-zone-");
    let path = dir.join("zone.toml");
    std::fs::write(&path, "name = \"z\"\n[[gateways]]\nid = \"gw\"\ncompany = \"ghost\"\nsite = \"s\"\n").unwrap();
    let out = wasteflow().env("WASTEFLOW__ZONE__FILE", &path).arg("check-config").output().unwrap();
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("gateway \"gw\": company: no company \"ghost\""), "{err}");
}

/// check-config refuses codes that are not on the European List of Waste and asterisks that
/// disagree with it, each named with its stream and what to write instead.
#[test]
fn waste_codes_are_checked_against_the_list() {
    let shipped = std::fs::read_to_string(common::zone_file()).unwrap();
    let dir = common::Scratch::dir("wf-codes-");
    let cases = [
        (
            "ewc = \"12 01 01\"",
            "ewc = \"17 01 99\"",
            "stream \"steel-scrap\": ewc: \"17 01 99\" is not on the European List of Waste",
        ),
        (
            "ewc = \"12 01 01\"",
            "ewc = \"20 01 42\"",
            "stream \"steel-scrap\": ewc: \"20 01 42\" is not on the European List of Waste",
        ),
        (
            "ewc = \"13 02 05*\"",
            "ewc = \"13 02 05\"",
            "stream \"waste-oil\": ewc: \"13 02 05\": 13 02 05* is a hazardous entry",
        ),
        (
            "ewc = \"15 01 01\"\ndescription",
            "ewc = \"15 01 01*\"\ndescription",
            "stream \"cardboard\": ewc: \"15 01 01*\": 15 01 01 is not a hazardous entry",
        ),
    ];
    for (i, (from, to, expected)) in cases.iter().enumerate() {
        assert!(shipped.contains(from), "config/zone.toml has {from}");
        let path = dir.join(format!("zone-{i}.toml"));
        std::fs::write(&path, shipped.replacen(from, to, 1)).unwrap();
        let out = wasteflow().env("WASTEFLOW__ZONE__FILE", &path).arg("check-config").output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(64), "{to}: {err}");
        assert!(err.contains(expected), "{to}: expected {expected:?} in {err}");
    }
}

/// A misspelt fault is a usage error naming the faults there are; nothing is published.
#[test]
fn a_misspelt_fault_exits_64_naming_the_faults() {
    let out =
        wasteflow().args(["simulate", "--realistic", "--fault", "fire", "--fault", "clock_skew"]).output().unwrap();
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("invalid value 'clock_skew' for '--fault <FAULTS>'"), "{err}");
    let faults = wasteflow::simulate::Fault::ALL.map(|f| f.name()).join(", ");
    assert!(err.contains(&format!("[possible values: {faults}]")), "{err}");
    assert!(err.contains("'clock-skew'"), "the near name is suggested: {err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn encode_then_decode_round_trips() {
    let json =
        r#"{"seq":9,"base_time_ms":1800000000000,"readings":[{"sensor":4,"offset_ms":10,"value":{"NetMassKg":12.5}}]}"#;
    let mut child = wasteflow().arg("encode").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(json.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let hex = String::from_utf8(out.stdout).unwrap();
    let out = wasteflow().args(["decode", hex.trim()]).output().unwrap();
    assert!(out.status.success());
    let back: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(back, serde_json::from_str::<serde_json::Value>(json).unwrap());
    let bad = wasteflow().args(["decode", "02"]).output().unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown_version"));
}

#[tokio::test]
async fn check_config_connect_reports_what_works() {
    let db = common::TestDb::new().await;
    let env = common::Env::new(&db);
    let out = env.command().args(["check-config", "--connect"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("database: ok: PostgreSQL"), "{text}");
    assert!(text.contains("migrated at start (database.migrate_on_start)"), "an empty database is named: {text}");
    assert!(!text.contains("or set database.migrate_on_start"), "no advice to set what is set: {text}");
    assert!(text.contains("broker: ok: mqtt://"), "{text}");
    // The machine's Mosquitto keeps its defaults: 1,000 messages queued per session.
    assert!(text.contains("broker queue: WARNING: kept 1000 of 1100 messages"), "{text}");

    // A broker on the shipped configuration keeps them all.
    let (private, _broker) = common::Env::with_private_broker(&db);
    let out = private.command().args(["check-config", "--connect"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("broker queue: ok: kept all 1100 messages"), "{text}");

    // The database unreachable, the broker refusing: both named, exit 69.
    let mut bad = env.clone();
    bad.db_url = format!("postgres://postgres@127.0.0.1:{}/{}", common::free_port(), db.name);
    bad.broker_port = common::free_port();
    let out = bad.command().args(["check-config", "--connect"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(69), "{text}");
    assert!(text.contains("database: FAILED"), "{text}");
    assert!(text.contains("broker: FAILED"), "{text}");
}

/// Output an operator reads: no escape sequences when stderr is not a terminal (a log file,
/// journald), the server's own words for a database that is not there, and plain sentences
/// instead of Rust `Debug` dumps after `migrate`.
#[tokio::test]
async fn operator_output_has_no_colour_codes_and_no_debug_dumps() {
    let missing = wasteflow()
        .args(["verify"])
        .env("WASTEFLOW__DATABASE__URL", "postgres://postgres@127.0.0.1:5432/wasteflow_no_such_database")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(!missing.status.success());
    assert!(err.contains("3D000: database \"wasteflow_no_such_database\" does not exist"), "{err}");
    assert!(!err.contains('\u{1b}'), "no ANSI escape when stderr is a pipe: {err:?}");

    let db = common::TestDb::new().await;
    let out = common::Env::new(&db).command().arg("migrate").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("storage mode: PostgreSQL (plain tables); migrations applied now: 1, 2,"), "{text}");
    let zone = wasteflow::zone::Zone::load(&common::zone_file()).unwrap();
    let expected = format!("registry: {} companies, {} sites,", zone.file.companies.len(), zone.file.sites.len());
    assert!(text.contains(&expected), "{text}");
    assert!(!text.contains("SyncReport") && !text.contains("Postgres,") && !text.contains('['), "{text}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains('\u{1b}'));
}

/// What the server says on the side (NOTICE: "relation \"schema_migrations\" already exists,
/// skipping", from every idempotent migration) stays out of the operator's output at the
/// default level, for `migrate` and for the daemon starting on a migrated database; a second
/// `migrate` says it had nothing to do.
#[tokio::test]
async fn migrating_twice_shows_no_server_notices() {
    let db = common::TestDb::new().await;
    let env = common::Env::new(&db);
    let no_notices = |what: &str, text: &str| {
        assert!(!text.contains("NOTICE") && !text.contains("already exists"), "{what}:\n{text}");
    };
    let mut last = String::new();
    for run in ["first migrate", "second migrate"] {
        let out = env.command().arg("migrate").output().unwrap();
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{run}: {stdout}{stderr}");
        no_notices(&format!("{run}, stdout"), &stdout);
        no_notices(&format!("{run}, stderr"), &stderr);
        last = stdout.into_owned();
    }
    assert!(last.contains("migrations applied now: none (the database was up to date)"), "{last}");

    let daemon = common::Daemon::start(&env).await;
    let log = daemon.log_text();
    assert!(daemon.terminate().await.success(), "{log}");
    no_notices("the daemon's log", &log);
}

/// `wasteflow ... | head`: a reader that goes away ends the command quietly, with the exit
/// status a shell gives a tool killed by SIGPIPE (141), not with a panic message.
#[test]
fn a_closed_stdout_ends_quietly() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader); // every write to stdout now fails with EPIPE
    let out = wasteflow()
        .args(["--config", &format!("{}/config/wasteflow.toml", env!("CARGO_MANIFEST_DIR")), "check-config"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(141), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
