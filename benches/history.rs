//! History benchmark (issue 29): does a query over a fixed window cost the same whatever the
//! history kept?
//!
//! Data: the demo (benches/demo: the example zone simulated realistically, validated, written
//! with the daemon's `Writer`, folded by its live stage) over the **28 days** ending now. Then
//! history is added before it: copies of those 28 days shifted back by 28 days each (readings,
//! the UTC rollups, events and dead letters; the local-period rollups rebuilt from the hourly
//! ones as the registry sync does), to 13 periods (**1 year**, 364 days) and to 65 periods
//! (**5 years**, 1,820 days). Copies are as realistic as the demo and cost seconds, where
//! simulating 5 years would cost an hour.
//!
//! Timed, each over the same window (the 28 days ending now), as the zone's coordinator:
//! every SQL query of every shipped dashboard (Grafana's time range set to the window), the
//! zone's monthly bulletin of the window's last month and a company's yearly report (the
//! library calls behind `wasteflow report`), the register export of a site over the window's
//! local days, outgoing and incoming, and `wasteflow plan` for today. The median of `RUNS`
//! runs (`WASTEFLOW_BENCH_RUNS`, default 5), after one to warm up.
//!
//! Requirement: each with-history time within 1.5 x the 28-day-only time. The yearly report
//! covers the window's year: its content grows when history fills the year (1 year), not after.
//!
//! Run: `cargo bench --bench history` (PostgreSQL on 127.0.0.1:5432). `WASTEFLOW_BENCH_KEEP=1`
//! keeps the database (or schema) for EXPLAIN ANALYZE. `WASTEFLOW_BENCH_HISTORY` sets the
//! history sizes after the 28 days alone (default `28d,1y,5y`; `<n>y` is 13 n periods of 28
//! days, `<n>p` n periods), `WASTEFLOW_BENCH_RUNS` the runs.
//!
//! On TimescaleDB: `WASTEFLOW_BENCH_TIMESCALE_URL=postgres://postgres:x@127.0.0.1:PORT/postgres`
//! runs it in a fresh schema there, as the storage suite does with `WASTEFLOW_TEST_TIMESCALE_URL`
//! (tests/common/storage.rs): the migrations make `readings` and the rollups hypertables and
//! `prepare` sets the daemon's compression policies (every chunk older than
//! `storage.compress_after`, 7 days; `readings` segmented by sensor and kind, the rollups by
//! classification or container). The schema has no continuous aggregates: the rollups are tables
//! the store writes. After the demo and after each history step the bench runs every compression
//! policy's job in the foreground (`CALL run_job`), as the background worker would have done
//! (PGlite runs no background jobs), so the window's chunks older than 7 days and every copied
//! chunk are compressed, as in production; where a copy meets compressed data (the window's first
//! hour, the previous step's last copy) its `ON CONFLICT` writes into compressed chunks, as late
//! data does. With PGlite (`node .ci/timescaledb/server.mjs PORT DIR`: on disk; without DIR in
//! memory), one backend serves every connection: the bench uses one at a time but while the live
//! stage folds the demo. Measured on PGlite (2026-12-07, docs/performance.md "History: the cost of
//! a window", "On TimescaleDB (PGlite)"): it holds the 5 years on disk (7,476,560 readings, 5,273
//! chunks, 4.0 GB of files, the node process at 1.24 GB); every query within 1.5 x but the company
//! detail's "Last weighing" (its time bound was known only when the query ran) and `plan` (no time
//! bound), for which every chunk was planned (102 x and 109 x with 5 years), the yearly report,
//! which grew once, when history filled its year, and one 1-year median of "Containers" (the
//! machine's load). Session 14 moved the three off `readings` (the `weighings` table, migration
//! 24, and the plan's weighings in the live state, migration 23): docs/performance.md "Session 14".

#[path = "../tests/common/mod.rs"]
mod common;
mod demo;

use common::*;
use demo::*;
use std::future::Future;
use std::time::{Duration, Instant};
use tokio_postgres::Client;
use wasteflow::calendar::{date_of_day, parse_date};
use wasteflow::report::register::{Direction, Purpose, Request};
use wasteflow::report::{company_year, plan, register, zone_month, Period};
use wasteflow::store::prepare;
use wasteflow::zone::Zone;

