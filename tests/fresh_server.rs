//! The operator's first hour on a PostgreSQL server where nothing exists yet: a cluster made
//! with `initdb` (password authentication over TCP, as Debian's), each documented set-up of
//! docs/operations.md ("The database and its roles") run as written, then a daemon that gets
//! ready and stores readings. And a database that refuses the daemon for good ends it at once
//! with exit 64 and what to do.

mod common;
use common::cluster::Cluster;
use common::*;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The shell block under the bullet `heading` of docs/operations.md, "The database and its
/// roles", as written there.
fn documented_block(heading: &str) -> String {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/operations.md")).unwrap();
    let section = doc.split("### The database and its roles").nth(1).expect("the section");
    let after = section.split(heading).nth(1).unwrap_or_else(|| panic!("{heading} in the section"));
    let block = after.split("```sh\n").nth(1).and_then(|b| b.split("```").next()).expect("its shell block");
    block.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n")
}

/// Runs the block as root in bash, with `/etc/wasteflow/` moved to `etc` and the server's port
/// to the cluster's; `sudo -u postgres X` runs X as postgres on the cluster's socket, `sudo X`
/// runs X; `wasteflow` is this build.
fn run_as_written(block: &str, etc: &Path, cluster: &Cluster, env: &Env) {
    let port = cluster.port.to_string();
    let script = block
        .replace("/etc/wasteflow/", &format!("{}/", etc.display()))
        .replace("127.0.0.1:5432", &format!("127.0.0.1:{port}"));
    let shims = etc.join("bin");
    std::fs::create_dir_all(&shims).unwrap();
    std::fs::write(
        shims.join("sudo"),
        "#!/bin/bash\nif [ \"$1\" = -u ]; then u=$2; shift 2; exec runuser -u \"$u\" -- \"$@\"; fi\nexec env \"$@\"\n",
    )
    .unwrap();
    Command::new("chmod").args(["+x", shims.join("sudo").to_str().unwrap()]).status().unwrap();
    let bin_dir = Path::new(bin()).parent().unwrap();
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .env_clear()
        .env(
            "PATH",
            format!(
                "{}:{}:/usr/lib/postgresql/15/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                shims.display(),
                bin_dir.display()
            ),
        )
        .env("PGHOST", &cluster.dir)
        .env("PGPORT", &port)
        .env("WASTEFLOW__DATABASE__URL", &env.db_url)
        .env("WASTEFLOW__ZONE__FILE", zone_file())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script}\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A fresh server, the configuration file of the documented layout (`/etc/wasteflow` in a
/// scratch directory), and an environment whose daemon connects as `wasteflow` to it.
async fn fresh(dir: &Path) -> (Cluster, TestDb, Env, std::path::PathBuf) {
    let cluster = Cluster::start(&dir.join("pg"), &["--auth-local=trust", "--auth-host=scram-sha-256"], "");
    let etc = dir.join("etc");
    std::fs::create_dir_all(etc.join("credentials")).unwrap();
    std::fs::write(etc.join("wasteflow.toml"), "[log]\nlevel = \"info\"\n").unwrap();
    let db = TestDb::new().await; // the broker topics and names of a test; the data goes to the cluster
    let mut env = Env::new(&db);
    env.db_url = format!("postgres://wasteflow@127.0.0.1:{}/wasteflow", cluster.port);
    env.extra
        .push(("WASTEFLOW__DATABASE__PASSWORD_FILE".into(), etc.join("credentials/db-password").display().to_string()));
    (cluster, db, env, etc)
}

/// The daemon gets ready on the server as set up, and stores what is published.
async fn stores_readings(env: &Env) {
    let daemon = Daemon::start(env).await;
    let start = (now_ms() - 3_600_000).to_string();
    let summary =
        simulate(env, &["--frames", "200", "--readings-per-frame", "5", "--seed", "27", "--start-ms", &start]);
    let expected = summary["readings"].as_i64().unwrap();
    let url = env.db_url.replace("postgres://wasteflow@", "postgres://wasteflow:daemon-password@");
    let client = pg(&url).await;
    wait_until(Duration::from_secs(30), "the readings stored on the fresh server", || async {
        client.query_one("SELECT count(*) FROM readings", &[]).await.unwrap().get::<_, i64>(0) == expected
    })
    .await;
    assert!(daemon.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_role_as_documented_on_a_fresh_server() {
    let dir = Scratch::dir("wf-fresh-one-");
    let (cluster, _db, env, etc) = fresh(&dir).await;
    run_as_written(&documented_block("**One role**"), &etc, &cluster, &env);
    stores_readings(&env).await;
    // Run again, the script changes nothing and fails on nothing.
    run_as_written(&documented_block("**One role**"), &etc, &cluster, &env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn least_privilege_as_documented_on_a_fresh_server() {
    let dir = Scratch::dir("wf-fresh-least-");
    let (cluster, _db, mut env, etc) = fresh(&dir).await;
    run_as_written(&documented_block("**Least privilege**"), &etc, &cluster, &env);
    // "and set migrate_on_start = false".
    env.extra.push(("WASTEFLOW__DATABASE__MIGRATE_ON_START".into(), "false".into()));
    stores_readings(&env).await;
    // The daemon's login writes rows and changes no structure.
    let writer = pg(&env.db_url.replace("postgres://wasteflow@", "postgres://wasteflow:daemon-password@")).await;
    let err = writer.batch_execute("CREATE TABLE intruder (x int)").await.expect_err("no DDL");
    assert_eq!(err.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{err}");
}

/// `wasteflow run` with the URL and password file given, until it exits (at most 20 s): its
/// exit code, how long it took, and its log.
fn run_until_exit(env: &Env, url: &str, password_file: &Path) -> (Option<i32>, Duration, String) {
    let began = Instant::now();
    let mut cmd = env.command();
    cmd.arg("run").env("WASTEFLOW__DATABASE__URL", url).env("WASTEFLOW__DATABASE__PASSWORD_FILE", password_file);
    let mut child = cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    while child.try_wait().unwrap().is_none() && began.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    (out.status.code(), began.elapsed(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_refuses_the_daemon_ends_it_with_64_and_the_fix() {
    let dir = Scratch::dir("wf-refuse-");
    let cluster = Cluster::start(&dir.join("pg"), &["--auth-local=trust", "--auth-host=scram-sha-256"], "");
    cluster.psql("CREATE ROLE wf_known LOGIN PASSWORD 'right-password'");
    cluster.psql("CREATE DATABASE wf_db OWNER wf_known");
    let (right, wrong) = (dir.join("right"), dir.join("wrong"));
    std::fs::write(&right, "right-password\n").unwrap();
    std::fs::write(&wrong, "wrong-password\n").unwrap();
    let db = TestDb::new().await;
    let env = Env::new(&db);
    let port = cluster.port;

    // A database nobody created.
    let (code, took, log) = run_until_exit(&env, &format!("postgres://wf_known@127.0.0.1:{port}/wasteflow"), &right);
    assert_eq!(code, Some(64), "{log}");
    assert!(took < Duration::from_secs(10), "{took:?}: {log}");
    assert!(log.contains("FATAL 3D000: database \"wasteflow\" does not exist"), "{log}");
    assert!(
        log.contains(&format!("to fix: the database \"wasteflow\" does not exist on 127.0.0.1:{port}: as a superuser, create it with `wasteflow setup-db")),
        "{log}"
    );
    assert!(!log.contains("database not ready; retrying"), "{log}");

    // A wrong password, named with where it was read from.
    let (code, took, log) = run_until_exit(&env, &format!("postgres://wf_known@127.0.0.1:{port}/wf_db"), &wrong);
    assert_eq!(code, Some(64), "{log}");
    assert!(took < Duration::from_secs(10), "{took:?}: {log}");
    assert!(log.contains("FATAL 28P01: password authentication failed for user \"wf_known\""), "{log}");
    assert!(
        log.contains(&format!(
            "refused the password of \"wf_known\", read from database.password_file ({})",
            wrong.display()
        )),
        "{log}"
    );

    // Nothing listening is an outage, retried, and says where it tried.
    let closed = free_port();
    let mut cmd = env.command();
    cmd.arg("run").env("WASTEFLOW__DATABASE__URL", format!("postgres://wf_known@127.0.0.1:{closed}/wf_db"));
    let log_path = dir.join("outage.log");
    let mut child = cmd.stderr(std::fs::File::create(&log_path).unwrap()).spawn().unwrap();
    wait_until(Duration::from_secs(20), "the outage reported with its address", || async {
        std::fs::read_to_string(&log_path)
            .unwrap_or_default()
            .contains(&format!("cannot connect to the database at 127.0.0.1:{closed}"))
    })
    .await;
    assert!(child.try_wait().unwrap().is_none(), "an outage does not end the daemon");
    let _ = child.kill();
    let _ = child.wait();
    drop(cluster);
}

/// The first try of issue 27: a login that owns its database on a fresh server, and nothing
/// else. `check-config --connect` says, before any start, that the migrations at start cannot
/// run, and what to run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_config_predicts_a_migration_the_login_cannot_run() {
    let dir = Scratch::dir("wf-fresh-check-");
    let (cluster, _db, env, etc) = fresh(&dir).await;
    cluster.psql("CREATE ROLE wasteflow LOGIN PASSWORD 'daemon-password'");
    cluster.psql("CREATE DATABASE wasteflow OWNER wasteflow");
    std::fs::write(etc.join("credentials/db-password"), "daemon-password\n").unwrap();
    let out = env.command().args(["check-config", "--connect"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(69), "{stdout}");
    assert!(
        stdout.contains(
            "database: FAILED: the schema needs migrating at start (database.migrate_on_start) and this login cannot: \
             the server's roles wasteflow_writer, wasteflow_grafana, wasteflow_reader, wasteflow_coordinator are \
             missing and \"wasteflow\" may not create roles; as a superuser, run `wasteflow setup-db"
        ),
        "{stdout}"
    );
    // After the documented set-up, the same check passes.
    run_as_written(&documented_block("**One role**"), &etc, &cluster, &env);
    let out = env.command().args(["check-config", "--connect"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("database: ok: PostgreSQL 15"), "{stdout}");
    assert!(stdout.contains("migrated at start"), "{stdout}");
}

/// A broker that was never reached is said so, with its address: not "connection lost".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_never_reached_is_named_with_its_address() {
    let db = TestDb::new().await;
    let mut env = Env::new(&db);
    env.broker_port = free_port();
    let daemon = Daemon::spawn(&env).await;
    let expected = format!("cannot connect to the broker at 127.0.0.1:{}; retrying", env.broker_port);
    wait_until(Duration::from_secs(20), "the broker named", || async { daemon.log_text().contains(&expected) }).await;
    assert!(!daemon.log_text().contains("broker connection lost"), "{}", daemon.log_text());
    assert!(daemon.terminate().await.success());
}
