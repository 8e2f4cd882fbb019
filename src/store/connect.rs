//! Opening a connection: timeouts and keepalives set, the connection future driven.

use super::error::StoreError;
use crate::config::DatabaseSettings;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::task::JoinHandle;
use tokio_postgres::error::Severity;
use tokio_postgres::{AsyncMessage, Client, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

/// A live connection. Dropping it closes the session cleanly (Terminate) when the server
/// answers, and closes the socket after a second when it has stalled.
pub struct Db {
    pub client: Client,
    driver: Option<JoinHandle<()>>,
}

impl Db {
    /// Closes the session and waits (up to a second) until the server has been told.
    pub async fn close(mut self) {
        let driver = self.driver.take();
        drop(self); // drops the client: the driver sends Terminate and ends
        if let Some(mut driver) = driver {
            if tokio::time::timeout(Duration::from_secs(1), &mut driver).await.is_err() {
                driver.abort();
            }
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let Some(mut driver) = self.driver.take() else { return };
        // `client` is dropped right after this: the driver then sends Terminate and ends.
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    if tokio::time::timeout(Duration::from_secs(1), &mut driver).await.is_err() {
                        driver.abort();
                    }
                });
            }
            Err(_) => driver.abort(),
        }
    }
}

/// How to connect, prepared once from [`DatabaseSettings`] at start: the URL parsed, timeouts
/// and keepalives set, the password file read and the TLS configuration (CA file or the
/// system's trust store) loaded. Cloned into every stage that connects, so that reconnecting
/// does no blocking file I/O, and a missing password file or CA file is reported at start.
#[derive(Clone)]
pub struct Connector {
    settings: Arc<DatabaseSettings>,
    config: tokio_postgres::Config,
    /// Present when TLS is required (`tls` or `ca_file`).
    tls: Option<MakeRustlsConnect>,
}

impl Connector {
    /// Prepares the connection recipe; reads the password file and the CA certificates (or the
    /// system's trust store) now.
    pub fn new(s: &DatabaseSettings) -> Result<Connector, StoreError> {
        let mut cfg: tokio_postgres::Config = s.url.parse().map_err(StoreError::Url)?;
        cfg.connect_timeout(s.connect_timeout);
        cfg.keepalives(true);
        cfg.keepalives_idle(Duration::from_secs(30));
        cfg.keepalives_interval(Duration::from_secs(10));
        cfg.keepalives_retries(3);
        if cfg.get_application_name().is_none() {
            cfg.application_name("wasteflow");
        }
        if let Some(path) = &s.password_file {
            cfg.password(read_password_file(path)?);
        }
        let tls = if s.tls || s.ca_file.is_some() {
            // TLS required, the server's certificate verified against ca_file (or the system's
            // trust store) and the host name.
            let config = crate::tls::client_config(s.ca_file.as_deref(), None)?;
            cfg.ssl_mode(tokio_postgres::config::SslMode::Require);
            Some(MakeRustlsConnect::new(config))
        } else {
            None
        };
        Ok(Connector { settings: Arc::new(s.clone()), config: cfg, tls })
    }

    /// The settings it was prepared from.
    pub fn settings(&self) -> &DatabaseSettings {
        &self.settings
    }

    /// Connects with the configured timeouts and TCP keepalives (the defaults are none and
    /// 2 h), and sets the search path when a schema is configured.
    pub async fn connect(&self) -> Result<Db, StoreError> {
        let s = &*self.settings;
        let (client, driver) = match &self.tls {
            Some(tls) => {
                let (client, connection) =
                    match tokio::time::timeout(s.connect_timeout, self.config.connect(tls.clone())).await {
                        Ok(r) => r.map_err(StoreError::TlsConnect)?,
                        Err(_) => return Err(self.timed_out()),
                    };
                (client, tokio::spawn(drive(connection)))
            }
            None => {
                let (client, connection) =
                    match tokio::time::timeout(s.connect_timeout, self.config.connect(NoTls)).await {
                        Ok(r) => r.map_err(|e| self.refused(e))?,
                        Err(_) => return Err(self.timed_out()),
                    };
                (client, tokio::spawn(drive(connection)))
            }
        };
        let db = Db { client, driver: Some(driver) };
        if let Some(schema) = &s.schema {
            // The name was checked at load (lower-case letters, digits, '_'); the extension's
            // functions stay reachable through public.
            let set = format!("SET search_path TO {schema}, public");
            super::error::timed(s.statement_timeout, db.client.batch_execute(&set)).await?;
        }
        Ok(db)
    }
}

