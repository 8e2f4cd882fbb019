//! Storage suite (PostgreSQL, and TimescaleDB in CI): the storage v2 upgrade of a filled v1
//! database, on TimescaleDB with its hypertables compressed as a v1 daemon left them.
//! `tests/upgrade.rs` upgrades a larger one on PostgreSQL, with the daemon's refusal meanwhile.

mod common;
use common::storage::StorageTarget;
use common::*;
use std::time::{Duration, Instant, SystemTime};
use tokio_postgres::SimpleQueryMessage;
use wasteflow::zone::Zone;

/// v1's compression settings (src/store/policies.rs before storage v2): (hypertable, segment by,
/// order by). A v1 daemon on TimescaleDB set them at every start, with a policy compressing every
/// chunk older than `storage.compress_after` (7 days by default).
const V1_COMPRESSION: [(&str, &str, &str); 7] = [
    ("readings", "gateway_id", "ts DESC"),
    ("flow_rollup_1m", "company_id", "bucket DESC"),
    ("flow_rollup_1h", "company_id", "bucket DESC"),
    ("flow_rollup_1d", "company_id", "bucket DESC"),
    ("container_rollup_1m", "container_id", "bucket DESC"),
    ("container_rollup_1h", "container_id", "bucket DESC"),
    ("container_rollup_1d", "container_id", "bucket DESC"),
];

/// Compresses every chunk of `table` that ends before `before`, as a compression policy would;
/// returns (chunks compressed now, chunks of the table).
async fn compress_before(c: &tokio_postgres::Client, table: &str, before: SystemTime) -> (i64, i64) {
    let r = c
        .query_one(
            &format!(
                "SELECT (SELECT count(compress_chunk(ch, if_not_compressed => true))
                         FROM show_chunks('{table}', older_than => $1::timestamptz) ch),
                        (SELECT count(*) FROM show_chunks('{table}'))"
            ),
            &[&before],
        )
        .await
        .unwrap_or_else(|e| panic!("compress {table}: {e}"));
    (r.get(0), r.get(1))
}

/// The waste figures of ESRS E5-5 as text rows: for each month, company (and the zone) and
/// hazardous flag, waste generated, diverted from disposal, directed to disposal and pending, in
/// grams (the views' tonnes times 10^6, rounded), as weighed and resolved.
async fn esrs(c: &tokio_postgres::Client) -> Vec<String> {
    let sql = "SELECT concat_ws(' ', v, period_start, coalesce(company_id, 'zone'), coalesce(hazardous::text, 'both'),
                   round(sum(tonnes * 1e6) FILTER (WHERE category = 'waste-generated')),
                   round(sum(tonnes * 1e6) FILTER (WHERE category = 'diverted-from-disposal')),
                   round(sum(tonnes * 1e6) FILTER (WHERE category = 'directed-to-disposal')),
                   round(sum(tonnes * 1e6) FILTER (WHERE category = 'pending')))
               FROM (SELECT 'weighed' AS v, * FROM kpi_esrs_e5_5_all
                     UNION ALL SELECT 'resolved', period, period_start, company_id, category, hazardous, tonnes, on_site_t,
                                      off_site_t, reference, ordinal FROM kpi_esrs_e5_5_resolved_all) e
               WHERE period = 'month'
               GROUP BY v, period_start, company_id, hazardous ORDER BY 1";
    c.query(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}")).iter().map(|r| r.get(0)).collect()
}

