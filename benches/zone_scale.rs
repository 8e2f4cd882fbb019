//! Zone benchmark (issue 29): a zone ten times the example, for a day, through the real broker
//! and the real daemon. What grows and what stays flat.
//!
//! The zone: copies of config/zone.toml (`tests/common/scaled_zone.rs`), by default 25
//! companies, 100 gateways and 1,000 containers (10 per gateway), written to a temporary
//! directory. A private Mosquitto with the shipped configuration, a fresh database, the release
//! daemon (`cargo bench` builds it) with default settings on that zone, then `wasteflow simulate
//! --realistic` publishes `HOURS` simulated hours ending a minute before it starts (seed 2026,
//! the demo's faults overflow fire fire-alarm tilt moved lid, 1 % duplicates, 0.5 % malformed;
//! each container at its registry interval, 15 min or 5 min, with its devices) at `SPEEDUP`
//! simulated seconds per real second.
//!
//! Sampled before publishing, then every `SAMPLE` simulated minutes, and once more when every
//! reading is stored and the live inbox folded: the daemon's resident memory (VmRSS, VmHWM) and
//! CPU, readings stored, `live_inbox` (rows, dead tuples, autovacuums, size), the rollups' rows
//! and the disk of readings, rollups and the database. The fold's lag is polled every second:
//! the age of the oldest inbox row (0 when folded), its largest value since the last sample,
//! and the inbox's largest row count. Every SQL query of the shipped dashboards is timed as the
//! coordinator (`$company` = beton-artois, the time range the simulated period) after the first
//! sample (while publishing) and at the end: the median of `RUNS` runs after one to warm up.
//! On a server with autovacuum off (the development machines' PostgreSQL) the bench says so, and times
//! the end once more after `ANALYZE`: without autovacuum there is no autoanalyze, and plans made
//! without statistics would be charged to the zone's size.
//!
//! The server: by default a private PostgreSQL cluster made here with `initdb` and left at
//! PostgreSQL's defaults (autovacuum on, as on an operator's new host; the `postgres` user and
//! the binaries of PostgreSQL 15 under /usr/lib/postgresql/15/bin, run as root), removed at the
//! end. `WASTEFLOW_BENCH_SERVER=machine`: the machine's server on 127.0.0.1:5432 instead.
//!
//! Run: `cargo bench --bench zone_scale` (the `mosquitto` binary): 24 simulated hours at 60 x,
//! about 25 minutes. Environment:
//! `WASTEFLOW_BENCH_HOURS` (default 24, at most 696), `WASTEFLOW_BENCH_SPEEDUP` (default 60),
//! `WASTEFLOW_BENCH_ZONE` (companies,gateways,containers; default 25,100,1000),
//! `WASTEFLOW_BENCH_SAMPLE` (simulated minutes between samples, default 60),
//! `WASTEFLOW_BENCH_RUNS` (default 5), `WASTEFLOW_BENCH_KEEP=1` (keep the database).
//! WASTEFLOW__* variables reach the daemon. A short trial:
//! `WASTEFLOW_BENCH_SPEEDUP=480 cargo bench --bench zone_scale` (the day in 3 minutes, at 8
//! times the realistic rates).

#[path = "../tests/common/mod.rs"]
mod common;
// Only the dashboards' queries and two helpers of the demo module are used here.
#[allow(dead_code)]
mod demo;

use common::scaled_zone::{write_scaled_zone, ZoneShape, TEN_TIMES};
use common::*;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_postgres::Client;

const COMPANY: &str = "beton-artois";
const COORDINATOR: &str = "wasteflow_coordinator";
const MIB: f64 = 1024.0 * 1024.0;

/// The rollup tables: UTC minutes, hours and days, and the local periods.
const ROLLUPS_1M: [&str; 2] = ["flow_rollup_1m", "container_rollup_1m"];
const ROLLUPS_1H: [&str; 2] = ["flow_rollup_1h", "container_rollup_1h"];
const ROLLUPS_DAY: [&str; 4] =
    ["flow_rollup_1d", "container_rollup_1d", "flow_rollup_local", "container_rollup_local_1d"];

