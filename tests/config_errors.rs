//! `wasteflow check-config` on configuration files written for the test: every problem named
//! by its full key, with what was found and a working example, all in one run; paths in the
//! file relative to the file (issue 17, rough edges 4 and 5).

mod common;

use common::Scratch;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ZONE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml");

/// A directory of its own under the temporary directory (kept if the test fails).
struct TempDir(Scratch);

impl TempDir {
    fn new(name: &str) -> TempDir {
        TempDir(Scratch::dir(&format!("wf-config-errors-{name}-")))
    }

    /// Writes `text` to `name` in the directory; returns its path.
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

/// `wasteflow --config <config> check-config` from `cwd`, with no WASTEFLOW__ variable.
fn check_config(config: &Path, cwd: &Path, env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasteflow"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .current_dir(cwd)
        .arg("--config")
        .arg(config)
        .arg("check-config")
        .output()
        .unwrap()
}

/// The problem lines of a refused configuration (exit 64), in order.
fn problems(out: &Output) -> Vec<String> {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(64), "refused with 64:\n{err}");
    err.lines().filter_map(|l| l.strip_prefix("  - ")).map(str::to_string).collect()
}

/// A configuration file with `text` and the example zone next to it, checked from `dir`.
fn refused(text: &str) -> Vec<String> {
    let dir = TempDir::new("refused");
    let config = dir.write("wasteflow.toml", &format!("[zone]\nfile = \"{ZONE}\"\n\n{text}"));
    problems(&check_config(&config, dir.0.path(), &[]))
}

#[test]
fn a_duration_without_unit_names_the_key_and_an_example() {
    let lines = refused("[database]\nconnect_timeout = \"5\"\n");
    assert_eq!(
        lines,
        [
            r#"database.connect_timeout: found the string "5"; expected a duration such as "5s" or "2min" (a number needs a unit: "5s" is 5 seconds)"#
        ]
    );
}

#[test]
fn an_integer_where_a_duration_is_expected_is_called_an_integer() {
    let lines = refused("[mqtt]\nkeep_alive = 30\n");
    assert_eq!(
        lines,
        [
            r#"mqtt.keep_alive: found the integer 30; expected a duration such as "5s" or "2min" (a number needs a unit: "30s" is 30 seconds)"#
        ]
    );
}

#[test]
fn unknown_keys_and_bad_values_of_every_section_are_reported_in_one_run() {
    let lines = refused(
        "[database]\n\
         conect_timeout = \"5s\"\n\
         writers = \"two\"\n\
         tls = \"maybe\"\n\
         [mqtt]\n\
         receive_maximum = 70000\n\
         [log]\n\
         format = \"xml\"\n\
         [metrics]\n\
         listen = \"nowhere\"\n",
    );
    assert_eq!(
        lines,
        [
            r#"mqtt.receive_maximum: found the integer 70000; expected a whole number from 0 to 65535, such as 100"#,
            r#"database.writers: found the string "two"; expected a whole number, 0 or more, such as 100"#,
            r#"database.tls: found the string "maybe"; expected true or false"#,
            r#"database.conect_timeout: unknown key; did you mean database.connect_timeout?"#,
            r#"log.format: found the string "xml"; expected one of "human", "json""#,
            r#"metrics.listen: found "nowhere"; expected a socket address such as "127.0.0.1:9187" (invalid socket address syntax)"#,
        ]
    );
}

#[test]
fn a_relative_zone_file_is_found_next_to_the_configuration_file() {
    let config_dir = TempDir::new("config");
    let elsewhere = TempDir::new("cwd");
    std::fs::copy(ZONE, config_dir.0.join("zone.toml")).unwrap();
    let config = config_dir.write("wasteflow.toml", "[zone]\nfile = \"zone.toml\"\n");
    let out = check_config(&config, elsewhere.0.path(), &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("configuration and zone registry are valid"));
}