/// What the v1 database weighed of waste (status waste, not R0 re-use) per month and company
/// (and the zone) and hazardous flag (and both), in grams: what ESRS E5-5 calls waste generated.
async fn v1_waste(c: &tokio_postgres::Client) -> Vec<String> {
    let sql = "SELECT concat_ws(' ', date_trunc('month', f.bucket), coalesce(f.company_id, 'zone'),
                   coalesce(s.hazardous::text, 'both'), sum(f.mass_g))
               FROM flow_rollup_1d f JOIN streams s ON s.id = f.stream_id
               WHERE s.status = 'waste' AND f.treatment <> 'R0'
               GROUP BY GROUPING SETS ((date_trunc('month', f.bucket), f.company_id, s.hazardous),
                                       (date_trunc('month', f.bucket), f.company_id),
                                       (date_trunc('month', f.bucket), s.hazardous),
                                       (date_trunc('month', f.bucket)))
               ORDER BY 1";
    c.query(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}")).iter().map(|r| r.get(0)).collect()
}

/// Before a run of the binary: PGlite serves every connection from one backend, so the
/// statements this test holds prepared (and a killed run's) are there under the names the binary
/// gives its own (s0, s1, ...).
async fn shared_session(c: &tokio_postgres::Client, timescale: bool) {
    if timescale {
        c.batch_execute("DEALLOCATE ALL").await.unwrap();
    }
}

/// After the upgrade: `verify` clean, the v1 views' figures as `before`, and ESRS E5-5's waste
/// generated what v1 weighed (`waste`) and equal to diverted + directed to disposal + pending.
/// Returns the ESRS rows.
async fn check_upgraded(
    when: &str,
    env: &Env,
    c: &tokio_postgres::Client,
    before: &[String],
    waste: &[String],
    timescale: bool,
) -> Vec<String> {
    shared_session(c, timescale).await;
    let t = Instant::now();
    let (ok, out) = verify(env);
    assert!(ok, "{when}: {out}");
    let verify_secs = t.elapsed().as_secs_f64();
    let after = v1::figures(c).await;
    assert_eq!(before.len(), after.len(), "{when}");
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b, a, "{when}: a figure changed");
    }
    let esrs = esrs(c).await;
    let mut generated = Vec::new();
    for row in &esrs {
        let f: Vec<&str> = row.split(' ').collect();
        let n = |i: usize| f[i].parse::<i64>().unwrap_or_else(|e| panic!("{row}: {e}"));
        let k = f.len() - 4;
        // ESRS E5 §37: generated = diverted + directed to disposal (+ pending, as weighed).
        assert_eq!(n(k), n(k + 1) + n(k + 2) + n(k + 3), "{when}: {row}");
        if f[0] == "weighed" && n(k) > 0 {
            generated.push(format!("{} {}", f[1..k].join(" "), n(k)));
        }
    }
    generated.sort();
    assert_eq!(generated, waste, "{when}: ESRS waste generated is what v1 weighed");
    println!(
        "{when}: verify clean in {verify_secs:.1} s, {} figures and {} ESRS rows as before",
        after.len(),
        esrs.len()
    );
    esrs
}

