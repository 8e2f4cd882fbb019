//! The storage v2 upgrade in place: a v1 database filled with simulated readings (2 million by
//! default; WASTEFLOW_UPGRADE_READINGS sets it) is upgraded by `wasteflow migrate`, which is
//! killed part-way and run again. Meanwhile the daemon refuses to ingest and says why. After:
//! every reading once, `verify` clean, and every figure the v1 views showed unchanged.

mod common;
use common::*;
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;
use wasteflow::calendar::{SignedDuration, Timestamp};
use wasteflow::rollup::LEVELS;
use wasteflow::simulate::FrameGenerator;
use wasteflow::validate::{check_message, Limits};
use wasteflow::wire::TopicLayout;
use wasteflow::zone::{all_treatments, stream_code, treatment_mode, Zone};

/// The registry as the v1 sync wrote it.
async fn v1_registry(c: &tokio_postgres::Client, zone: &Zone) {
    let f = &zone.file;
    for (code, class, landfill) in all_treatments() {
        c.execute("INSERT INTO treatments VALUES ($1, $2, $3)", &[&code, &class.name(), &landfill]).await.unwrap();
    }
    for x in &f.companies {
        c.execute("INSERT INTO companies (id, siren, name) VALUES ($1, $2, $3)", &[&x.id, &x.siren, &x.name])
            .await
            .unwrap();
    }
    for x in &f.sites {
        c.execute(
            "INSERT INTO sites (id, company_id, siret, address) VALUES ($1, $2, $3, $4)",
            &[&x.id, &x.company, &x.siret, &x.address],
        )
        .await
        .unwrap();
    }
    for x in &f.operators {
        c.execute("INSERT INTO operators (id, name, siret) VALUES ($1, $2, $3)", &[&x.id, &x.name, &x.siret])
            .await
            .unwrap();
    }
    for x in &f.streams {
        let code = stream_code(&x.ewc, x.hazardous, x.hazard_assessment.as_deref()).unwrap();
        c.execute(
            "INSERT INTO streams (id, ewc, hazardous, description, status, pop, hazard_assessment)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&x.id, &code.code, &code.hazardous, &x.description, &x.status.name(), &x.pop, &x.hazard_assessment],
        )
        .await
        .unwrap();
    }
    for x in &f.containers {
        let mode = treatment_mode(&x.treatment, x.treatment_mode).unwrap().map(|m| m.name());
        c.execute(
            "INSERT INTO containers (id, company_id, site_id, type, volume_m3, max_load_kg, overflow_threshold_pct,
                 expected_interval_s, stream_id, treatment, destination_id, treatment_mode)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &[
                &x.id,
                &x.company,
                &x.site,
                &x.kind.name(),
                &x.volume_m3,
                &x.max_load_kg,
                &x.overflow_threshold_pct,
                &(x.expected_interval.as_secs() as i32),
                &x.stream,
                &x.treatment,
                &x.destination,
                &mode,
            ],
        )
        .await
        .unwrap();
    }
    for g in &f.gateways {
        c.execute("INSERT INTO gateways (id, company_id, site_id) VALUES ($1, $2, $3)", &[&g.id, &g.company, &g.site])
            .await
            .unwrap();
        for s in &g.sensors {
            c.execute(
                "INSERT INTO sensors (gateway_id, number, container_id) VALUES ($1, $2, $3)",
                &[&g.id, &i32::from(s.number), &s.container],
            )
            .await
            .unwrap();
        }
    }
}

/// Simulated readings as a v1 daemon stored them (attribution in text on every row), then
/// the v1 rollups recomputed from them exactly as v1 `verify` does. Returns the rows stored.
async fn v1_readings(c: &mut tokio_postgres::Client, zone: &Zone, wanted: usize) -> i64 {
    let layout = TopicLayout::parse("zone/+/+/up").unwrap();
    let limits = Limits {
        max_payload_bytes: 65536,
        max_past: SignedDuration::from_millis(i64::MAX / 4),
        max_future: SignedDuration::from_millis(i64::MAX / 4),
    };
    let start = now_ms() - 200 * 86_400_000;
    let checking = zone.clone().numbered();
    let mut g =
        FrameGenerator::new(zone, &layout, 13, wasteflow::calendar::Timestamp::from_millis(start as i64), 50, 0.0, 0.0);
    c.batch_execute("CREATE TEMP TABLE staging (LIKE readings INCLUDING DEFAULTS)").await.unwrap();
    let types = [
        Type::TEXT,
        Type::INT4,
        Type::INT2,
        Type::TIMESTAMPTZ,
        Type::INT8,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::INT8,
    ];
    let mut made = 0;
    while made < wanted {
        let tx = c.transaction().await.unwrap();
        let sink = tx
            .copy_in(
                "COPY staging (gateway_id, sensor, kind, ts, value_milli, company_id, container_id, stream_id, treatment,
                               destination_id, frame_seq) FROM STDIN BINARY",
            )
            .await
            .unwrap();
        let writer = BinaryCopyInWriter::new(sink, &types);
        tokio::pin!(writer);
        let mut chunk = 0;
        while chunk < 100_000 && made < wanted {
            let m = g.next_message();
            for r in check_message(
                &m.topic,
                &m.payload.into(),
                Timestamp::from_millis(start as i64),
                &layout,
                &checking,
                &limits,
            )
            .readings
            {
                let t = zone.sensor(&r.gateway, r.sensor).unwrap();
                let at = SystemTime::UNIX_EPOCH + Duration::from_millis(r.ts.as_millis() as u64);
                writer
                    .as_mut()
                    .write(&[
                        &&*r.gateway,
                        &i32::from(r.sensor),
                        &r.kind.number(),
                        &at,
                        &r.value_milli,
                        &&*r.company,
                        &&*t.container,
                        &&*t.stream,
                        &&*t.treatment,
                        &&*t.destination,
                        &i64::from(r.frame_seq),
                    ])
                    .await
                    .unwrap();
                chunk += 1;
                made += 1;
            }
        }
        writer.finish().await.unwrap();
        tx.batch_execute("INSERT INTO readings SELECT * FROM staging ON CONFLICT DO NOTHING; TRUNCATE staging")
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    for l in LEVELS {
        c.batch_execute(&format!(
            "INSERT INTO flow_rollup_{s}
                SELECT date_bin('{i}', ts, timestamptz '1970-01-01 00:00:00+00'), company_id, stream_id, treatment,
                       destination_id, sum(value_milli), count(*)
                FROM readings WHERE kind = 1 GROUP BY 1, 2, 3, 4, 5;
             INSERT INTO container_rollup_{s}
                SELECT date_bin('{i}', ts, timestamptz '1970-01-01 00:00:00+00'), container_id, min(company_id),
                       min(value_milli) FILTER (WHERE kind = 0), max(value_milli) FILTER (WHERE kind = 0),
                       coalesce(sum(value_milli) FILTER (WHERE kind = 0), 0), count(*) FILTER (WHERE kind = 0),
                       count(*) FILTER (WHERE kind = 2)
                FROM readings WHERE kind IN (0, 2) GROUP BY 1, 2;",
            s = l.suffix,
            i = l.interval
        ))
        .await
        .unwrap();
    }
    c.batch_execute("VACUUM ANALYZE readings").await.unwrap();
    c.query_one("SELECT count(*) FROM readings", &[]).await.unwrap().get(0)
}