const COMPANY: &str = "beton-artois";
const COORDINATOR: &str = "wasteflow_coordinator";
const WINDOW_DAYS: i64 = 28;

fn runs() -> usize {
    env_or("WASTEFLOW_BENCH_RUNS", 5)
}

/// One timed thing: its name, and a closure that runs it once and counts what it returned.
struct Timing {
    name: String,
    ms: Vec<f64>,
    rows: Vec<usize>,
}

async fn time_it<F, Fut>(runs: usize, mut once: F) -> (f64, usize)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = usize>,
{
    let rows = once().await;
    let mut ms = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        once().await;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    (median(&mut ms), rows)
}

async fn rows_of(client: &Client, sql: &str) -> usize {
    let out = client.simple_query(sql).await.unwrap_or_else(|e| panic!("{e}\n{sql}"));
    out.iter().filter(|m| matches!(m, tokio_postgres::SimpleQueryMessage::Row(_))).count()
}

/// Local dates (YYYY-MM-DD) of the window's first and last day, in the zone's time zone.
async fn window_dates(client: &Client, start: i64, now: i64) -> (String, String) {
    let r = client
        .query_one(
            "SELECT (to_timestamp($1::float8 / 1000) AT TIME ZONE z.time_zone)::date::text,
                    (to_timestamp($2::float8 / 1000) AT TIME ZONE z.time_zone)::date::text
             FROM zone_settings z",
            &[&(start as f64), &(now as f64)],
        )
        .await
        .unwrap();
    (r.get(0), r.get(1))
}

/// Every timed query over the window [start, now], each the median of `runs`.
async fn measure(client: &Client, start: i64, now: i64, runs: usize) -> Vec<(String, f64, usize)> {
    let mut out = Vec::new();
    let (from, to) = (rfc3339(start), rfc3339(now));
    client.batch_execute(&format!("SET ROLE \"{COORDINATOR}\"")).await.unwrap();
    // One untimed pass over every query first: right after a history step (thousands of chunks
    // added and compressed on TimescaleDB) the first queries to run paid for it, whichever they
    // were (PGlite: the first panel 14-20 ms for 5 timed runs in a row, 6 ms once the others had
    // run), which is the step's cost, not the window's.
    for (_, _, raw) in dashboard_queries() {
        rows_of(client, &crate::common::grafana::substitute(&raw, &from, &to, COMPANY)).await;
    }
    for (dash, title, raw) in dashboard_queries() {
        let sql = crate::common::grafana::substitute(&raw, &from, &to, COMPANY);
        let (ms, rows) = time_it(runs, || rows_of(client, &sql)).await;
        out.push((format!("{dash}: {title}"), ms, rows));
    }
    client.batch_execute("RESET ROLE").await.unwrap();

    let (first, last) = window_dates(client, start, now).await;
    let last_date = parse_date(&last).unwrap();
    let month = Period::Month { year: i32::from(last_date.year()), month: last_date.month() as u32 };
    let (ms, rows) = time_it(runs, || async { zone_month::read(client, month).await.unwrap().companies.len() }).await;
    out.push((format!("report --zone --month {}", &last[..7]), ms, rows));
    let year = i32::from(last_date.year());
    let (ms, rows) =
        time_it(runs, || async { company_year::read(client, COMPANY, year).await.unwrap().months.len() }).await;
    out.push((format!("report --company {COMPANY} --year {year}"), ms, rows));

    let sites: Vec<(String, String)> = client
        .query("SELECT id, siret FROM sites WHERE id IN ('ba-lievin', 'cs-lievin') ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for (site, siret) in sites {
        for direction in [Direction::Outgoing, Direction::Incoming] {
            let request = Request {
                siret: siret.clone(),
                direction,
                purpose: Purpose::Internal,
                from: parse_date(&first).unwrap(),
                to: last_date,
                import_on: date_of_day(wasteflow::calendar::day_number(last_date) + 1).unwrap(),
            };
            let (ms, rows) = time_it(runs, || async {
                register::export(client, &request, Duration::from_secs(600)).await.unwrap().lines.len()
            })
            .await;
            out.push((format!("register export {site} {} {first}..{last}", direction.name()), ms, rows));
        }
    }
    let request = plan::PlanRequest {
        date: last.clone(),
        day: wasteflow::calendar::day_number(last_date),
        horizon: Duration::from_secs(2 * 86_400),
        margin: Duration::from_secs(4 * 3_600),
        join: 0.8,
        rate_factor: 1.25,
        slot: Duration::from_secs(900),
    };
    let (ms, rows) =
        time_it(runs, || async { plan::read(client, request.clone()).await.unwrap().plan.trips.len() }).await;
    out.push((format!("plan --date {last}"), ms, rows));
    out
}