#[test]
fn an_absolute_zone_file_is_used_as_it_is() {
    let config_dir = TempDir::new("config");
    let zone_dir = TempDir::new("zone");
    let elsewhere = TempDir::new("cwd");
    let zone = zone_dir.0.join("zone.toml");
    std::fs::copy(ZONE, &zone).unwrap();
    let config = config_dir.write("wasteflow.toml", &format!("[zone]\nfile = \"{}\"\n", zone.display()));
    let out = check_config(&config, elsewhere.0.path(), &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A relative path given by an environment variable has no file to be relative to: it is
/// relative to the working directory.
#[test]
fn a_relative_zone_file_from_the_environment_is_relative_to_the_working_directory() {
    let config_dir = TempDir::new("config");
    let cwd = TempDir::new("cwd");
    std::fs::copy(ZONE, cwd.0.join("zone.toml")).unwrap();
    let config = config_dir.write("wasteflow.toml", "[zone]\nfile = \"elsewhere.toml\"\n");
    let out = check_config(&config, cwd.0.path(), &[("WASTEFLOW__ZONE__FILE", "zone.toml")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A configuration file the user may not read is called that, not "not found", with the fix;
/// a missing one is called missing.
#[test]
fn an_unreadable_configuration_file_is_not_called_missing() {
    let dir = TempDir::new("unreadable");
    let config = dir.write("wasteflow.toml", &format!("[zone]\nfile = \"{ZONE}\"\n"));
    std::fs::set_permissions(&config, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    std::fs::set_permissions(dir.0.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    // The tests run as root, who reads anything: the check runs as `nobody`.
    let out = Command::new("runuser")
        .args(["-u", "nobody", "--"])
        .arg(env!("CARGO_BIN_EXE_wasteflow"))
        .arg("--config")
        .arg(&config)
        .arg("check-config")
        .current_dir("/")
        .output()
        .expect("runuser (run the tests as root)");
    let lines = problems(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("cannot read the configuration file: Permission denied"), "{lines:?}");
    assert!(lines[0].contains("run as root or as a member of the file's group"), "{lines:?}");

    let missing = dir.0.join("nowhere.toml");
    let lines = problems(&check_config(&missing, dir.0.path(), &[]));
    assert_eq!(
        lines,
        [format!("{}: no such configuration file (No such file or directory (os error 2))", missing.display())]
    );
}

/// Without `--config`, the built-in defaults apply: when they do not fit (no `config/zone.toml`
/// in the working directory), the error says that no configuration file was given.
#[test]
fn no_configuration_file_is_said_when_the_defaults_do_not_fit() {
    let out = Command::new(env!("CARGO_BIN_EXE_wasteflow"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir("/")
        .arg("check-config")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(64), "{err}");
    assert!(
        err.contains("no configuration file was given (zone.file is \"config/zone.toml\"): pass --config"),
        "{err}"
    );
}

/// A bad value from an environment variable names the variable: it is not in the file.
#[test]
fn a_bad_value_from_the_environment_names_its_variable() {
    let dir = TempDir::new("env");
    let config = dir.write("wasteflow.toml", &format!("[zone]\nfile = \"{ZONE}\"\n"));
    let out = check_config(&config, dir.0.path(), &[("WASTEFLOW__DATABASE__CONNECT_TIMEOUT", "5")]);
    assert_eq!(
        problems(&out),
        [
            r#"database.connect_timeout: found the string "5"; expected a duration such as "5s" or "2min" (a number needs a unit: "5s" is 5 seconds) (set by WASTEFLOW__DATABASE__CONNECT_TIMEOUT)"#
        ]
    );
}

#[test]
fn an_inflight_budget_below_one_packet_is_refused_with_the_packet_size() {
    let lines = refused("[mqtt]\nmax_inflight_bytes = 100000\n");
    assert_eq!(
        lines,
        ["mqtt.max_inflight_bytes: must be at least mqtt.max_packet_bytes (328704): the daemon reads the next \
             message only while one of the largest size fits (16777216, 16 MiB, is the default)"]
    );
    let lines = refused("[mqtt]\nmax_inflight_bytes = \"16MiB\"\n");
    assert_eq!(
        lines,
        [r#"mqtt.max_inflight_bytes: found the string "16MiB"; expected a whole number, 0 or more, such as 100"#]
    );
}
