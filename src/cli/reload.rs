//! `wasteflow reload PID`: the unit's `ExecReload=`. Sends SIGHUP to the daemon and waits for
//! its verdict, so that `systemctl reload` fails when the daemon refuses the new configuration
//! (systemd 252, Debian 12's, has no `Type=notify-reload`; `kill -HUP` alone always succeeds).
//!
//! The verdict is read where the daemon publishes it: `wasteflow_config_reloads_total{result}`
//! on its metrics endpoint (`metrics.listen`), read before the signal and until one of the two
//! counts moves.

use crate::config::Settings;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long a reload may take: the registry sync runs against the database, with its
/// statement timeout.
const WAIT: Duration = Duration::from_secs(90);

/// Why the reload failed, or could not be told.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error("cannot read the daemon's metrics at {addr}: {source} (metrics.listen must be the running daemon's)")]
    Metrics { addr: String, source: std::io::Error },
    #[error("cannot send SIGHUP to process {pid}: {why}")]
    Signal { pid: u32, why: String },
    #[error(
        "the daemon refused the new configuration and keeps the running one: its log says why \
         (journalctl -u wasteflow); fix the files, then reload again"
    )]
    Refused,
    #[error("no verdict from the daemon within {0:?}: is process {1} the daemon listening on metrics.listen?")]
    NoVerdict(Duration, u32),
}

/// Reloads the daemon `pid` and waits for its verdict.
pub async fn reload(settings: &Settings, pid: u32) -> Result<(), ReloadError> {
    let addr = settings.metrics.listen.clone();
    let before = reloads(&addr).await?;
    let out = std::process::Command::new("kill").args(["-HUP", &pid.to_string()]).output();
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => return Err(ReloadError::Signal { pid, why: String::from_utf8_lossy(&o.stderr).trim().to_string() }),
        Err(e) => return Err(ReloadError::Signal { pid, why: e.to_string() }),
    }
    let began = Instant::now();
    while began.elapsed() < WAIT {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = reloads(&addr).await?;
        if now.refused > before.refused {
            return Err(ReloadError::Refused);
        }
        if now.applied > before.applied {
            return Ok(());
        }
    }
    Err(ReloadError::NoVerdict(WAIT, pid))
}

/// The daemon's reload counts.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Reloads {
    applied: f64,
    refused: f64,
}

async fn reloads(addr: &str) -> Result<Reloads, ReloadError> {
    let text = get_metrics(addr).await.map_err(|source| ReloadError::Metrics { addr: addr.to_string(), source })?;
    Ok(parse(&text))
}

/// `GET /metrics` over HTTP/1.0 (the daemon's endpoint answers it and closes).
async fn get_metrics(addr: &str) -> std::io::Result<String> {
    let fetch = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream.write_all(b"GET /metrics HTTP/1.0\r\nHost: wasteflow\r\n\r\n").await?;
        let mut body = Vec::new();
        stream.read_to_end(&mut body).await?;
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&body).into_owned())
    };
    tokio::time::timeout(Duration::from_secs(5), fetch)
        .await
        .unwrap_or_else(|_| Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer within 5 s")))
}

/// The two series of `wasteflow_config_reloads_total` in an exposition (absent: 0).
fn parse(text: &str) -> Reloads {
    let mut r = Reloads::default();
    for line in text.lines().filter(|l| l.starts_with(crate::metrics::CONFIG_RELOADS)) {
        let value = line.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        if line.contains("result=\"applied\"") {
            r.applied = value;
        } else if line.contains("result=\"refused\"") {
            r.refused = value;
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_counts_and_takes_a_missing_one_as_zero() {
        let text = "# TYPE wasteflow_config_reloads_total counter\n\
                    wasteflow_config_reloads_total{result=\"applied\"} 3\n\
                    wasteflow_config_last_reload_successful 1\n";
        assert_eq!(parse(text), Reloads { applied: 3.0, refused: 0.0 });
        let text = "wasteflow_config_reloads_total{result=\"refused\"} 2\nwasteflow_config_reloads_total{result=\"applied\"} 1\n";
        assert_eq!(parse(text), Reloads { applied: 1.0, refused: 2.0 });
    }
}