/// Adds copies `from..to` (1-based) of the window's 28 days before it, each shifted back by its
/// number times 28 days (the hour and the UTC day where a copy meets the next are added to),
/// then brings the rollups by local period and the planner's statistics up to date.
async fn add_history(client: &Client, start: i64, copies: std::ops::Range<i64>) {
    let t = Instant::now();
    let since = format!("to_timestamp({} / 1000.0)", start);
    for k in copies.clone() {
        let shift = format!("make_interval(hours => {})", k * WINDOW_DAYS * 24);
        let mut statements = vec![
            format!(
                "INSERT INTO readings (sensor_id, kind, ts, value_milli, attribution_id, frame_seq)
                 SELECT sensor_id, kind, ts - {shift}, value_milli, attribution_id, frame_seq FROM readings WHERE ts >= {since}
                 ON CONFLICT DO NOTHING"
            ),
            // The batch writes a weighing in both tables; the copy does too.
            format!(
                "INSERT INTO weighings (sensor_id, ts, value_milli, attribution_id)
                 SELECT sensor_id, ts - {shift}, value_milli, attribution_id FROM weighings WHERE ts >= {since}
                 ON CONFLICT DO NOTHING"
            ),
            format!(
                "INSERT INTO events (container_id, company_id, kind, opened_at, closed_at, open_value, close_value)
                 SELECT container_id, company_id, kind, opened_at - {shift}, closed_at - {shift}, open_value, close_value
                 FROM events WHERE opened_at >= {since} AND closed_at IS NOT NULL"
            ),
            format!(
                "INSERT INTO rejected_messages (received_at, topic, gateway_id, company_id, reason, detail, reading_index, payload, message_sha256)
                 SELECT received_at - {shift}, topic, gateway_id, company_id, reason, detail, reading_index, payload,
                        sha256(message_sha256 || '{k}'::bytea)
                 FROM rejected_messages WHERE received_at >= {since}"
            ),
        ];
        for table in ["flow_rollup_1m", "flow_rollup_1h", "flow_rollup_1d"] {
            statements.push(format!(
                "INSERT INTO {table} AS t (bucket, classification_id, mass_g, weighings)
                 SELECT bucket - {shift}, classification_id, mass_g, weighings FROM {table} WHERE bucket >= {since}
                 ON CONFLICT (bucket, classification_id) DO UPDATE
                 SET mass_g = t.mass_g + EXCLUDED.mass_g, weighings = t.weighings + EXCLUDED.weighings"
            ));
        }
        for table in ["container_rollup_1m", "container_rollup_1h", "container_rollup_1d"] {
            statements.push(format!(
                "INSERT INTO {table} AS t (bucket, container_id, company_id, fill_min, fill_max, fill_sum, fill_count, emptied)
                 SELECT bucket - {shift}, container_id, company_id, fill_min, fill_max, fill_sum, fill_count, emptied
                 FROM {table} WHERE bucket >= {since}
                 ON CONFLICT (bucket, container_id) DO UPDATE
                 SET fill_min = LEAST(t.fill_min, EXCLUDED.fill_min), fill_max = GREATEST(t.fill_max, EXCLUDED.fill_max),
                     fill_sum = t.fill_sum + EXCLUDED.fill_sum, fill_count = t.fill_count + EXCLUDED.fill_count,
                     emptied = t.emptied + EXCLUDED.emptied"
            ));
        }
        for sql in &statements {
            client.batch_execute(sql).await.unwrap_or_else(|e| panic!("copy {k}: {e:?}\n{sql}"));
        }
    }
    wasteflow::store::rebuild_local_rollups(client).await.expect("rebuild the local-period rollups");
    client.batch_execute("VACUUM ANALYZE").await.unwrap();
    println!(
        "history: copies {}..{} added in {:.0} s; {} readings, {} hourly flow rows",
        copies.start,
        copies.end - 1,
        t.elapsed().as_secs_f64(),
        count(client, "SELECT count(*) FROM readings").await,
        count(client, "SELECT count(*) FROM flow_rollup_1h").await
    );
}