/// The same v1 database, with hypertables on TimescaleDB (`WASTEFLOW_TEST_TIMESCALE_URL`, a fresh
/// schema there) as a v1 daemon left it: v1 compression settings and policies, every chunk more
/// than 7 days older than the newest reading compressed. Filled with INSERTs (PGlite's TimescaleDB
/// has no COPY) of WASTEFLOW_UPGRADE_SMALL_READINGS simulated readings (20,000 by default) spread
/// over 30 days, upgraded by `wasteflow migrate` killed part-way and run again. After: every
/// reading once, `verify` clean, the v1 views' figures unchanged, ESRS E5-5's waste generated
/// equal to what v1 weighed and equal to diverted + directed to disposal + pending, v2's
/// compression policies on the v2 hypertables, and all of it again once their chunks are
/// compressed. On PostgreSQL (no URL) the same without the TimescaleDB parts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filled_v1_database_with_hypertables_is_upgraded_in_place() {
    let wanted: usize = env_or("WASTEFLOW_UPGRADE_SMALL_READINGS", 20_000);
    let target = StorageTarget::new().await;
    let zone = Zone::load(&zone_file()).unwrap();
    let mut db = target.connect().await;
    if let Some(schema) = &target.settings.database.schema {
        db.client.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}")).await.unwrap();
        db.client.batch_execute(&format!("SET search_path TO {schema}, public")).await.unwrap();
    }
    let c = &mut db.client;
    // The months compared are UTC months, as the views' with the zone's time zone set to UTC.
    c.batch_execute("SET TimeZone = 'UTC'").await.unwrap();
    v1::apply_schema(c).await;
    v1::registry(c, &zone).await;
    // 2025-01-06 00:00 UTC, and over 30 days whatever the size: 30 chunks of readings.
    let start_ms = 1_736_121_600_000;
    let per_gateway = (wanted / zone.file.gateways.len()).max(1) as u64;
    let load = v1::Load { copy: false, start_ms, stretch: (30 * 86_400_000 / (per_gateway * 100)).max(1) };
    let t = Instant::now();
    let stored = v1::readings(c, &zone, wanted, &load).await;
    let fill_secs = t.elapsed().as_secs_f64();
    if target.timescale {
        let newest: SystemTime = c.query_one("SELECT max(ts) FROM readings", &[]).await.unwrap().get(0);
        let before = newest - Duration::from_secs(7 * 86_400);
        let mut compressed = Vec::new();
        for (table, segment, order) in V1_COMPRESSION {
            c.batch_execute(&format!(
                "ALTER TABLE {table} SET (timescaledb.compress, timescaledb.compress_segmentby = '{segment}',
                                          timescaledb.compress_orderby = '{order}');
                 SELECT add_compression_policy('{table}', INTERVAL '7 days');"
            ))
            .await
            .unwrap_or_else(|e| panic!("v1 compression of {table}: {e}"));
            let (now, of) = compress_before(c, table, before).await;
            compressed.push(format!("{table} {now}/{of}"));
        }
        println!("v1 chunks compressed: {}", compressed.join(", "));
    }
    println!(
        "v1 database filled: {stored} readings over 30 days in {fill_secs:.1} s ({})",
        if target.timescale { "TimescaleDB" } else { "PostgreSQL" }
    );
    let before = v1::figures(c).await;
    assert!(before.len() > 20, "the v1 views show figures ({})", before.len());
    let waste = v1_waste(c).await;
    assert!(waste.len() > 10, "v1 weighed waste ({})", waste.len());
    let mut env = target.env();
    // v1 showed UTC days and months; the comparison is in the same calendar.
    env.extra.push(("WASTEFLOW__ZONE__TIME_ZONE".into(), "UTC".into()));
    // First run, killed part-way through the copy.
    // Twelve batches or so (WASTEFLOW_UPGRADE_BATCH sets the size), so as to kill it part-way.
    let batch = std::env::var("WASTEFLOW_UPGRADE_BATCH").unwrap_or_else(|_| (stored / 12).max(100).to_string());
    shared_session(c, target.timescale).await;
    let t = Instant::now();
    let log = Scratch::file("wf-migrate-", "log");
    let stderr = std::fs::File::create(log.path()).unwrap();
    let mut first = env.command().args(["migrate", "--batch", &batch]).stderr(stderr).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        if let Some(status) = first.try_wait().unwrap() {
            panic!(
                "migrate ended ({status}) before a third was copied: {}",
                std::fs::read_to_string(log.path()).unwrap()
            );
        }
        // A simple query: no statement of this test's to meet the binary's names on PGlite.
        let r = c.simple_query("SELECT phase <> 'map' AND copied * 3 >= total FROM storage_upgrade").await;
        let third =
            matches!(&r, Ok(m) if m.iter().any(|m| matches!(m, SimpleQueryMessage::Row(r) if r.get(0) == Some("t"))));
        if third {
            break;
        }
        assert!(Instant::now() < deadline, "the copy a third done: {r:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.kill().unwrap();
    first.wait().unwrap();
    let first_secs = t.elapsed().as_secs_f64();
    // The server finishes (and may commit) the statement it was running when the client died.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let r = c
        .query_one("SELECT phase, copied, total, (SELECT count(*) FROM readings) FROM storage_upgrade", &[])
        .await
        .unwrap();
    let (p, copied, total, in_v2): (String, i64, i64, i64) = (r.get(0), r.get(1), r.get(2), r.get(3));
    assert_eq!((p.as_str(), total), ("copy", stored), "killed in the copy");
    assert!(copied < total, "killed before the end ({copied} of {total})");
    assert_eq!(in_v2, copied);

    // Run again: it resumes and finishes.
    shared_session(c, target.timescale).await;
    let t = Instant::now();
    let second = env.command().args(["migrate", "--batch", &batch]).output().unwrap();
    let second_secs = t.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(second.status.success(), "{err}");
    assert!(err.contains(&format!("{total} of {total} readings copied (100 %)")), "{err}");
    println!(
        "upgrade of {total} readings: {:.1} s in all, killed after {first_secs:.1} s and resumed",
        first_secs + second_secs
    );
    assert_eq!(v1::phase(c).await.0, "done");
    assert_eq!(c.query_one("SELECT count(*) FROM readings", &[]).await.unwrap().get::<_, i64>(0), total);
    let gone =
        c.query_one("SELECT to_regclass('readings_v1') IS NULL AND to_regclass('flow_rollup_1m_v1') IS NULL", &[]);
    assert!(gone.await.unwrap().get::<_, bool>(0), "the v1 tables are dropped");

    let esrs_after = check_upgraded("after the upgrade", &env, c, &before, &waste, target.timescale).await;

    if target.timescale {
        let ours = [
            "container_rollup_1d",
            "container_rollup_1h",
            "container_rollup_1m",
            "flow_rollup_1d",
            "flow_rollup_1h",
            "flow_rollup_1m",
            "readings",
        ];
        let names = |sql: &'static str| {
            let c = &*c;
            async move {
                let mut v: Vec<String> = c.query(sql, &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
                v.sort();
                v
            }
        };
        let hypertables = names(
            "SELECT hypertable_name::text FROM timescaledb_information.hypertables WHERE hypertable_schema = current_schema()",
        )
        .await;
        assert_eq!(hypertables, ours, "the v2 hypertables, and no v1 one left");
        let compressed = names(
            "SELECT hypertable_name::text FROM timescaledb_information.jobs
             WHERE proc_name = 'policy_compression' AND hypertable_schema = current_schema()",
        )
        .await;
        assert_eq!(compressed, ours, "a compression policy on each, none left on a v1 table");
        let segments = names(
            "SELECT hypertable::text || ' ' || segmentby FROM timescaledb_information.hypertable_compression_settings
             WHERE hypertable::text IN ('readings', 'flow_rollup_1h', 'container_rollup_1h')",
        )
        .await;
        assert_eq!(
            segments,
            ["container_rollup_1h container_id", "flow_rollup_1h classification_id", "readings sensor_id,kind"],
            "v2's compression settings"
        );
        // What the policies do with the upgraded data: every chunk older than 7 days compressed.
        let newest: SystemTime = c.query_one("SELECT max(ts) FROM readings", &[]).await.unwrap().get(0);
        let t = Instant::now();
        let mut compressed = Vec::new();
        for table in ours {
            let (now, of) = compress_before(c, table, newest - Duration::from_secs(7 * 86_400)).await;
            compressed.push(format!("{table} {now}/{of}"));
        }
        println!("v2 chunks compressed in {:.1} s: {}", t.elapsed().as_secs_f64(), compressed.join(", "));
        assert_eq!(
            check_upgraded("once compressed", &env, c, &before, &waste, target.timescale).await,
            esrs_after,
            "the ESRS figures once compressed"
        );
    }
    // PGlite's one session is the next test's too.
    c.batch_execute("RESET TimeZone").await.unwrap();
    db.close().await;
}
