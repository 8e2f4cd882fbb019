//! Reader access benchmark: every SQL query of every Grafana dashboard
//! (deploy/grafana/dashboards/*.json), timed as the coordinator (`wasteflow_coordinator`, sees
//! every company) and as one company's role (`wasteflow_company_beton-artois`), on the demo
//! fortnight. Requirement (issue 18): a company's queries take at most 1.5 x the coordinator's.
//!
//! The data is what `bash deploy/demo.sh` stores, generated in-process without MQTT: the
//! realistic simulator (14 days ending now, seed 2026, faults overflow fire fire-alarm tilt
//! moved lid, 1 % duplicates, 0.5 % malformed) on the example zone (config/zone.toml), each
//! message validated with `check_message` and written with the daemon's `Writer` in batches
//! as the daemon's defaults make them, then the live stage (`run_live`) folds the inbox into the
//! live state, as the daemon does.
//!
//! Each query runs once per role to warm up, then `RUNS` times per role, the two roles
//! alternating (`SET ROLE` in one session); the median of each is reported.
//!
//! Run: `cargo bench --bench reader_access` (needs PostgreSQL on 127.0.0.1:5432).
//! `WASTEFLOW_BENCH_SCALE=0.25` simulates a quarter of the days; `WASTEFLOW_BENCH_RUNS` sets
//! the runs per query and role (default 15: the smallest queries take about a millisecond, and
//! the machines are shared).
//!
//! `WASTEFLOW_BENCH_KEEP=1` keeps the database (its URL printed) for EXPLAIN ANALYZE.
//!
//! `WASTEFLOW_BENCH_ONLY=ingest`: instead, the writer's path through row-level security
//! (migration 16): the same demo batches written by a login that is a member of
//! `wasteflow_writer` (least privilege: the `wf_writer` policies apply to it; the owner and a
//! superuser bypass them) into two databases migrated alike, one of them with row-level
//! security then disabled on every table that has it; batch by batch, the two alternating;
//! batches of 4,000 messages (a backlog) and of 50 (the demo's live pace).
//! `WASTEFLOW_BENCH_RUNS` sets the runs (default 1).

#[path = "../tests/common/mod.rs"]
mod common;
mod demo;

use common::*;
use demo::*;
use std::time::{Duration, Instant};
use wasteflow::store::{prepare, Connector, Writer};
use wasteflow::zone::Zone;

const COMPANY: &str = "beton-artois";
const COORDINATOR: &str = "wasteflow_coordinator";