/// The fold's worst since the last sample, from the poll every second.
#[derive(Debug, Default, Clone, Copy)]
struct Peak {
    inbox_rows: i64,
    lag_s: f64,
}

/// One sample.
#[derive(Debug, Clone)]
struct Sample {
    sim_hours: f64,
    real_s: f64,
    readings: i64,
    rss_mib: f64,
    hwm_mib: f64,
    cpu_s: f64,
    inbox_rows: i64,
    peak: Peak,
    inbox_dead: i64,
    autovacuums: i64,
    inbox_kib: f64,
    /// `container_live` and `gateway_sequence`, updated at every fold: dead tuples and size.
    live_dead: i64,
    live_kib: f64,
    rollup_rows: [i64; 3],
    readings_mib: f64,
    rollups_mib: f64,
    database_mib: f64,
}

/// (VmRSS, VmHWM) in MiB and user + system CPU seconds of process `pid`.
fn proc_figures(pid: u32) -> (f64, f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = |key: &str| -> f64 {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_comm = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    let ticks: f64 = [11, 12].iter().filter_map(|&i| fields.get(i)?.parse::<f64>().ok()).sum();
    (kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0, ticks / 100.0)
}

async fn one_i64(client: &Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).await.unwrap_or_else(|e| panic!("{e}\n{sql}")).get(0)
}

async fn rows_of(tables: &[&str], client: &Client) -> i64 {
    let sql = tables.iter().map(|t| format!("(SELECT count(*) FROM {t})")).collect::<Vec<_>>().join(" + ");
    one_i64(client, &format!("SELECT {sql}")).await
}

async fn sample(client: &Client, pid: u32, readings: i64, sim_hours: f64, real_s: f64, peak: Peak) -> Sample {
    let (rss_mib, hwm_mib, cpu_s) = proc_figures(pid);
    let inbox = client
        .query_one(
            "SELECT (SELECT count(*) FROM live_inbox), n_dead_tup, autovacuum_count,
                    pg_total_relation_size(relid)::float8 / 1024
             FROM pg_stat_user_tables WHERE relname = 'live_inbox'",
            &[],
        )
        .await
        .unwrap();
    let live = client
        .query_one(
            "SELECT sum(n_dead_tup)::int8, sum(pg_total_relation_size(relid))::float8 / 1024
             FROM pg_stat_user_tables WHERE relname IN ('container_live', 'gateway_sequence')",
            &[],
        )
        .await
        .unwrap();
    let all_rollups: Vec<&str> = ROLLUPS_1M.iter().chain(&ROLLUPS_1H).chain(&ROLLUPS_DAY).copied().collect();
    let rollup_size = all_rollups.iter().map(|t| format!("pg_total_relation_size('{t}')")).collect::<Vec<_>>();
    let sizes = client
        .query_one(
            &format!(
                "SELECT pg_total_relation_size('readings')::float8, ({})::float8, pg_database_size(current_database())::float8",
                rollup_size.join(" + ")
            ),
            &[],
        )
        .await
        .unwrap();
    Sample {
        sim_hours,
        real_s,
        readings,
        rss_mib,
        hwm_mib,
        cpu_s,
        inbox_rows: inbox.get(0),
        peak,
        inbox_dead: inbox.get(1),
        autovacuums: inbox.get(2),
        inbox_kib: inbox.get(3),
        live_dead: live.get(0),
        live_kib: live.get(1),
        rollup_rows: [
            rows_of(&ROLLUPS_1M, client).await,
            rows_of(&ROLLUPS_1H, client).await,
            rows_of(&ROLLUPS_DAY, client).await,
        ],
        readings_mib: sizes.get::<_, f64>(0) / MIB,
        rollups_mib: sizes.get::<_, f64>(1) / MIB,
        database_mib: sizes.get::<_, f64>(2) / MIB,
    }
}

