//! Opening a connection: timeouts and keepalives set, the connection future driven.

use super::error::StoreError;
use crate::config::DatabaseSettings;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_postgres::{Client, NoTls};

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

/// Connects with the configured timeouts and TCP keepalives (the defaults are none and 2 h).
pub async fn connect(s: &DatabaseSettings) -> Result<Db, StoreError> {
    let mut cfg: tokio_postgres::Config =
        s.url.parse().map_err(|e: tokio_postgres::Error| StoreError::Url(e.to_string()))?;
    cfg.connect_timeout(s.connect_timeout);
    cfg.keepalives(true);
    cfg.keepalives_idle(Duration::from_secs(30));
    cfg.keepalives_interval(Duration::from_secs(10));
    cfg.keepalives_retries(3);
    if cfg.get_application_name().is_none() {
        cfg.application_name("wasteflow");
    }
    if let Some(path) = &s.password_file {
        let pw =
            std::fs::read_to_string(path).map_err(|source| StoreError::PasswordFile { path: path.clone(), source })?;
        cfg.password(pw.trim_end_matches(['\r', '\n']));
    }
    let (client, driver) = if s.tls || s.ca_file.is_some() {
        // TLS required, the server's certificate verified against ca_file (or the system's
        // trust store) and the host name.
        let config =
            crate::tls::client_config(s.ca_file.as_deref(), None).map_err(|e| StoreError::Tls(e.to_string()))?;
        cfg.ssl_mode(tokio_postgres::config::SslMode::Require);
        let tls = tokio_postgres_rustls::MakeRustlsConnect::new(config);
        let (client, connection) = match tokio::time::timeout(s.connect_timeout, cfg.connect(tls)).await {
            Ok(r) => r.map_err(|e| StoreError::Tls(crate::tls::explain(&tls_error_text(&e), "database.ca_file")))?,
            Err(_) => return Err(StoreError::Timeout(s.connect_timeout)),
        };
        (client, tokio::spawn(drive(connection)))
    } else {
        let (client, connection) = match tokio::time::timeout(s.connect_timeout, cfg.connect(NoTls)).await {
            Ok(r) => r?,
            Err(_) => return Err(StoreError::Timeout(s.connect_timeout)),
        };
        (client, tokio::spawn(drive(connection)))
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

async fn drive<F: std::future::Future<Output = Result<(), tokio_postgres::Error>>>(connection: F) {
    if let Err(e) = connection.await {
        tracing::warn!(error = %e, "database connection closed");
    }
}

/// The error with its sources (tokio-postgres hides the TLS reason in them).
fn tls_error_text(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
