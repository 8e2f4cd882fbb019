//! A minimal HTTP listener: `GET /metrics` (Prometheus text), `GET /healthz` (alive: every
//! loop of the pipeline reported within `service.loop_stall_after`; 503 naming the silent
//! loops otherwise, [`crate::liveness`]) and `GET /readyz` (subscribed, database reachable, not stalled; 503 with the
//! reasons otherwise). `HEAD` gets the headers alone; any other method 405. At most
//! [`MAX_CONNECTIONS`] are served at once (the excess is answered 503), and a failing accept
//! (out of descriptors) is retried after [`ACCEPT_BACKOFF`] instead of at once.

use crate::calendar::millis_of;
use crate::health::{Health, Readiness};
use metrics_exporter_prometheus::PrometheusHandle;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};

/// Connections served at once; further ones are answered 503 and closed at once. Prometheus
/// and the probes need one each: 64 leaves ample room and bounds memory and descriptors.
pub const MAX_CONNECTIONS: usize = 64;

/// Pause after a failed accept (EMFILE, ENFILE, ENOBUFS...): the error repeats until a
/// descriptor is freed, and retrying at once would spin a core.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// `/healthz`: 503 naming every loop that stopped reporting, and the live fold when the
/// database has refused it for longer than a loop may be silent (the live state is frozen,
/// and a restart does not help: docs/reliability.md); 200 otherwise, naming the inbox rows
/// the live fold set aside since the start.
fn healthz(health: &Health) -> (&'static str, &'static str, String) {
    let limit = health.liveness().stall_after();
    let mut stalled: Vec<String> = health.liveness().stalled().iter().map(ToString::to_string).collect();
    let live = health.live_fold();
    if let Some(since) = live.refused_since {
        let for_s = millis_of(health.elapsed().saturating_sub(since)) / 1000;
        if for_s >= limit.as_secs() as i64 {
            stalled.push(format!("live fold refused by the database for {for_s} s: {}", live.last_error));
        }
    }
    if !stalled.is_empty() {
        let body = format!("not alive: {} (limit {} s)\n", stalled.join("; "), limit.as_secs_f64());
        return ("503 Service Unavailable", "text/plain", body);
    }
    let mut body = "ok\n".to_string();
    if live.set_aside > 0 {
        body.push_str(&format!(
            "live fold: {} inbox row(s) set aside since the start (table live_set_aside), the last: {}\n",
            live.set_aside, live.last_set_aside
        ));
    }
    ("200 OK", "text/plain", body)
}

/// Answer to a connection beyond [`MAX_CONNECTIONS`].
const BUSY: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 22\r\nRetry-After: 1\r\nConnection: close\r\n\r\ntoo many connections\r\n";

/// Binds the listener (so a taken port fails at start) and returns the serving future.
pub async fn serve(
    addr: SocketAddr,
    handle: PrometheusHandle,
    health: Health,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<impl std::future::Future<Output = ()>> {
    let listener = TcpListener::bind(addr).await?;
    // The bound address: with port 0 the system chose one.
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "metrics listening");
    Ok(async move {
        let mut upkeep = tokio::time::interval(Duration::from_secs(5));
        let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        // Failed accepts in a row: logged once per burst, not once per attempt.
        let mut failing = 0u64;
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                _ = upkeep.tick() => handle.run_upkeep(),
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        if failing > 0 {
                            tracing::info!(failed = failing, "metrics listener accepting again");
                            failing = 0;
                        }
                        let Ok(slot) = slots.clone().try_acquire_owned() else {
                            // Non-blocking: a fresh socket's send buffer takes these few bytes.
                            let _ = stream.try_write(BUSY);
                            continue;
                        };
                        let (handle, health) = (handle.clone(), health.clone());
                        tokio::spawn(async move {
                            let _ = respond(stream, &handle, &health).await;
                            drop(slot);
                        });
                    }
                    Err(e) => {
                        if failing == 0 {
                            tracing::warn!(error = %e, backoff = ?ACCEPT_BACKOFF, "metrics listener cannot accept connections; backing off");
                        }
                        failing += 1;
                        tokio::select! {
                            _ = shutdown.changed() => return,
                            _ = tokio::time::sleep(ACCEPT_BACKOFF) => {}
                        }
                    }
                },
            }
        }
    })
}

async fn respond(mut stream: tokio::net::TcpStream, handle: &PrometheusHandle, health: &Health) -> std::io::Result<()> {
    let mut buf = vec![0u8; 2048];
    let mut len = 0;
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        while len < buf.len() {
            let n = stream.read(&mut buf[len..]).await?;
            if n == 0 {
                break;
            }
            len += n;
            if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        Ok::<_, std::io::Error>(())
    })
    .await;
    if !matches!(read, Ok(Ok(()))) {
        return Ok(());
    }
    let head = String::from_utf8_lossy(&buf[..len]);
    let mut words = head.split_whitespace();
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let (status, ctype, body) = match (method, path) {
        ("GET" | "HEAD", "/metrics") => ("200 OK", "text/plain; version=0.0.4", handle.render()),
        ("GET" | "HEAD", "/healthz") => healthz(health),
        ("GET" | "HEAD", "/readyz") => match health.readiness(health.elapsed()) {
            Readiness::Ready => ("200 OK", "text/plain", "ready\n".to_string()),
            Readiness::NotReady(why) => {
                ("503 Service Unavailable", "text/plain", format!("not ready: {}\n", why.join("; ")))
            }
        },
        ("GET" | "HEAD", _) => {
            ("404 Not Found", "text/plain", "not found; try /metrics, /healthz or /readyz\n".to_string())
        }
        _ => ("405 Method Not Allowed", "text/plain", "only GET and HEAD are served\n".to_string()),
    };
    let allow = if status.starts_with("405") { "Allow: GET, HEAD\r\n" } else { "" };
    let mut response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{allow}Connection: close\r\n\r\n",
        body.len()
    );
    if method != "HEAD" {
        response.push_str(&body);
    }
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}