fn scale() -> f64 {
    std::env::var("WASTEFLOW_BENCH_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0)
}

/// The demo fortnight's period: 14 days (times `WASTEFLOW_BENCH_SCALE`) ending a minute ago, as
/// `simulate --realistic` does: (start, end, now) in Unix milliseconds.
fn period() -> (i64, i64, i64) {
    period_of(14.0 * scale())
}

/// Runs `sql` as `role`: (milliseconds, rows).
async fn timed(client: &tokio_postgres::Client, role: &str, sql: &str) -> (f64, usize) {
    client.batch_execute(&format!("SET ROLE \"{role}\"")).await.unwrap();
    let t = Instant::now();
    let rows = client.simple_query(sql).await.unwrap_or_else(|e| panic!("as {role}: {e}\n{sql}"));
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    client.batch_execute("RESET ROLE").await.unwrap();
    let n = rows.iter().filter(|m| matches!(m, tokio_postgres::SimpleQueryMessage::Row(_))).count();
    (ms, n)
}

async fn readers() {
    let runs: usize = std::env::var("WASTEFLOW_BENCH_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(15);
    let db = TestDb::new().await;
    let s = settings(&db.url);
    let zone = Zone::load(&zone_file()).unwrap();
    let prepared = prepare(&s, &zone, true).await.expect("prepare");
    let zone = zone.with_ids(prepared.ids);
    let (start, end, now) = period();
    let t = Instant::now();
    let (messages, sent) = write_demo(&s, &zone, (start, end, now)).await;
    let client = db.client().await;
    let stored = db.count("SELECT count(*) FROM readings").await;
    let dead = db.count("SELECT count(*) FROM rejected_messages").await;
    let events = db.count("SELECT count(*) FROM events").await;
    println!(
        "demo data: {:.1} days, {messages} messages, {sent} readings sent, {stored} stored, {dead} dead letters, \
         {events} events; built in {:.0} s",
        (end - start) as f64 / DAY_MS as f64,
        t.elapsed().as_secs_f64()
    );
    let company_role = format!("wasteflow_company_{COMPANY}");
    let (from, to) = (rfc3339(start), rfc3339(now));
    println!("time range {from} .. {to}; $company = {COMPANY}; median of {runs} runs per query and role, alternating");
    println!();

    let queries = dashboard_queries();
    let mut results = Vec::new();
    for (dash, title, raw) in &queries {
        let sql = common::grafana::substitute(raw, &from, &to, COMPANY);
        let (_, rows_c) = timed(&client, COORDINATOR, &sql).await;
        let (_, rows_k) = timed(&client, &company_role, &sql).await;
        let (mut c, mut k) = (Vec::new(), Vec::new());
        for i in 0..runs {
            // Alternate which role goes first.
            if i % 2 == 0 {
                c.push(timed(&client, COORDINATOR, &sql).await.0);
                k.push(timed(&client, &company_role, &sql).await.0);
            } else {
                k.push(timed(&client, &company_role, &sql).await.0);
                c.push(timed(&client, COORDINATOR, &sql).await.0);
            }
        }
        results.push((dash.clone(), title.clone(), median(&mut c), median(&mut k), rows_c, rows_k));
    }
    println!(
        "{:<18} {:<44} {:>10} {:>10} {:>6} {:>6} {:>6}",
        "dashboard", "panel", "coord ms", "company ms", "ratio", "rows c", "rows k"
    );
    let (mut total_c, mut total_k, mut worst) = (0.0, 0.0, (0.0f64, String::new()));
    for (dash, title, c, k, rc, rk) in &results {
        let ratio = k / c;
        let short: String = title.chars().take(44).collect();
        println!("{dash:<18} {short:<44} {c:>10.2} {k:>10.2} {ratio:>6.2} {rc:>6} {rk:>6}");
        total_c += c;
        total_k += k;
        if ratio > worst.0 {
            worst = (ratio, format!("{dash}: {title}"));
        }
    }
    println!(
        "{:<18} {:<44} {total_c:>10.2} {total_k:>10.2} {:>6.2}",
        "total",
        format!("{} queries", results.len()),
        total_k / total_c
    );
    println!("worst ratio: {:.2} ({})", worst.0, worst.1);
    let over: Vec<_> = results.iter().filter(|r| r.3 > 1.5 * r.2).map(|r| format!("{}: {}", r.0, r.1)).collect();
    println!(
        "requirement: company <= 1.5 x coordinator: total {}; queries over 1.5x: {}",
        if total_k <= 1.5 * total_c { "met" } else { "NOT met" },
        if over.is_empty() { "none".to_string() } else { over.join("; ") }
    );
    drop(client);
    if std::env::var("WASTEFLOW_BENCH_KEEP").is_ok_and(|v| v == "1") {
        println!("kept: {} (drop it with DROP DATABASE)", db.url);
        std::mem::forget(db);
    }
}

/// The tables migration 16 put row-level security on.
async fn rls_tables(client: &tokio_postgres::Client) -> Vec<String> {
    client
        .query("SELECT relname::text FROM pg_class WHERE relrowsecurity AND relnamespace = 'public'::regnamespace ORDER BY 1", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

async fn ingest() {
    let runs: usize = std::env::var("WASTEFLOW_BENCH_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let role = unique("wf_bench_w_");
    let admin = pg(PG_ADMIN).await;
    // Batches as full as the daemon's defaults make them from a backlog (4,000 messages), and
    // as the demo's pace makes them live (about 1,000 messages a second, `batch.max_age` 50 ms).
    for (run, max_messages) in (0..runs).flat_map(|r| [(r, 4000), (r, 50)]) {
        let (on, off) = (TestDb::new().await, TestDb::new().await);
        let zone = Zone::load(&zone_file()).unwrap();
        let mut ids = None;
        for db in [&on, &off] {
            // Migrated by the owner (postgres), the registry synced; the writer login writes.
            let prepared = prepare(&settings(&db.url), &zone, true).await.expect("prepare");
            ids = Some(prepared.ids);
        }
        if run == 0 && max_messages == 4000 {
            // wasteflow_writer exists once a database of the server is migrated.
            admin.batch_execute(&format!("CREATE ROLE {role} LOGIN IN ROLE wasteflow_writer")).await.unwrap();
        }
        let zone = Zone::load(&zone_file()).unwrap().with_ids(ids.unwrap());
        let client = off.client().await;
        let tables = rls_tables(&client).await;
        for t in &tables {
            client.batch_execute(&format!("ALTER TABLE {t} DISABLE ROW LEVEL SECURITY")).await.unwrap();
        }
        assert!(rls_tables(&client).await.is_empty());
        let on_tables = rls_tables(&on.client().await).await.len();
        let as_writer = |db: &TestDb| format!("postgres://{role}@127.0.0.1:5432/{}", db.name);
        let (s_on, s_off) = (settings(&as_writer(&on)), settings(&as_writer(&off)));
        let (start, end, now) = period();
        let (batches, _, sent) = demo_batches(&zone, &s_on, start, end, now, max_messages);
        let mut w_on = Writer::new(Connector::new(&s_on.database).unwrap());
        let mut w_off = Writer::new(Connector::new(&s_off.database).unwrap());
        w_on.ensure_connected().await.unwrap();
        w_off.ensure_connected().await.unwrap();
        let (mut t_on, mut t_off) = (Duration::ZERO, Duration::ZERO);
        let (mut per_on, mut per_off) = (Vec::new(), Vec::new());
        for (i, b) in batches.iter().enumerate() {
            for which in [i % 2 == 0, i % 2 != 0] {
                let (w, total, per) =
                    if which { (&mut w_on, &mut t_on, &mut per_on) } else { (&mut w_off, &mut t_off, &mut per_off) };
                let t = Instant::now();
                w.write(b).await.expect("write as the writer login");
                let e = t.elapsed();
                *total += e;
                per.push(e.as_secs_f64() * 1000.0);
            }
        }
        w_on.close().await;
        w_off.close().await;
        let n_on = on.count("SELECT count(*) FROM readings").await;
        let n_off = off.count("SELECT count(*) FROM readings").await;
        assert_eq!(n_on, n_off);
        println!(
            "run {}, batches of at most {max_messages} messages: {} batches, {sent} readings sent, {n_on} stored, as a member of wasteflow_writer; \
             RLS on ({on_tables} tables): {:.2} s, {:.0} readings/s, median batch {:.1} ms; \
             RLS disabled: {:.2} s, {:.0} readings/s, median batch {:.1} ms; on/off {:.3}",
            run + 1,
            batches.len(),
            t_on.as_secs_f64(),
            sent as f64 / t_on.as_secs_f64(),
            median(&mut per_on),
            t_off.as_secs_f64(),
            sent as f64 / t_off.as_secs_f64(),
            median(&mut per_off),
            t_on.as_secs_f64() / t_off.as_secs_f64()
        );
    }
    admin.batch_execute(&format!("DROP ROLE IF EXISTS {role}")).await.ok();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` does not: then only build.
    if !std::env::args().any(|a| a == "--bench") {
        println!("reader_access: run with `cargo bench --bench reader_access`");
        return;
    }
    match std::env::var("WASTEFLOW_BENCH_ONLY").as_deref() {
        Ok("ingest") => ingest().await,
        _ => readers().await,
    }
}
