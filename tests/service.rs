//! Running as a service: `/readyz` follows the database, and the systemd notification
//! protocol (READY=1 once subscribed, watchdog pings only while healthy, STOPPING=1).

mod common;
use common::proxy::{Mode, Proxy};
use common::*;
use std::os::unix::net::UnixDatagram;
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
    let dir = std::env::temp_dir().join(unique("wf-notify-"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("notify.sock");
    let socket = UnixDatagram::bind(&path).unwrap();
    env.extra.push(("NOTIFY_SOCKET".into(), path.display().to_string()));
    env.extra.push(("WATCHDOG_USEC".into(), "1000000".into()));

    let daemon = Daemon::start(&env).await;
    let got = receive(&socket, Duration::from_secs(10), |m| m.contains("READY=1"));
    assert!(got.iter().any(|m| m.starts_with("READY=1")), "READY=1 once subscribed: {got:?}");
    let pings = receive(&socket, Duration::from_millis(2500), |_| false);
    assert!(pings.iter().filter(|m| *m == "WATCHDOG=1").count() >= 3, "pings every 0.5 s while healthy: {pings:?}");

    // The database goes away: once not ready, no more pings (systemd would restart us).
    proxy.set(Mode::Refuse);
    wait_until(Duration::from_secs(20), "not ready", || async { readyz(&daemon).await.0 == 503 }).await;
    let _ = receive(&socket, Duration::from_millis(600), |_| false);
    let silent = receive(&socket, Duration::from_secs(2), |_| false);
    assert!(!silent.iter().any(|m| m == "WATCHDOG=1"), "no ping while not ready: {silent:?}");

    proxy.set(Mode::Pass);
    wait_until(Duration::from_secs(20), "ready again", || async { readyz(&daemon).await.0 == 200 }).await;
    let again = receive(&socket, Duration::from_secs(2), |m| m == "WATCHDOG=1");
    assert!(again.iter().any(|m| m == "WATCHDOG=1"), "pings resume: {again:?}");

    let pid = daemon.child.id().to_string();
    std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let bye = receive(&socket, Duration::from_secs(10), |m| m.starts_with("STOPPING=1"));
    assert!(bye.iter().any(|m| m.starts_with("STOPPING=1")), "STOPPING=1 on SIGTERM: {bye:?}");
    assert!(daemon.terminate().await.success());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The database password file and TLS configuration are read once, at start: a mistake stops
/// the start naming the file (instead of a retry loop), and reconnecting reads nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_credentials_are_read_once_at_start() {
    let db = TestDb::new().await;
    let dir = std::env::temp_dir().join(unique("wf-cred-"));
    std::fs::create_dir_all(&dir).unwrap();
    for (key, file, expected) in [
        ("WASTEFLOW__DATABASE__PASSWORD_FILE", "no-db-password", "cannot read database password file"),
        ("WASTEFLOW__DATABASE__CA_FILE", "no-ca.pem", "database TLS: cannot read"),
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
        assert!(!status.success(), "{key}: {err}");
        assert!(err.contains(expected) && err.contains(&path), "{key}: expected {expected:?} and {path} in:\n{err}");
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
    let _ = std::fs::remove_dir_all(&dir);
}