async fn count(client: &Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).await.unwrap().get(0)
}

/// The history sizes to measure, in 28-day periods, with their labels: the 28 days alone first,
/// then `WASTEFLOW_BENCH_HISTORY` (default `28d,1y,5y`): `28d`, `<n>y` (13 periods a year) or
/// `<n>p` (n periods), increasing.
fn histories() -> Vec<(i64, String)> {
    let spec = std::env::var("WASTEFLOW_BENCH_HISTORY").unwrap_or_else(|_| "28d,1y,5y".into());
    let mut out = vec![(1, "28 d".to_string())];
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty() && *s != "28d") {
        let (n, unit) = item.split_at(item.len() - 1);
        let n: i64 =
            n.parse().unwrap_or_else(|_| panic!("WASTEFLOW_BENCH_HISTORY: {item}: expected 28d, <n>y or <n>p"));
        let periods = match unit {
            "y" => n * 13,
            "p" => n,
            _ => panic!("WASTEFLOW_BENCH_HISTORY: {item}: expected 28d, <n>y or <n>p"),
        };
        assert!(periods > out.last().unwrap().0, "WASTEFLOW_BENCH_HISTORY: {item}: sizes must increase");
        out.push((periods, if unit == "y" { format!("{n} y") } else { format!("{n}x28 d") }));
    }
    out
}

