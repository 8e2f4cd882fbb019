//! A minimal HTTP listener: `GET /metrics` (Prometheus text), `GET /healthz` (the process
//! answers) and `GET /readyz` (subscribed, database reachable, not stalled; 503 with the
//! reasons otherwise).

use crate::health::{Health, Readiness};
use metrics_exporter_prometheus::PrometheusHandle;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;

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
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                _ = upkeep.tick() => handle.run_upkeep(),
                accepted = listener.accept() => {
                    if let Ok((stream, _)) = accepted {
                        let (handle, health) = (handle.clone(), health.clone());
                        tokio::spawn(async move { let _ = respond(stream, &handle, &health).await; });
                    }
                }
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
    let path = head.split_whitespace().nth(1).unwrap_or("");
    let (status, ctype, body) = match path {
        "/metrics" => ("200 OK", "text/plain; version=0.0.4", handle.render()),
        "/healthz" => ("200 OK", "text/plain", "ok\n".to_string()),
        "/readyz" => match health.readiness(health.now_ms()) {
            Readiness::Ready => ("200 OK", "text/plain", "ready\n".to_string()),
            Readiness::NotReady(why) => {
                ("503 Service Unavailable", "text/plain", format!("not ready: {}\n", why.join("; ")))
            }
        },
        _ => ("404 Not Found", "text/plain", "not found; try /metrics, /healthz or /readyz\n".to_string()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}