/// What Grafana users see, as text rows: the monthly sums the first release's KPIs were made of
/// (mass, recycled, hazardous, landfilled, exchanged; per company, and the zone's recovery
/// share), and the daily flows by company, stream, treatment and destination. The KPI views
/// themselves now read the reported ESRS rows (waste only, interim mass resolved: issue 26), so
/// they no longer equal the v1 views by design; the sums they were made of must survive the
/// upgrade, computed the same way on both sides from `flows_daily`.
async fn figures(c: &tokio_postgres::Client) -> Vec<String> {
    let mut out = Vec::new();
    let t = |filter: &str| format!("round((coalesce(sum(mass_g) FILTER (WHERE {filter}), 0) / 1e6)::numeric, 6)");
    let company_months = format!(
        "SELECT concat_ws(' ', date_trunc('month', day), company_id, round((sum(mass_g) / 1e6)::numeric, 6), {}, {}, {}, {})
         FROM flows_daily GROUP BY date_trunc('month', day), company_id ORDER BY 1",
        t("treatment_class = 'recycling'"),
        t("hazardous"),
        t("landfill"),
        t("symbiosis")
    );
    let zone_months = "SELECT concat_ws(' ', date_trunc('month', day), round((sum(mass_g) / 1e6)::numeric, 6),
                round((sum(mass_g) FILTER (WHERE treatment_class IN ('re-use', 'recycling', 'energy-recovery', 'other-recovery'))
                       / sum(mass_g))::numeric, 9))
         FROM flows_daily GROUP BY date_trunc('month', day) ORDER BY 1";
    for sql in [
        company_months.as_str(),
        zone_months,
        "SELECT concat_ws(' ', day, company_id, stream_id, ewc, hazardous, treatment, destination_id, sum(mass_g), sum(weighings))
         FROM flows_daily GROUP BY day, company_id, stream_id, ewc, hazardous, treatment, destination_id ORDER BY 1",
        "SELECT concat_ws(' ', day, container_id, fill_min_pct, fill_max_pct, fill_readings, collections) FROM container_fill_daily ORDER BY 1",
    ] {
        for row in c.query(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}")) {
            out.push(row.get(0));
        }
    }
    out
}

async fn phase(c: &tokio_postgres::Client) -> (String, i64, i64) {
    let r = c.query_one("SELECT phase, copied, total FROM storage_upgrade", &[]).await.unwrap();
    (r.get(0), r.get(1), r.get(2))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filled_v1_database_is_upgraded_in_place_resuming_after_a_kill() {
    let wanted: usize =
        std::env::var("WASTEFLOW_UPGRADE_READINGS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000_000);
    let db = TestDb::new().await;
    let zone = Zone::load(&zone_file()).unwrap();
    let mut c = db.client().await;
    common::v1::apply_schema(&c).await;
    v1_registry(&c, &zone).await;
    let t = Instant::now();
    let stored = v1_readings(&mut c, &zone, wanted).await;
    println!("v1 database filled: {stored} readings in {:.1} s", t.elapsed().as_secs_f64());
    let before = figures(&c).await;
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
    let (p, copied, total) = phase(&c).await;
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
    assert_eq!(phase(&c).await.1, copied, "the daemon copied nothing");

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

    assert_eq!(phase(&c).await.0, "done");
    assert_eq!(c.query_one("SELECT count(*) FROM readings", &[]).await.unwrap().get::<_, i64>(0), total);
    let gone =
        c.query_one("SELECT to_regclass('readings_v1') IS NULL AND to_regclass('flow_rollup_1m_v1') IS NULL", &[]);
    assert!(gone.await.unwrap().get::<_, bool>(0), "the v1 tables are dropped");
    let (ok, out) = verify(&env);
    assert!(ok, "{out}");
    let after = figures(&c).await;
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b, a, "a figure changed in the upgrade");
    }

    // And the daemon ingests again.
    let daemon = Daemon::start(&env).await;
    assert!(daemon.terminate().await.success());
}
