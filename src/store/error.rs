//! Store errors, and the one place that decides what is worth retrying.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database call timed out after {0:?}")]
    Timeout(Duration),
    #[error("database error: {0}")]
    Db(#[from] tokio_postgres::Error),
    #[error("cannot read database password file {path}: {source}")]
    PasswordFile { path: String, source: std::io::Error },
    #[error("database TLS: {0}")]
    Tls(String),
    #[error("invalid database URL: {0}")]
    Url(String),
    #[error("the database schema is at migration {found}, this wasteflow needs {needed}: run `wasteflow migrate` as the tables' owner (or set database.migrate_on_start = true)")]
    Outdated { found: i32, needed: i32 },
    #[error("the database's views and constraints are older than this wasteflow: run `wasteflow migrate` as the tables' owner (or set database.migrate_on_start = true)")]
    ViewsOutdated,
    #[error("applying the views and constraints (src/store/views.sql) failed: {0}")]
    Views(tokio_postgres::Error),
    #[error("migration {version} ({name}) failed: {source}")]
    Migration { version: i32, name: &'static str, source: tokio_postgres::Error },
    #[error("unexpected value in column {column}: {source}")]
    Column { column: &'static str, source: tokio_postgres::Error },
}

impl StoreError {
    /// True when the database refused the data itself (retrying the same batch cannot help):
    /// SQLSTATE classes 22 (data exception) and 23 (integrity constraint).
    pub fn is_refusal(&self) -> bool {
        match self {
            StoreError::Db(e) => e.code().is_some_and(|c| {
                let code = c.code();
                code.starts_with("22") || code.starts_with("23")
            }),
            _ => false,
        }
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
