//! The one-off commands on an installed host: `report`, `register export`, `plan`,
//! `dead-letters` and `verify` read the package's configuration when no `--config` (or
//! `WASTEFLOW_CONFIG`) is given and it exists, and the daemon's database and broker passwords
//! from the package's credentials directory when the configuration names none and no
//! `$CREDENTIALS_DIRECTORY` is set (root can read them; another user is told it cannot).

use super::args::Command;
use crate::config::Settings;
use std::path::Path;

/// The package's configuration file (deploy/debian, Cargo.toml `[package.metadata.deb]`).
pub const INSTALLED_CONFIG: &str = "/etc/wasteflow/wasteflow.toml";
/// Where the unit's `LoadCredential=` lines read the secrets from.
pub const INSTALLED_CREDENTIALS: &str = "/etc/wasteflow/credentials";

/// Whether `command` is a one-off command that reads the installed configuration by default.
fn one_off(command: &Command) -> bool {
    matches!(
        command,
        Command::Report { .. }
            | Command::Register { .. }
            | Command::Plan(_)
            | Command::DeadLetters { .. }
            | Command::Verify
    )
}

/// The configuration file to load: the one given, else the installed one for a one-off
/// command when `exists` says it is there.
pub fn config_path(given: Option<&str>, command: &Command, exists: impl Fn(&Path) -> bool) -> Option<String> {
    match given {
        Some(path) => Some(path.to_string()),
        None if one_off(command) && exists(Path::new(INSTALLED_CONFIG)) => Some(INSTALLED_CONFIG.to_string()),
        None => None,
    }
}

/// With the installed configuration, the passwords the unit would pass as credentials, where
/// the settings name none: the credentials directory read as systemd's would be
/// ([`crate::config::from_credentials`]).
pub fn installed_credentials(settings: &mut Settings, config: Option<&str>) {
    if config == Some(INSTALLED_CONFIG) && std::env::var_os("CREDENTIALS_DIRECTORY").is_none() {
        crate::config::from_credentials(settings, Some(INSTALLED_CREDENTIALS));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_off_commands_read_the_installed_configuration_when_none_is_given() {
        let there = |_: &Path| true;
        let absent = |_: &Path| false;
        assert_eq!(config_path(None, &Command::Verify, there).as_deref(), Some(INSTALLED_CONFIG));
        assert_eq!(config_path(None, &Command::Verify, absent), None);
        assert_eq!(config_path(Some("mine.toml"), &Command::Verify, there).as_deref(), Some("mine.toml"));
        // The daemon and the checks keep their explicit configuration (the unit passes it).
        assert_eq!(config_path(None, &Command::Run, there), None);
        assert_eq!(config_path(None, &Command::CheckConfig { connect: false }, there), None);
    }

    #[test]
    fn the_installed_credentials_only_with_the_installed_configuration() {
        let mut s = Settings::default();
        installed_credentials(&mut s, Some("mine.toml"));
        assert_eq!(s.database.password_file, None);
    }
}
