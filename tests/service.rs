//! Running as a service: `/readyz` follows the database, and the systemd notification
//! protocol (READY=1 once subscribed, watchdog pings while alive, STOPPING=1). Alive is not
//! ready: a database outage keeps the pings, a wedged loop stops them.

mod common;
use common::proxy::{Mode, Proxy};
use common::*;
use std::os::unix::net::UnixDatagram;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn through_db_proxy(env: &mut Env, db: &TestDb, proxy: &Proxy) {
    env.db_url = format!("postgres://postgres@127.0.0.1:{}/{}", proxy.port, db.name);
    for (k, v) in [
        ("WASTEFLOW__DATABASE__STATEMENT_TIMEOUT", "1s"),
        ("WASTEFLOW__DATABASE__CONNECT_TIMEOUT", "1s"),
        ("WASTEFLOW__DATABASE__RETRY_MAX", "1s"),
        ("WASTEFLOW__METRICS__STALL_AFTER", "2s"),
    ] {
        env.extra.push((k.into(), v.into()));
    }
}

async fn readyz(daemon: &Daemon) -> (u16, String) {
    http_get(daemon.env.metrics_port, "/readyz").await.unwrap_or((0, String::new()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_the_database() {
    let db = TestDb::new().await;
    let mut env = Env::new(&db);
    let proxy = Proxy::start(5432).await;
    through_db_proxy(&mut env, &db, &proxy);
    let daemon = Daemon::start(&env).await;
    wait_until(Duration::from_secs(10), "ready", || async { readyz(&daemon).await.0 == 200 }).await;
    assert_eq!(http_get(daemon.env.metrics_port, "/healthz").await.unwrap().0, 200);

    proxy.set(Mode::Refuse);
    wait_until(Duration::from_secs(20), "not ready without the database", || async {
        let (code, body) = readyz(&daemon).await;
        code == 503 && body.contains("database unreachable")
    })
    .await;
    assert_eq!(http_get(daemon.env.metrics_port, "/healthz").await.unwrap().0, 200, "alive all along");

    proxy.set(Mode::Pass);
    wait_until(Duration::from_secs(20), "ready again", || async { readyz(&daemon).await.0 == 200 }).await;
    assert!(daemon.terminate().await.success());
}

/// Datagrams received on the notification socket until `until` returns true or `limit` passes.
fn receive(socket: &UnixDatagram, limit: Duration, mut until: impl FnMut(&str) -> bool) -> Vec<String> {
    let mut got = Vec::new();
    let deadline = Instant::now() + limit;
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        socket.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
        if let Ok(n) = socket.recv(&mut buf) {
            let m = String::from_utf8_lossy(&buf[..n]).into_owned();
            let stop = until(&m);
            got.push(m);
            if stop {
                break;
            }
        }
    }
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn systemd_ready_watchdog_and_stopping() {
    let db = TestDb::new().await;
    let mut env = Env::new(&db);
    let proxy = Proxy::start(5432).await;
    through_db_proxy(&mut env, &db, &proxy);
    let (_dir, socket) = notify_socket(&mut env, Duration::from_secs(1));

    let daemon = Daemon::start(&env).await;
    let got = receive(&socket, Duration::from_secs(10), |m| m.contains("READY=1"));
    assert!(got.iter().any(|m| m.starts_with("READY=1")), "READY=1 once subscribed: {got:?}");
    let pings = receive(&socket, Duration::from_millis(2500), |_| false);
    assert!(pings.iter().filter(|m| *m == "WATCHDOG=1").count() >= 3, "pings every 0.5 s while healthy: {pings:?}");

    let pid = daemon.child.id().to_string();
    std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let bye = receive(&socket, Duration::from_secs(10), |m| m.starts_with("STOPPING=1"));
    assert!(bye.iter().any(|m| m.starts_with("STOPPING=1")), "STOPPING=1 on SIGTERM: {bye:?}");
    assert!(daemon.terminate().await.success());
}

/// A notification socket for `env`'s daemon, with the given watchdog interval; returns its
/// directory (keep it while the daemon runs) and the socket.
fn notify_socket(env: &mut Env, watchdog: Duration) -> (Scratch, UnixDatagram) {
    let dir = Scratch::dir("wf-notify-");
    let path = dir.join("notify.sock");
    let socket = UnixDatagram::bind(&path).unwrap();
    env.extra.push(("NOTIFY_SOCKET".into(), path.display().to_string()));
    env.extra.push(("WATCHDOG_USEC".into(), watchdog.as_micros().to_string()));
    (dir, socket)
}

/// Times of the `WATCHDOG=1` datagrams, recorded by a thread until `done` turns true.
fn record_pings(socket: UnixDatagram, done: Arc<AtomicBool>) -> std::thread::JoinHandle<Vec<Instant>> {
    std::thread::spawn(move || {
        let mut at = Vec::new();
        let mut buf = [0u8; 4096];
        socket.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        while !done.load(Ordering::Relaxed) {
            if let Ok(n) = socket.recv(&mut buf) {
                if &buf[..n] == b"WATCHDOG=1" {
                    at.push(Instant::now());
                }
            }
        }
        at
    })
}

/// The longest time between two pings within `from..to` (counting from `from` and to `to`).
fn longest_gap(pings: &[Instant], from: Instant, to: Instant) -> Duration {
    let mut times: Vec<Instant> = vec![from];
    times.extend(pings.iter().copied().filter(|t| *t > from && *t < to));
    times.push(to);
    times.windows(2).map(|w| w[1] - w[0]).max().unwrap_or_default()
}

/// The watchdog means "alive", not "ready": with the database cut for the whole outage
/// (`WASTEFLOW_WATCHDOG_OUTAGE_SECS`, 10 s by default; docs/reliability.md reports a 300 s
/// run) while frames keep arriving, every loop waits with backoff and keeps beating, so the
/// daemon pings systemd all along (no gap as long as the watchdog interval: no restart),
/// `/healthz` stays 200 and `/readyz` says why it is not ready. Every reading is stored once
/// the database is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watchdog_keeps_pinging_through_a_database_outage() {
    let outage = Duration::from_secs(
        std::env::var("WASTEFLOW_WATCHDOG_OUTAGE_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(10),
    );
    let watchdog = Duration::from_secs(2);
    let db = TestDb::new().await;
    let (mut env, _broker) = Env::with_private_broker(&db);
    let proxy = Proxy::start(5432).await;
    through_db_proxy(&mut env, &db, &proxy);
    // As sharp as allowed: a loop silent for a second would already be wedged.
    env.extra.push(("WASTEFLOW__SERVICE__LOOP_STALL_AFTER".into(), "1s".into()));
    let (_dir, socket) = notify_socket(&mut env, watchdog);
    let done = Arc::new(AtomicBool::new(false));
    let recorder = record_pings(socket, done.clone());
    let mut daemon = Daemon::start(&env).await;
    wait_until(Duration::from_secs(10), "ready", || async { readyz(&daemon).await.0 == 200 }).await;

    proxy.set(Mode::Refuse);
    let cut = Instant::now();
    // Frames keep coming: the store retries with backoff, the batcher and the source wait.
    let frames = (outage.as_secs() * 4).max(8);
    let start = (now_ms() - 3_600_000).to_string();
    let sim = simulate_in_background(
        &env,
        &[
            "--frames",
            &frames.to_string(),
            "--readings-per-frame",
            "5",
            "--rate",
            "4",
            "--seed",
            "3",
            "--start-ms",
            &start,
        ],
    );
    let (mut alive, mut not_ready, mut samples) = (true, true, 0);
    while cut.elapsed() < outage {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if cut.elapsed() < Duration::from_secs(3) {
            continue; // noticing the outage takes a statement timeout
        }
        let (health, body) = http_get(daemon.env.metrics_port, "/healthz").await.unwrap_or_default();
        alive &= health == 200;
        assert_eq!(health, 200, "alive during the outage: {body}");
        let (ready, why) = readyz(&daemon).await;
        not_ready &= ready == 503 && why.contains("database unreachable");
        samples += 1;
        assert!(daemon.child.try_wait().unwrap().is_none(), "the daemon is still running");
    }
    let back = Instant::now();
    proxy.set(Mode::Pass);
    let summary = sim.join().unwrap();
    let readings = summary["readings"].as_i64().unwrap();
    wait_until(Duration::from_secs(60), "every reading stored after the outage", || async {
        db.count("SELECT count(*) FROM readings").await == readings
    })
    .await;
    let recovery = back.elapsed();
    done.store(true, Ordering::Relaxed);
    let pings = recorder.join().unwrap();
    let gap = longest_gap(&pings, cut, back);
    let during = pings.iter().filter(|t| **t > cut && **t < back).count();
    println!(
        "watchdog during a {} s database outage: {during} pings, longest gap {:.2} s (WatchdogSec {} s), \
         /healthz 200 and /readyz 503 in all {samples} samples, no restart; {readings} readings stored {:.1} s after",
        outage.as_secs(),
        gap.as_secs_f64(),
        watchdog.as_secs(),
        recovery.as_secs_f64()
    );
    assert!(alive && not_ready && samples > 0);
    assert!(gap < watchdog, "a gap of {gap:?} between pings: systemd would have restarted the daemon");
    assert!(daemon.child.try_wait().unwrap().is_none());
    let (ok, out) = verify(&env);
    assert!(ok, "{out}");
    assert!(daemon.terminate().await.success());
}

/// A wedged loop (the debug-build test hook `WASTEFLOW_TEST_WEDGE` blocks it forever without
/// beating) makes the daemon not alive once `service.loop_stall_after` has passed: the
/// watchdog pings stop (systemd restarts it) and `/healthz` answers 503 naming the loop, while
/// `/readyz` can still say ready. Every loop of the pipeline is watched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wedged_loop_stops_the_watchdog_and_fails_healthz() {
    if !cfg!(debug_assertions) {
        eprintln!("skipped: the test hook WASTEFLOW_TEST_WEDGE exists in debug builds only");
        return;
    }
    let db = TestDb::new().await;
    let limit = Duration::from_secs(2);
    let healthz = |port| async move { http_get(port, "/healthz").await.unwrap_or_default() };

    // The store: ready (nothing waits) but not alive, and no more pings.
    let mut env = Env::new(&db);
    env.extra.push(("WASTEFLOW__SERVICE__LOOP_STALL_AFTER".into(), "2s".into()));
    env.extra.push(("WASTEFLOW_TEST_WEDGE".into(), "store".into()));
    let (_dir, socket) = notify_socket(&mut env, Duration::from_secs(2));
    let done = Arc::new(AtomicBool::new(false));
    let recorder = record_pings(socket, done.clone());
    let daemon = Daemon::start(&env).await;
    let started = Instant::now();
    wait_until(Duration::from_secs(10), "/healthz 503 naming the store", || async {
        let (code, body) = healthz(daemon.env.metrics_port).await;
        code == 503 && body.contains("loop store silent")
    })
    .await;
    assert!(started.elapsed() >= limit - Duration::from_millis(500), "not before the limit");
    let unhealthy = Instant::now();
    assert_eq!(readyz(&daemon).await.0, 200, "ready all the same: the dependencies are there");
    tokio::time::sleep(Duration::from_secs(4)).await;
    done.store(true, Ordering::Relaxed);
    let pings = recorder.join().unwrap();
    assert!(pings.iter().any(|t| *t < unhealthy), "pings while the store was within its limit");
    let late: Vec<_> = pings.iter().filter(|t| **t > unhealthy + Duration::from_millis(1100)).collect();
    assert!(late.is_empty(), "no ping once the store is wedged: {} late pings", late.len());
    assert!(daemon.log_text().contains("a loop is wedged"), "{}", daemon.log_text());
    drop(daemon);

    // Every other loop is watched too (the source never subscribes when wedged).
    for name in ["source", "batch", "live", "reload", "service"] {
        let mut env = Env::new(&db);
        env.extra.push(("WASTEFLOW__SERVICE__LOOP_STALL_AFTER".into(), "2s".into()));
        env.extra.push(("WASTEFLOW_TEST_WEDGE".into(), name.into()));
        let daemon = Daemon::spawn(&env).await;
        wait_until(Duration::from_secs(20), &format!("/healthz 503 naming {name}"), || async {
            let (code, body) = healthz(daemon.env.metrics_port).await;
            code == 503 && body.contains(&format!("loop {name} silent"))
        })
        .await;
    }
}

/// The database password file and TLS configuration are read once, at start: a mistake stops
/// the start naming the key and the file, as a configuration problem (exit 64: no restart
/// loop; `check-config` finds it too), and reconnecting reads nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_credentials_are_read_once_at_start() {
    let db = TestDb::new().await;
    let dir = Scratch::dir("wf-cred-");
    for (key, file, expected) in [
        ("WASTEFLOW__DATABASE__PASSWORD_FILE", "no-db-password", "database.password_file: cannot read"),
        ("WASTEFLOW__DATABASE__CA_FILE", "no-ca.pem", "database.ca_file: cannot read"),
    ] {
        let path = dir.join(file).display().to_string();
        let mut env = Env::new(&db);
        env.extra.push((key.into(), path.clone()));
        let mut child = env
            .command()
            .arg("run")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{key}: still running 15 s after start with a missing file");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let mut err = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
        assert_eq!(status.code(), Some(64), "{key}: {err}");
        assert!(err.contains(expected) && err.contains(&path), "{key}: expected {expected:?} and {path} in:\n{err}");
        let check = env.command().arg("check-config").output().unwrap();
        assert_eq!(check.status.code(), Some(64), "{key}: check-config finds it too");
        assert!(String::from_utf8_lossy(&check.stderr).contains(expected), "{key}");
    }

    // Prepared once: the password file may go away, reconnecting does not read it again.
    let password = dir.join("db-password");
    std::fs::write(&password, "not-needed-with-trust\n").unwrap();
    let settings = wasteflow::config::DatabaseSettings {
        url: db.url.clone(),
        password_file: Some(password.display().to_string()),
        ..Default::default()
    };
    let connector = wasteflow::store::Connector::new(&settings).expect("prepared");
    std::fs::remove_file(&password).unwrap();
    for _ in 0..2 {
        connector.connect().await.expect("reconnects without the file").close().await;
    }
    assert!(wasteflow::store::connect(&settings).await.is_err(), "a one-off connect reads the file");
}
