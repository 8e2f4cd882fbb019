//! The storage v2 upgrade in place: a v1 database filled with simulated readings (2 million by
//! default; WASTEFLOW_UPGRADE_READINGS sets it) is upgraded by `wasteflow migrate`, which is
//! killed part-way and run again. Meanwhile the daemon refuses to ingest and says why. After:
//! every reading once, `verify` clean, and every figure the v1 views showed unchanged.
//! PostgreSQL only (COPY); `tests/storage_upgrade.rs` upgrades a smaller one on TimescaleDB too.

mod common;
use common::*;
use std::process::Stdio;
use std::time::{Duration, Instant};
use wasteflow::zone::Zone;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filled_v1_database_is_upgraded_in_place_resuming_after_a_kill() {
    let wanted: usize = env_or("WASTEFLOW_UPGRADE_READINGS", 2_000_000);
    let db = TestDb::new().await;
    let zone = Zone::load(&zone_file()).unwrap();
    let mut c = db.client().await;
    v1::apply_schema(&c).await;
    v1::registry(&c, &zone).await;
    let t = Instant::now();
    let load = v1::Load { copy: true, start_ms: now_ms() - 200 * 86_400_000, stretch: 1 };
    let stored = v1::readings(&mut c, &zone, wanted, &load).await;
    println!("v1 database filled: {stored} readings in {:.1} s", t.elapsed().as_secs_f64());
    let before = v1::figures(&c).await;
    assert!(before.len() > 20, "the v1 views show figures ({})", before.len());
    let mut env = Env::new(&db);
    // v1 showed UTC days and months; the comparison is in the same calendar.
    env.extra.push(("WASTEFLOW__ZONE__TIME_ZONE".into(), "UTC".into()));

    // First run, killed part-way through the copy.
    let t = Instant::now();
    let mut first = env.command().args(["migrate", "--batch", "20000"]).stderr(Stdio::null()).spawn().unwrap();
    wait_until(Duration::from_secs(600), "the copy a third done", || async {
        let client = db.client().await;
        let r = client.query_opt("SELECT phase, copied, total FROM storage_upgrade", &[]).await;
        matches!(r, Ok(Some(r)) if r.get::<_, String>(0) == "copy" && r.get::<_, i64>(1) * 3 >= r.get::<_, i64>(2))
    })
    .await;
    first.kill().unwrap();
    first.wait().unwrap();
    let first_secs = t.elapsed().as_secs_f64();
    // The server finishes (and may commit) the statement it was running when the client died.
    wait_until(Duration::from_secs(60), "the killed run's backend gone", || async {
        db.count(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
             AND backend_type = 'client backend'",
        )
        .await
            <= 1
    })
    .await;
    let (p, copied, total) = v1::phase(&c).await;
    assert_eq!(p, "copy");
    assert_eq!(total, stored);
    assert!(copied < total, "killed before the end ({copied} of {total})");
    assert_eq!(c.query_one("SELECT count(*) FROM readings", &[]).await.unwrap().get::<_, i64>(0), copied);

    // The daemon refuses to ingest into the half-migrated schema, and says so.
    let out = env.command().arg("run").stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let pid = out.id();
    tokio::time::sleep(Duration::from_secs(3)).await;
    std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    let out = out.wait_with_output().unwrap();
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(log.contains("storage v2 upgrade is not finished"), "{log}");
    assert!(log.contains("run `wasteflow migrate`"), "{log}");
    assert_eq!(v1::phase(&c).await.1, copied, "the daemon copied nothing");

    // Run again: it resumes and finishes, showing its progress.
    let t = Instant::now();
    let second = env.command().args(["migrate", "--batch", "20000"]).output().unwrap();
    let second_secs = t.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(second.status.success(), "{err}");
    assert!(err.contains(&format!("{total} of {total} readings copied (100 %)")), "{err}");
    let secs = first_secs + second_secs;
    println!(
        "upgrade of {total} readings: {secs:.1} s in all ({:.1} s per million), killed after {first_secs:.1} s and resumed",
        secs / (total as f64 / 1e6)
    );

    assert_eq!(v1::phase(&c).await.0, "done");
    assert_eq!(c.query_one("SELECT count(*) FROM readings", &[]).await.unwrap().get::<_, i64>(0), total);
    let gone =
        c.query_one("SELECT to_regclass('readings_v1') IS NULL AND to_regclass('flow_rollup_1m_v1') IS NULL", &[]);
    assert!(gone.await.unwrap().get::<_, bool>(0), "the v1 tables are dropped");
    let (ok, out) = verify(&env);
    assert!(ok, "{out}");
    let after = v1::figures(&c).await;
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b, a, "a figure changed in the upgrade");
    }

    // And the daemon ingests again.
    let daemon = Daemon::start(&env).await;
    assert!(daemon.terminate().await.success());
}
