//! Store errors, and the one place that decides what is worth retrying.

use crate::tls::TlsError;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database call timed out after {0:?}")]
    Timeout(Duration),
    #[error("database error: {}", describe(.0))]
    Db(#[from] tokio_postgres::Error),
    /// Connecting failed before the server said anything (refused, unreachable, no password
    /// to give): `at` is the server's `host:port`.
    #[error("cannot connect to the database at {at}: {}", describe(source))]
    Connect { at: String, source: tokio_postgres::Error },
    #[error("no answer from the database at {at} within {after:?} (database.connect_timeout)")]
    ConnectTimeout { at: String, after: Duration },
    #[error("cannot read database password file {path}: {source}")]
    PasswordFile { path: String, source: std::io::Error },
    /// The TLS configuration (`database.ca_file` or the system's trust store) cannot be built.
    #[error("database TLS: {0}")]
    Tls(#[from] TlsError),
    /// Connecting over TLS failed (handshake, certificate, or the connection under it); the
    /// message says what to do for the usual certificate mistakes.
    #[error("database TLS: {}", crate::tls::explain(&with_sources(.0), "database.ca_file"))]
    TlsConnect(#[source] tokio_postgres::Error),
    #[error("invalid database URL: {0}")]
    Url(#[source] tokio_postgres::Error),
    #[error("the database schema is at migration {found}, this wasteflow needs {needed}: run `wasteflow migrate` as the tables' owner (or set database.migrate_on_start = true)")]
    Outdated { found: i32, needed: i32 },
    #[error("the database's views and constraints are older than this wasteflow: run `wasteflow migrate` as the tables' owner (or set database.migrate_on_start = true)")]
    ViewsOutdated,
    #[error("the storage v2 upgrade is not finished ({copied} of {total} v1 readings copied): the daemon does not ingest into a half-migrated schema; stop it and run `wasteflow migrate` as the tables' owner (it resumes where it stopped and shows its progress)")]
    UpgradePending { copied: i64, total: i64 },
    #[error("zone.time_zone = {name:?}: {why}")]
    TimeZone { name: String, why: TimeZoneRefusal },
    #[error("the storage v2 upgrade stopped: {0}")]
    Upgrade(#[from] UpgradeError),
    #[error("applying the views and constraints (src/store/schema/views.sql) failed: {}", describe_with_context(.0))]
    Views(tokio_postgres::Error),
    #[error("migration {version} ({name}) failed: {}", describe_with_context(source))]
    Migration { version: i32, name: &'static str, source: tokio_postgres::Error },
    #[error("unexpected value in column {column}: {source}")]
    Column { column: &'static str, source: tokio_postgres::Error },
}

/// Why the database refuses `zone.time_zone` (at a registry sync, or `check-config --connect`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeZoneRefusal {
    #[error(
        "the database does not know this time zone (pg_timezone_names); write the IANA name of the \
         zone's time zone in [zone] time_zone, e.g. \"Europe/Paris\""
    )]
    Unknown,
    #[error(
        "its UTC offset is not always a whole number of hours: {}; choose another time zone in [zone] time_zone",
        crate::config::time_zone::WHOLE_HOURS
    )]
    NotWholeHours,
}

/// Why the storage v2 upgrade stops short of dropping the v1 tables.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpgradeError {
    /// Fewer rows in `readings` than in `readings_v1`: the copy is incomplete.
    #[error("readings_v1 holds {v1} rows and readings {v2}: the v1 tables are kept; run `wasteflow migrate` again")]
    RowsMissing { v1: i64, v2: i64 },
}

impl StoreError {
    /// True when the database refused the data itself (retrying the same batch cannot help):
    /// SQLSTATE classes 22 (data exception) and 23 (integrity constraint).
    pub fn is_refusal(&self) -> bool {
        self.refusal().is_some()
    }

    /// What the server said when it refused the data (SQLSTATE classes 22 and 23), or `None`
    /// for any other error (unreachable, timed out, ...).
    pub fn refusal(&self) -> Option<Refusal> {
        let StoreError::Db(e) = self else { return None };
        let db = e.as_db_error()?;
        let code = db.code().code();
        if !(code.starts_with("22") || code.starts_with("23")) {
            return None;
        }
        Some(Refusal {
            sqlstate: code.to_string(),
            message: db.message().to_string(),
            constraint: db.constraint().map(str::to_string),
        })
    }
}

/// The server's own words when it refused a batch's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Five characters; the first two are the class (22 data exception, 23 integrity).
    pub sqlstate: String,
    pub message: String,
    pub constraint: Option<String>,
}

impl Refusal {
    /// The SQLSTATE class: a bounded metric label.
    pub fn class(&self) -> &str {
        self.sqlstate.get(..2).unwrap_or("??")
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SQLSTATE {}", self.sqlstate)?;
        if let Some(c) = &self.constraint {
            write!(f, ", constraint {c}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The value of a named column of a row read from the database, or an error naming the column.
pub fn column<'a, T: tokio_postgres::types::FromSql<'a>>(
    row: &'a tokio_postgres::Row,
    column: &'static str,
) -> Result<T, StoreError> {
    row.try_get(column).map_err(|source| StoreError::Column { column, source })
}

/// Runs a database future with the statement timeout.
pub async fn timed<T, F>(limit: Duration, fut: F) -> Result<T, StoreError>
where
    F: std::future::Future<Output = Result<T, tokio_postgres::Error>>,
{
    match tokio::time::timeout(limit, fut).await {
        Ok(r) => r.map_err(StoreError::Db),
        Err(_) => Err(StoreError::Timeout(limit)),
    }
}

/// A driver error with what tokio-postgres keeps in its source: the server's SQLSTATE and
/// message ("db error" alone says nothing), or the I/O cause of a connection failure.
pub fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = format!("{} {}: {}", db.severity(), db.code().code(), db.message());
        if let Some(c) = db.constraint() {
            text.push_str(&format!(" (constraint {c})"));
        }
        if let Some(h) = db.hint() {
            text.push_str(&format!("; hint: {h}"));
        }
        return text;
    }
    let text = with_sources(e);
    // tokio-postgres's words when the server asks for a password the configuration lacks.
    if text.ends_with("password missing") {
        return format!(
            "{text}: the server asks for a password; set database.password_file, or pass it as the \
             credential db-password (LoadCredential= in the unit)"
        );
    }
    text
}

/// [`describe`], and where in the SQL the server was (the statement a migration's block ran):
/// what a failed migration needs to be found.
pub fn describe_with_context(e: &tokio_postgres::Error) -> String {
    match e.as_db_error().and_then(|db| db.where_()) {
        Some(w) => format!("{} (at: {})", describe(e), w.replace('\n', "; ")),
        None => describe(e),
    }
}

/// The error followed by its sources, `: `-separated (tokio-postgres keeps the I/O or TLS
/// cause of a failed connection there).
pub fn with_sources(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
