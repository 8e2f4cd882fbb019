//! Memory during a 60-second database outage: the daemon stops reading (the broker holds the
//! backlog), its resident memory stays flat, and everything is stored afterwards.

use super::common::*;
use std::time::{Duration, Instant};

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

/// Returns (RSS at the outage's start, max RSS during it, seconds to store everything after it).
pub async fn database_outage(outage: Duration) -> (f64, f64, f64) {
    let db = TestDb::new().await;
    let (mut env, broker) = Env::with_private_broker(&db);
    env.extra.push(("WASTEFLOW__LOG__LEVEL".into(), "error".into()));
    env.extra.push(("WASTEFLOW__DATABASE__RETRY_MAX".into(), "2s".into()));
    let daemon = Daemon::start(&env).await;
    let pid = daemon.child.id();
    let secs = outage.as_secs() + 20;
    let frames = (secs * 1000).to_string();
    let start = (now_ms() - 86_400_000).to_string();
    let sim = simulate_in_background(
        &env,
        &["--frames", &frames, "--readings-per-frame", "10", "--rate", "1000", "--start-ms", &start],
    );
    tokio::time::sleep(Duration::from_secs(5)).await;
    let admin = pg(PG_ADMIN).await;
    admin.batch_execute(&format!("ALTER DATABASE {} ALLOW_CONNECTIONS false", db.name)).await.unwrap();
    admin
        .execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", &[&db.name])
        .await
        .unwrap();
    let at_start = rss_mib(pid);
    let mut max = at_start;
    let t0 = Instant::now();
    while t0.elapsed() < outage {
        tokio::time::sleep(Duration::from_millis(500)).await;
        max = max.max(rss_mib(pid));
    }
    admin.batch_execute(&format!("ALTER DATABASE {} ALLOW_CONNECTIONS true", db.name)).await.unwrap();
    let back = Instant::now();
    let summary = sim.join().unwrap();
    let expected = summary["readings"].as_i64().unwrap();
    wait_until(Duration::from_secs(600), "everything stored after the outage", || async {
        db.count("SELECT count(*) FROM readings").await == expected
    })
    .await;
    let recovered = back.elapsed().as_secs_f64();
    assert!(daemon.terminate().await.success());
    assert!(!broker.log().contains("dropped"), "broker dropped messages");
    (at_start, max, recovered)
}