/// On TimescaleDB, runs the compression policy the daemon set on every hypertable of the
/// schema (`prepare` adds one per hypertable, `storage.compress_after` = 7 days) in the
/// foreground, as its background job would (PGlite runs no background jobs): every chunk older
/// than 7 days is compressed, the copies as production would have them. (compressed, chunks).
async fn run_compression_jobs(client: &Client) -> (i64, i64) {
    let jobs: Vec<i32> = client
        .query(
            "SELECT job_id FROM timescaledb_information.jobs
             WHERE proc_name = 'policy_compression' AND hypertable_schema = current_schema() ORDER BY job_id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(!jobs.is_empty(), "no compression policy on TimescaleDB");
    for job in jobs {
        client.batch_execute(&format!("CALL run_job({job})")).await.unwrap_or_else(|e| panic!("run_job({job}): {e:?}"));
    }
    let r = client
        .query_one(
            "SELECT count(*) FILTER (WHERE is_compressed), count(*) FROM timescaledb_information.chunks
             WHERE hypertable_schema = current_schema()",
            &[],
        )
        .await
        .unwrap();
    (r.get(0), r.get(1))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` does not: then only build.
    if !std::env::args().any(|a| a == "--bench") {
        println!("history: run with `cargo bench --bench history`");
        return;
    }
    let runs = runs();
    let histories = histories();
    // A fresh PostgreSQL database, or a fresh schema on the TimescaleDB the storage suite would
    // use (`WASTEFLOW_BENCH_TIMESCALE_URL`): the same code path as the storage tests there.
    let target = common::storage::StorageTarget::at(std::env::var("WASTEFLOW_BENCH_TIMESCALE_URL").ok()).await;
    let mut s = target.settings.clone();
    s.zone.time_zone = "Europe/Paris".into();
    let zone = Zone::load(&zone_file()).unwrap();
    let prepared = prepare(&s, &zone, true).await.expect("prepare");
    let zone = zone.with_ids(prepared.ids);
    let (start, end, now) = period_of(WINDOW_DAYS as f64);
    let t = Instant::now();
    let (messages, sent) = write_demo(&s, &zone, (start, end, now)).await;
    let db = target.connect().await;
    let client = &db.client;
    let server = if target.timescale {
        let version: String = client
            .query_one("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'", &[])
            .await
            .unwrap()
            .get(0);
        let (compressed, chunks) = run_compression_jobs(client).await;
        client.batch_execute("VACUUM ANALYZE").await.unwrap();
        format!(
            "TimescaleDB {version}, schema {} ({compressed} of {chunks} chunks compressed)",
            s.database.schema.as_deref().unwrap_or("?")
        )
    } else {
        "PostgreSQL".to_string()
    };
    println!(
        "{server}; window: {WINDOW_DAYS} days ending now, {messages} messages, {sent} readings sent, {} stored; \
         built in {:.0} s; median of {runs} runs",
        count(client, "SELECT count(*) FROM readings").await,
        t.elapsed().as_secs_f64()
    );

    let mut timings: Vec<Timing> = Vec::new();
    for (i, &(periods, _)) in histories.iter().enumerate() {
        if i > 0 {
            add_history(client, start, histories[i - 1].0..periods).await;
            if target.timescale {
                let t = Instant::now();
                let (compressed, chunks) = run_compression_jobs(client).await;
                client.batch_execute("VACUUM ANALYZE").await.unwrap();
                println!(
                    "compression policies run: {compressed} of {chunks} chunks compressed, in {:.0} s",
                    t.elapsed().as_secs_f64()
                );
            }
        }
        // The machine's load while measuring: the times are only comparable when it stayed alike.
        let load = || std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim().to_string();
        let before = load();
        let measured = measure(client, start, now, runs).await;
        println!("measured with {}: load average {before} before, {} after", histories[i].1, load());
        for (name, ms, rows) in measured {
            match timings.iter_mut().find(|t| t.name == name) {
                Some(t) => {
                    t.ms.push(ms);
                    t.rows.push(rows);
                }
                None => {
                    assert_eq!(i, 0, "{name} appeared late");
                    timings.push(Timing { name, ms: vec![ms], rows: vec![rows] });
                }
            }
        }
    }

    println!();
    let labels: Vec<&str> = histories.iter().map(|(_, l)| l.as_str()).collect();
    let mut header = format!("{:<70}", format!("query over the last {WINDOW_DAYS} days"));
    for l in &labels {
        header += &format!(" {:>9}", format!("{l} ms"));
    }
    for l in &labels[1..] {
        header += &format!(" {:>8}", format!("{}/28d", l.replace(' ', "")));
    }
    println!("{header}  rows ({})", labels.join(" / "));
    let mut over = Vec::new();
    for t in &timings {
        let name: String = t.name.chars().take(70).collect();
        let mut line = format!("{name:<70}");
        for ms in &t.ms {
            line += &format!(" {ms:>9.2}");
        }
        for ms in &t.ms[1..] {
            line += &format!(" {:>8.2}", ms / t.ms[0]);
        }
        let rows: Vec<String> = t.rows.iter().map(|r| r.to_string()).collect();
        println!("{line}  {}", rows.join(" / "));
        // Below a millisecond the ratio is noise: allow 1 ms of slack.
        if t.ms[1..].iter().any(|&ms| ms > 1.5 * t.ms[0] + 1.0) {
            over.push(t.name.clone());
        }
    }
    let totals: Vec<f64> = (0..labels.len()).map(|i| timings.iter().map(|t| t.ms[i]).sum::<f64>()).collect();
    let mut line = format!("{:<70}", "total");
    for total in &totals {
        line += &format!(" {total:>9.2}");
    }
    for total in &totals[1..] {
        line += &format!(" {:>8.2}", total / totals[0]);
    }
    println!("{line}");
    println!(
        "requirement: with history <= 1.5 x the 28-day-only time (+1 ms): {}",
        if over.is_empty() { "met by every query".to_string() } else { format!("NOT met by {}", over.join("; ")) }
    );
    db.close().await;
    if std::env::var("WASTEFLOW_BENCH_KEEP").is_ok_and(|v| v == "1") {
        println!(
            "kept: {} {:?} (drop it with DROP DATABASE or DROP SCHEMA ... CASCADE)",
            s.database.url, s.database.schema
        );
        std::mem::forget(target);
    }
}