/// Every dashboard query over `[from, to]` as the coordinator: (name, median ms, rows).
async fn dashboards(client: &Client, from: i64, to: i64, runs: usize) -> Vec<(String, f64, usize)> {
    let (from, to) = (demo::rfc3339(from), demo::rfc3339(to));
    client.batch_execute(&format!("SET ROLE \"{COORDINATOR}\"")).await.unwrap();
    let mut out = Vec::new();
    for (dash, title, raw) in demo::dashboard_queries() {
        let sql = grafana::substitute(&raw, &from, &to, COMPANY);
        let mut rows = 0;
        let mut ms = Vec::new();
        for run in 0..=runs {
            let t = Instant::now();
            let result = client.simple_query(&sql).await.unwrap_or_else(|e| panic!("{e}\n{sql}"));
            if run > 0 {
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            rows = result.iter().filter(|m| matches!(m, tokio_postgres::SimpleQueryMessage::Row(_))).count();
        }
        out.push((format!("{dash}: {title}"), demo::median(&mut ms), rows));
    }
    client.batch_execute("RESET ROLE").await.unwrap();
    out
}

/// Polls the live inbox every second: its row count and the age of its oldest row.
fn poll_fold(client: Client, peak: Arc<Mutex<Peak>>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let Ok(row) = client
                .query_one(
                    "SELECT count(*), coalesce(extract(epoch FROM now() - min(stored_at)), 0)::float8 FROM live_inbox",
                    &[],
                )
                .await
            else {
                return;
            };
            {
                let mut p = peak.lock().unwrap();
                p.inbox_rows = p.inbox_rows.max(row.get(0));
                p.lag_s = p.lag_s.max(row.get(1));
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
}

fn print_samples(samples: &[Sample]) {
    println!();
    println!(
        "{:>6} {:>7} {:>10} {:>7} {:>7} {:>6} {:>11} {:>7} {:>8} {:>5} {:>8} {:>9} {:>8} {:>9} {:>7} {:>6} {:>8} {:>8} {:>8}",
        "sim h",
        "real s",
        "readings",
        "RSS",
        "HWM",
        "CPU%",
        "inbox n/max",
        "lag s",
        "inb dead",
        "avac",
        "inb KiB",
        "live dead",
        "live KiB",
        "roll 1m",
        "roll 1h",
        "roll d",
        "rdg MiB",
        "roll MiB",
        "db MiB"
    );
    let mut prev: Option<&Sample> = None;
    for s in samples {
        let cpu = prev.map_or(0.0, |p| 100.0 * (s.cpu_s - p.cpu_s) / (s.real_s - p.real_s).max(1e-3));
        println!(
            "{:>6.1} {:>7.0} {:>10} {:>7.1} {:>7.1} {:>6.1} {:>11} {:>7.1} {:>8} {:>5} {:>8.0} {:>9} {:>8.0} {:>9} {:>7} {:>6} {:>8.1} {:>8.1} {:>8.1}",
            s.sim_hours,
            s.real_s,
            s.readings,
            s.rss_mib,
            s.hwm_mib,
            cpu,
            format!("{}/{}", s.inbox_rows, s.peak.inbox_rows),
            s.peak.lag_s,
            s.inbox_dead,
            s.autovacuums,
            s.inbox_kib,
            s.live_dead,
            s.live_kib,
            s.rollup_rows[0],
            s.rollup_rows[1],
            s.rollup_rows[2],
            s.readings_mib,
            s.rollups_mib,
            s.database_mib
        );
        prev = Some(s);
    }
    println!(
        "(RSS/HWM: the daemon's VmRSS/VmHWM, MiB; CPU%: its CPU over the interval; inbox n/max: live_inbox rows now / \
         most seen by the poll since the last sample; lag s: oldest inbox row's largest age since the last sample; \
         inb dead: its n_dead_tup; avac: its autovacuum_count; live dead/KiB: container_live and gateway_sequence; \
         roll 1m/1h/d: rows of the minute, hour and day + local-period rollups; sizes: pg_total_relation_size, \
         pg_database_size)"
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` does not: then only build.
    if !std::env::args().any(|a| a == "--bench") {
        println!("zone_scale: run with `cargo bench --bench zone_scale`");
        return;
    }
    let hours: f64 = env_or("WASTEFLOW_BENCH_HOURS", 24.0);
    let speedup: f64 = env_or("WASTEFLOW_BENCH_SPEEDUP", 60.0);
    let shape: ZoneShape = env_or("WASTEFLOW_BENCH_ZONE", TEN_TIMES);
    let sample_minutes: f64 = env_or("WASTEFLOW_BENCH_SAMPLE", 60.0);
    let runs: usize = env_or("WASTEFLOW_BENCH_RUNS", 5);
    assert!(hours > 0.0 && hours <= 29.0 * 24.0, "WASTEFLOW_BENCH_HOURS: above 0, at most 696 (29 days)");
    assert!(
        speedup >= 1.0 && sample_minutes > 0.0,
        "WASTEFLOW_BENCH_SPEEDUP at least 1, WASTEFLOW_BENCH_SAMPLE above 0"
    );

    let dir = Scratch::dir("wf-zone-scale-");
    // Declared before the database, so that the database is dropped before the server stops.
    let cluster = match std::env::var("WASTEFLOW_BENCH_SERVER").as_deref() {
        Ok("machine") => None,
        Ok("private") | Err(_) => Some(cluster::Cluster::start(&dir.join("pg"), &["--auth=trust"], "")),
        Ok(other) => panic!("WASTEFLOW_BENCH_SERVER={other:?}: `private` (the default) or `machine`"),
    };
    let db = match &cluster {
        Some(c) => TestDb::on_port(c.port).await,
        None => TestDb::new().await,
    };
    let (mut env, broker) = Env::with_private_broker(&db);
    let zone_path = write_scaled_zone(&dir, shape);
    env.extra.push(("WASTEFLOW__ZONE__FILE".into(), zone_path.display().to_string()));
    env.extra.push(("WASTEFLOW__LOG__LEVEL".into(), "warn".into()));
    env.extra.extend(std::env::vars().filter(|(k, _)| k.starts_with("WASTEFLOW__")));
    let client = db.client().await;
    let settings: Vec<String> = client
        .query(
            "SELECT name || '=' || setting FROM pg_settings WHERE name IN
             ('autovacuum', 'autovacuum_naptime', 'autovacuum_vacuum_scale_factor', 'autovacuum_vacuum_threshold',
              'autovacuum_vacuum_insert_threshold', 'autovacuum_max_workers') ORDER BY name",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    println!(
        "zone benchmark: {shape}; {hours} simulated hours at {speedup} x (about {:.1} min of publishing), \
         a sample every {sample_minutes} simulated minutes",
        hours * 60.0 / speedup
    );
    let server = match &cluster {
        Some(c) => format!("a private cluster made with initdb on port {}, PostgreSQL's defaults", c.port),
        None => "the machine's server on 5432".to_string(),
    };
    println!("PostgreSQL ({server}): {}", settings.join(", "));
    let autovacuum = settings.iter().any(|s| s == "autovacuum=on");
    if !autovacuum {
        println!(
            "WARNING: autovacuum is off on this server: live_inbox's dead tuples (and container_live's) can only \
             grow here; the figures of a full run need autovacuum on (PostgreSQL's default)"
        );
    }

    let t = Instant::now();
    let daemon = Daemon::start(&env).await;
    let pid = daemon.child.id();
    println!("daemon ready (migrations, registry sync of the zone, subscribed) in {:.1} s", t.elapsed().as_secs_f64());

    let peak = Arc::new(Mutex::new(Peak::default()));
    let poller = poll_fold(db.client().await, peak.clone());
    let take_peak = || std::mem::take(&mut *peak.lock().unwrap());
    let mut samples = vec![sample(&client, pid, 0, 0.0, 0.0, take_peak()).await];

    let span_ms = (hours * 3_600_000.0) as i64;
    let start_ms = now_ms() as i64 - 60_000 - span_ms;
    let days = format!("{}", hours / 24.0);
    let (speedup_arg, start_arg, seed) = (speedup.to_string(), start_ms.to_string(), "2026".to_string());
    let mut args: Vec<&str> =
        vec!["--realistic", "--days", &days, "--speedup", &speedup_arg, "--start-ms", &start_arg, "--seed", &seed];
    for fault in ["overflow", "fire", "fire-alarm", "tilt", "moved", "lid"] {
        args.extend(["--fault", fault]);
    }
    args.extend(["--duplicates", "0.01", "--malformed", "0.005"]);
    let t0 = Instant::now();
    let simulator = simulate_in_background(&env, &args);

    let every = Duration::from_secs_f64(sample_minutes * 60.0 / speedup);
    let sim_hours = |at: Instant| (at.duration_since(t0).as_secs_f64() * speedup / 3600.0).min(hours);
    let mut first: Option<Vec<(String, f64, usize)>> = None;
    let mut k = 1u32;
    while !simulator.is_finished() {
        let due = t0 + every * k;
        if Instant::now() < due {
            tokio::time::sleep(Duration::from_millis(200).min(due - Instant::now())).await;
            continue;
        }
        let now = Instant::now();
        let stored = daemon.metric("wasteflow_readings_stored_total").await.unwrap_or(0.0) as i64;
        let s = sample(&client, pid, stored, sim_hours(now), now.duration_since(t0).as_secs_f64(), take_peak()).await;
        samples.push(s);
        if first.is_none() {
            let t = Instant::now();
            first = Some(dashboards(&client, start_ms, start_ms + span_ms, runs).await);
            println!(
                "dashboards timed at {:.1} simulated hours (while publishing), in {:.1} s",
                sim_hours(now),
                t.elapsed().as_secs_f64()
            );
        }
        k += 1;
    }
    let summary = simulator.join().expect("the simulator's thread");
    let published = t0.elapsed().as_secs_f64();
    let expected = summary["readings"].as_i64().unwrap();
    println!(
        "published in {published:.0} s: {} frames, {expected} readings, {} duplicates, {} malformed",
        summary["frames"], summary["duplicates"], summary["malformed"]
    );

    // Everything stored (or dead-lettered), then the inbox folded.
    let done =
        "SELECT (SELECT count(*) FROM readings) + (SELECT count(*) FROM rejected_messages WHERE reading_index >= 0)";
    let deadline = Instant::now() + Duration::from_secs(600);
    while one_i64(&client, done).await < expected {
        assert!(Instant::now() < deadline, "not every reading stored 10 min after publishing");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let stored_after = t0.elapsed().as_secs_f64() - published;
    while one_i64(&client, "SELECT count(*) FROM live_inbox").await > 0 {
        assert!(Instant::now() < deadline, "the live inbox not folded 10 min after publishing");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let folded_after = t0.elapsed().as_secs_f64() - published;
    let stored = one_i64(&client, "SELECT count(*) FROM readings").await;
    let end = Instant::now();
    samples.push(sample(&client, pid, stored, hours, end.duration_since(t0).as_secs_f64(), take_peak()).await);
    poller.abort();
    let last = dashboards(&client, start_ms, start_ms + span_ms, runs).await;
    // Without autovacuum there is no autoanalyze either: the planner has no statistics of what
    // the run stored. Then the end once more after ANALYZE, as autoanalyze would have left them.
    let analyzed = if autovacuum {
        None
    } else {
        client.batch_execute("ANALYZE").await.unwrap();
        Some(dashboards(&client, start_ms, start_ms + span_ms, runs).await)
    };
    println!(
        "stored {stored} readings ({:.1} s after the last publish), inbox folded {:.1} s after it; \
         events {}, dead letters {}, containers in the live state {}",
        stored_after,
        folded_after,
        one_i64(&client, "SELECT count(*) FROM events").await,
        one_i64(&client, "SELECT count(*) FROM rejected_messages").await,
        one_i64(&client, "SELECT count(*) FROM container_live").await,
    );

    print_samples(&samples);

    let (s0, s1) = (&samples[0], samples.last().unwrap());
    let per_day = |a: f64, b: f64| (b - a) * 24.0 / hours;
    println!();
    println!(
        "per simulated day: {:.0} readings; disk {:.1} MiB (readings {:.1}, rollups {:.1}, database {:.1}); \
         rollup rows 1m {:.0}, 1h {:.0} (day and local-period rollups: {} rows at the end)",
        per_day(s0.readings as f64, s1.readings as f64),
        per_day(s0.readings_mib + s0.rollups_mib, s1.readings_mib + s1.rollups_mib),
        per_day(s0.readings_mib, s1.readings_mib),
        per_day(s0.rollups_mib, s1.rollups_mib),
        per_day(s0.database_mib, s1.database_mib),
        per_day(s0.rollup_rows[0] as f64, s1.rollup_rows[0] as f64),
        per_day(s0.rollup_rows[1] as f64, s1.rollup_rows[1] as f64),
        s1.rollup_rows[2],
    );
    let worst_lag = samples.iter().map(|s| s.peak.lag_s).fold(0.0, f64::max);
    let worst_inbox = samples.iter().map(|s| s.peak.inbox_rows).max().unwrap_or(0);
    let worst_dead = samples.iter().map(|s| s.inbox_dead).max().unwrap_or(0);
    println!(
        "fold: oldest inbox row at most {worst_lag:.1} s old, at most {worst_inbox} inbox rows; live_inbox: at most \
         {worst_dead} dead tuples at a sample, {} autovacuums, {:.0} KiB at the end; container_live and \
         gateway_sequence {:.0} KiB at the end ({} dead tuples); daemon RSS {:.1} MiB at the first sample, {:.1} at \
         the end, peak {:.1}; CPU {:.1} s",
        s1.autovacuums,
        s1.inbox_kib,
        s1.live_kib,
        s1.live_dead,
        samples.get(1).map_or(s0.rss_mib, |s| s.rss_mib),
        s1.rss_mib,
        s1.hwm_mib,
        s1.cpu_s
    );

    println!();
    let after_analyze = if analyzed.is_some() { format!(" {:>9} {:>7}", "ANALYZEd", "/start") } else { String::new() };
    println!(
        "{:<78} {:>9} {:>9} {:>7}{after_analyze}  rows (start / end)",
        "dashboard query, the simulated period, as the coordinator", "start ms", "end ms", "end/st"
    );
    let first = first.unwrap_or_default();
    let median_of = |v: &[(String, f64, usize)], name: &str| v.iter().find(|q| q.0 == name).map(|q| (q.1, q.2));
    for (name, ms, rows) in &last {
        let (start_ms, start_rows) = median_of(&first, name).unwrap_or((f64::NAN, 0));
        let short: String = name.chars().take(78).collect();
        let after_analyze = analyzed
            .as_deref()
            .and_then(|a| median_of(a, name))
            .map_or(String::new(), |(a, _)| format!(" {a:>9.2} {:>7.2}", a / start_ms));
        println!("{short:<78} {start_ms:>9.2} {ms:>9.2} {:>7.2}{after_analyze}  {start_rows} / {rows}", ms / start_ms);
    }
    let total = |v: &[(String, f64, usize)]| v.iter().map(|q| q.1).sum::<f64>();
    let after_analyze =
        analyzed.as_deref().map_or(String::new(), |a| format!(" {:>9.2} {:>7.2}", total(a), total(a) / total(&first)));
    println!(
        "{:<78} {:>9.2} {:>9.2} {:>7.2}{after_analyze}",
        "total",
        total(&first),
        total(&last),
        total(&last) / total(&first)
    );

    if !autovacuum {
        println!(
            "(autovacuum was off on this server: no figure above shows autovacuum keeping up; ANALYZEd: the end \
             timing again after ANALYZE, the statistics autoanalyze would have gathered)"
        );
    }
    assert!(daemon.terminate().await.success());
    assert!(!broker.log().contains("dropped"), "the broker dropped messages");
    if std::env::var("WASTEFLOW_BENCH_KEEP").is_ok_and(|v| v == "1") {
        println!("kept: {} (drop it with DROP DATABASE)", db.url);
        if let Some(c) = &cluster {
            println!(
                "the private cluster runs on: stop it with `runuser -u postgres -- {}/pg_ctl -D {} stop`, \
                 then remove {}",
                cluster::PG_BIN,
                c.dir.join("data").display(),
                dir.display()
            );
            std::mem::forget(dir);
        }
        std::mem::forget(db);
        std::mem::forget(cluster);
    } else {
        drop(db);
        drop(cluster);
    }
}
