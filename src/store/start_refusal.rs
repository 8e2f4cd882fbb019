//! What no retry can fix when the daemon starts: the database refused who it is or what it
//! asked for. The credentials and the URL are read once at start, so waiting changes nothing;
//! the daemon ends with exit 64 (the unit's `RestartPreventExitStatus=64`) and a message that
//! says what to do. An unreachable server, a timeout or a server starting up are retried.
//!
//! SQLSTATEs: PostgreSQL's "Appendix A. PostgreSQL Error Codes": 3D000 invalid_catalog_name,
//! 28000 invalid_authorization_specification, 28P01 invalid_password, 42501
//! insufficient_privilege.

use super::error::StoreError;
use crate::config::DatabaseSettings;

/// Why the database refuses the daemon for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartRefusal {
    /// 3D000: the database does not exist.
    NoDatabase,
    /// 28000: the role does not exist, or no `pg_hba.conf` line lets it in.
    NotLetIn,
    /// 28P01: the password is wrong (or, under password authentication, the role unknown).
    WrongPassword,
    /// The server asks for a password and none is configured.
    PasswordMissing,
    /// 42501: the login lacks a privilege a migration or the registry sync needs.
    Privilege,
}

/// The command that prints, for a superuser, what a new server needs.
const SETUP: &str = "wasteflow setup-db | sudo -u postgres psql -v ON_ERROR_STOP=1";

impl StoreError {
    /// The refusal no retry can fix, if this is one.
    pub fn start_refusal(&self) -> Option<StartRefusal> {
        let e = match self {
            StoreError::Db(e) | StoreError::Connect { source: e, .. } => e,
            StoreError::Migration { source, .. } | StoreError::Views(source) => source,
            _ => return None,
        };
        if super::error::with_sources(e).ends_with("password missing") {
            return Some(StartRefusal::PasswordMissing);
        }
        match e.as_db_error()?.code().code() {
            "3D000" => Some(StartRefusal::NoDatabase),
            "28000" => Some(StartRefusal::NotLetIn),
            "28P01" => Some(StartRefusal::WrongPassword),
            "42501" => Some(StartRefusal::Privilege),
            _ => None,
        }
    }
}

impl StartRefusal {
    /// What the operator does about it, with the names of `settings`.
    pub fn fix(self, settings: &DatabaseSettings) -> String {
        let url: Option<tokio_postgres::Config> = settings.url.parse().ok();
        let user = url.as_ref().and_then(|u| u.get_user()).unwrap_or("?").to_string();
        let database = url.as_ref().and_then(|u| u.get_dbname()).unwrap_or(&user).to_string();
        let at = server_of(&settings.url);
        match self {
            StartRefusal::NoDatabase => format!(
                "the database {database:?} does not exist on {at}: as a superuser, create it with `{SETUP}` \
                 (docs/operations.md, \"The database and its roles\"), or correct database.url"
            ),
            StartRefusal::NotLetIn => format!(
                "the server at {at} does not let {user:?} into {database:?}: create the role (`{SETUP}`), or add a \
                 pg_hba.conf line for this host, user and database, or correct database.url"
            ),
            StartRefusal::WrongPassword => format!(
                "the server at {at} refused the password of {user:?}, read from {}: correct it there, or set the \
                 role's (as a superuser: \\password {user}); the server answers the same for a role that does not exist",
                password_source(settings)
            ),
            StartRefusal::PasswordMissing => format!(
                "the server at {at} asks {user:?} for a password and none is configured: set database.password_file, \
                 or pass the credential db-password (LoadCredential= in the unit)"
            ),
            StartRefusal::Privilege => format!(
                "{user:?} lacks a privilege this start needs: on a new server, have a superuser run `{SETUP}` first \
                 (it creates the server's roles); or run `wasteflow migrate` as the database's owner and set \
                 database.migrate_on_start = false (docs/operations.md, \"The database and its roles\")"
            ),
        }
    }
}

/// Where the password came from: the systemd credential, the password file, or the URL.
pub fn password_source(s: &DatabaseSettings) -> String {
    match &s.password_file {
        Some(path) => match std::env::var("CREDENTIALS_DIRECTORY") {
            Ok(dir) if std::path::Path::new(path).starts_with(&dir) => {
                format!("the credential db-password ({path}, LoadCredential= in the unit)")
            }
            _ => format!("database.password_file ({path})"),
        },
        None => "the password in database.url".to_string(),
    }
}

/// `host:port` of the first server of a database URL (what an operator types in `psql -h`).
pub fn server_of(url: &str) -> String {
    let Ok(cfg) = url.parse::<tokio_postgres::Config>() else { return "the configured server".into() };
    let host = match cfg.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_string(),
    };
    let port = cfg.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_is_named_as_psql_would_be_given_it() {
        assert_eq!(server_of("postgres://wf@127.0.0.1:5433/wf"), "127.0.0.1:5433");
        assert_eq!(server_of("postgres://wf@db.example/wf"), "db.example:5432");
        assert_eq!(server_of("host=/run/postgresql user=wf"), "/run/postgresql:5432");
    }

    #[test]
    fn the_password_names_where_it_came_from() {
        let mut s = DatabaseSettings::default();
        assert_eq!(password_source(&s), "the password in database.url");
        s.password_file = Some("/etc/wasteflow/db-pw".into());
        assert_eq!(password_source(&s), "database.password_file (/etc/wasteflow/db-pw)");
    }
}
