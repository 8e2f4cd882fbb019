//! PostgreSQL over TLS with certificate verification, against a private PostgreSQL cluster
//! started here with certificates generated here: the daemon stores through it, and a wrong
//! CA, a host name the certificate does not list and an expired certificate are each refused
//! with a message that says what to fix.

mod common;
use common::certs::{ca, leaf};
use common::cluster::Cluster;
use common::*;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The server's certificate and key, where the cluster's settings point.
fn install_cert(cluster_dir: &Path, cert: &str, key: &str) {
    std::fs::create_dir_all(cluster_dir).unwrap();
    std::fs::write(cluster_dir.join("server.pem"), cert).unwrap();
    std::fs::write(cluster_dir.join("server.key"), key).unwrap();
    for f in ["server.pem", "server.key"] {
        let p = cluster_dir.join(f);
        Command::new("chown").args(["postgres:postgres", p.to_str().unwrap()]).status().unwrap();
        Command::new("chmod").args(["0600", p.to_str().unwrap()]).status().unwrap();
    }
}

/// A private cluster with ssl on.
fn start_tls_cluster(dir: &Path, cert: &str, key: &str) -> Cluster {
    install_cert(dir, cert, key);
    let settings = format!(
        "-c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
        dir.join("server.pem").display(),
        dir.join("server.key").display()
    );
    Cluster::start(dir, &["--auth=trust"], &settings)
}

fn tls_env(env: &Env, host: &str, port: u16, ca_file: &str) -> Env {
    let mut e = env.clone();
    e.db_url = format!("postgres://postgres@{host}:{port}/postgres");
    e.extra.push(("WASTEFLOW__DATABASE__CA_FILE".into(), ca_file.into()));
    e
}

fn database_line(env: &Env) -> (Option<i32>, String) {
    let out = env.command().args(["check-config", "--connect"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code(), text.lines().find(|l| l.starts_with("database:")).unwrap_or_default().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_over_tls_verified_and_each_mistake_explained() {
    let dir = Scratch::dir("wf-pgtls-");
    let zone_ca = ca("database CA");
    let (cert, key) = leaf(&zone_ca, "localhost", &["localhost"], false, false);
    let cluster = start_tls_cluster(&dir, &cert, &key);
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, zone_ca.cert.pem()).unwrap();
    let ca_file = ca_file.display().to_string();
    let rogue = dir.join("rogue.pem");
    std::fs::write(&rogue, ca("rogue CA").cert.pem()).unwrap();
    let rogue = rogue.display().to_string();

    // A placeholder database for Env (the daemon uses the private cluster below).
    let db = TestDb::new().await;
    let env = Env::new(&db);
    let good = tls_env(&env, "localhost", cluster.port, &ca_file);

    // The connection is encrypted.
    let settings = wasteflow::config::DatabaseSettings {
        url: good.db_url.clone(),
        ca_file: Some(ca_file.clone()),
        ..Default::default()
    };
    let conn = wasteflow::store::connect(&settings).await.expect("TLS connection");
    let ssl: bool =
        conn.client.query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[]).await.unwrap().get(0);
    assert!(ssl, "the session uses TLS");
    conn.close().await;

    // The daemon stores through it.
    let daemon = Daemon::start(&good).await;
    let start = (now_ms() - 3_600_000).to_string();
    let summary =
        simulate(&good, &["--frames", "50", "--readings-per-frame", "10", "--seed", "3", "--start-ms", &start]);
    let expected = summary["readings"].as_i64().unwrap();
    let tls_db = pg(&format!("postgres://postgres@127.0.0.1:{}/postgres", cluster.port)).await;
    wait_until(Duration::from_secs(30), "stored over TLS", || async {
        tls_db.query_one("SELECT count(*) FROM readings", &[]).await.map(|r| r.get::<_, i64>(0)).unwrap_or(0)
            == expected
    })
    .await;
    assert!(daemon.terminate().await.success());
    assert_eq!(database_line(&good).0, Some(0));

    for (what, e, hint) in [
        ("wrong CA", tls_env(&env, "localhost", cluster.port, &rogue), "check database.ca_file"),
        (
            "host name not in the certificate",
            tls_env(&env, "127.0.0.1", cluster.port, &ca_file),
            "does not name the host",
        ),
    ] {
        let (code, line) = database_line(&e);
        println!("{what}: {line}");
        assert_eq!(code, Some(69), "{what}: {line}");
        assert!(line.contains(hint), "{what}: expected {hint:?} in {line:?}");
    }

    let (old_cert, old_key) = leaf(&zone_ca, "localhost", &["localhost"], false, true);
    install_cert(&cluster.dir, &old_cert, &old_key);
    cluster.reload();
    // New connections get the new certificate once the server has reloaded.
    wait_until(
        Duration::from_secs(10),
        "the server to present the expired certificate after pg_ctl reload",
        || async { wasteflow::store::connect(&settings).await.is_err() },
    )
    .await;
    let (code, line) = database_line(&good);
    println!("expired: {line}");
    assert_eq!(code, Some(69), "{line}");
    assert!(line.contains("expired"), "{line}");
}