impl Connector {
    /// A connection that failed: the server's own answer as it is, anything else (refused,
    /// unreachable) with the server's `host:port`.
    fn refused(&self, e: tokio_postgres::Error) -> StoreError {
        if e.as_db_error().is_some() {
            StoreError::Db(e)
        } else {
            StoreError::Connect { at: super::start_refusal::server_of(&self.settings.url), source: e }
        }
    }

    fn timed_out(&self) -> StoreError {
        StoreError::ConnectTimeout {
            at: super::start_refusal::server_of(&self.settings.url),
            after: self.settings.connect_timeout,
        }
    }
}

/// The password a password file holds: its text without the line ends after it.
pub fn read_password_file(path: &str) -> Result<String, StoreError> {
    let pw =
        std::fs::read_to_string(path).map_err(|source| StoreError::PasswordFile { path: path.to_string(), source })?;
    Ok(pw.trim_end_matches(['\r', '\n']).to_string())
}

/// Prepares a [`Connector`] and connects once: for one-off commands. Stages that reconnect
/// keep a [`Connector`] instead.
pub async fn connect(s: &DatabaseSettings) -> Result<Db, StoreError> {
    Connector::new(s)?.connect().await
}

/// The server's version as it reports it (`SHOW server_version`), e.g. "16.4 (Debian ...)".
pub async fn server_version(client: &Client) -> Result<String, StoreError> {
    let row = client.query_one("SHOW server_version", &[]).await?;
    super::error::column(&row, "server_version")
}

/// Drives the connection until it closes, logging what the server says on the side itself:
/// tokio-postgres, left to its `Future`, would log every notice at info, so that every
/// idempotent migration (`CREATE TABLE IF NOT EXISTS`: "relation ... already exists, skipping")
/// would fill the operator's log. Every connection of the daemon and of the commands comes
/// through here.
async fn drive<S, T>(mut connection: tokio_postgres::Connection<S, T>)
where
    S: AsyncRead + AsyncWrite + Unpin,
    T: AsyncRead + AsyncWrite + Unpin,
{
    loop {
        match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            Some(Ok(AsyncMessage::Notice(n))) => {
                if is_warning(n.parsed_severity(), n.severity()) {
                    tracing::warn!(code = n.code().code(), "database: {}", n.message());
                } else {
                    tracing::debug!(code = n.code().code(), "database notice: {}", n.message());
                }
            }
            // LISTEN is never used: no notification is expected, none is worth a line.
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                tracing::warn!(error = %e, "database connection closed");
                return;
            }
            None => return,
        }
    }
}

/// Whether a server notice belongs in the operator's log. Demoting the rest to debug in the
/// log, rather than raising `client_min_messages` on the session, keeps WARNINGs (a
/// deprecated setting, a collation version mismatch, a transaction-ID wraparound coming) in
/// sight, keeps every notice one `log.level = "debug"` away, and leaves the server's settings
/// and a URL's own `options` alone. `severity` (localised) is read only when the server does
/// not send the unlocalised one (before PostgreSQL 9.6).
fn is_warning(parsed: Option<Severity>, severity: &str) -> bool {
    match parsed {
        Some(s) => matches!(s, Severity::Warning | Severity::Error | Severity::Fatal | Severity::Panic),
        None => matches!(severity, "WARNING" | "ERROR" | "FATAL" | "PANIC"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_are_kept_and_notices_demoted() {
        assert!(is_warning(Some(Severity::Warning), "AVERTISSEMENT"));
        assert!(!is_warning(Some(Severity::Notice), "NOTICE"));
        assert!(!is_warning(Some(Severity::Info), "INFO"));
        assert!(!is_warning(Some(Severity::Debug), "DEBUG"));
        assert!(is_warning(None, "WARNING"));
        assert!(!is_warning(None, "NOTICE"));
    }
}
