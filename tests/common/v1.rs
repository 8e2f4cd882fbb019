//! Storage v1, as a database written before migration 8 holds it: for the upgrade tests and the
//! benchmark's v1 ceiling. The numbered migrations are history and never change, so migrations
//! 1 to 7 of the crate are the v1 schema; the v1 views (code, re-applied on change) are frozen
//! in `tests/fixtures/v1/views.sql`.

use std::time::{Duration, SystemTime};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;
use wasteflow::calendar::{SignedDuration, Timestamp};
use wasteflow::rollup::LEVELS;
use wasteflow::simulate::FrameGenerator;
use wasteflow::validate::{check_message, Limits};
use wasteflow::wire::TopicLayout;
use wasteflow::zone::{all_treatments, stream_code, treatment_mode, Zone};

/// Creates the v1 schema in an empty database, as `wasteflow migrate` of v1 left it: the
/// TimescaleDB extension when the server has it, migrations 1 to 7 recorded in
/// `schema_migrations`, and the v1 views recorded in `schema_repeatable` (so that the next
/// `migrate` replaces them).
pub async fn apply_schema(c: &tokio_postgres::Client) {
    let available = c
        .query_opt("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'", &[])
        .await
        .expect("pg_available_extensions")
        .is_some();
    if available {
        c.batch_execute("CREATE EXTENSION IF NOT EXISTS timescaledb").await.expect("timescaledb");
    }
    c.batch_execute(
        "CREATE TABLE schema_repeatable (name text PRIMARY KEY, md5 text NOT NULL,
                                         applied_at timestamptz NOT NULL DEFAULT now());",
    )
    .await
    .expect("v1 bookkeeping tables");
    super::schema::apply_migrations_through(c, 7).await;
    c.batch_execute(include_str!("../fixtures/v1/views.sql")).await.expect("v1 views");
    c.execute("INSERT INTO schema_repeatable (name, md5) VALUES ('views and constraints', md5('v1'))", &[])
        .await
        .expect("record the v1 views");
}

/// The registry as the v1 sync wrote it.
pub async fn registry(c: &tokio_postgres::Client, zone: &Zone) {
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

/// How [`readings`] loads the rows and where in time it puts them.
pub struct Load {
    /// COPY (PostgreSQL), or INSERTs of arrays (PGlite's TimescaleDB has no COPY).
    pub copy: bool,
    /// The first reading's time, in ms since the epoch.
    pub start_ms: u64,
    /// Each gateway's readings come 100 ms apart from the simulator; this many times that apart
    /// in the database (1: as simulated), so that the data spans many days, hence many chunks.
    pub stretch: u64,
}

/// Simulated readings as a v1 daemon stored them (attribution in text on every row), then
/// the v1 rollups recomputed from them exactly as v1 `verify` does. Returns the rows stored.
pub async fn readings(c: &mut tokio_postgres::Client, zone: &Zone, wanted: usize, load: &Load) -> i64 {
    let layout = TopicLayout::parse("zone/+/+/up").unwrap();
    let limits = Limits {
        max_payload_bytes: 65536,
        max_past: SignedDuration::from_millis(i64::MAX / 4),
        max_future: SignedDuration::from_millis(i64::MAX / 4),
    };
    let start = load.start_ms;
    let checking = zone.clone().numbered();
    let mut g =
        FrameGenerator::new(zone, &layout, 13, wasteflow::calendar::Timestamp::from_millis(start as i64), 50, 0.0, 0.0);
    let mut made = 0;
    let mut rows = V1Rows::default();
    let insert = if load.copy {
        c.batch_execute("CREATE TEMP TABLE staging (LIKE readings INCLUDING DEFAULTS)").await.unwrap();
        None
    } else {
        Some(
            c.prepare(
                "INSERT INTO readings (gateway_id, sensor, kind, ts, value_milli, company_id, container_id, stream_id,
                                       treatment, destination_id, frame_seq)
                 SELECT * FROM unnest($1::text[], $2::int4[], $3::int2[], $4::timestamptz[], $5::int8[], $6::text[],
                                      $7::text[], $8::text[], $9::text[], $10::text[], $11::int8[])
                 ON CONFLICT DO NOTHING",
            )
            .await
            .unwrap(),
        )
    };
    while made < wanted {
        rows.clear();
        while rows.ts.len() < 100_000 && made < wanted {
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
                let ms = start + (r.ts.as_millis() as u64 - start) * load.stretch;
                rows.gateway.push(r.gateway.to_string());
                rows.sensor.push(i32::from(r.sensor));
                rows.kind.push(r.kind.number());
                rows.ts.push(SystemTime::UNIX_EPOCH + Duration::from_millis(ms));
                rows.value.push(r.value_milli);
                rows.company.push(r.company.to_string());
                rows.container.push(t.container.to_string());
                rows.stream.push(t.stream.to_string());
                rows.treatment.push(t.treatment.to_string());
                rows.destination.push(t.destination.to_string());
                rows.frame_seq.push(i64::from(r.frame_seq));
                made += 1;
            }
        }
        match &insert {
            None => rows.copy_in(c).await,
            // 10,000 rows a statement: PGlite holds every parameter in memory at once.
            Some(insert) => {
                for i in (0..rows.ts.len()).step_by(10_000) {
                    let j = (i + 10_000).min(rows.ts.len());
                    c.execute(
                        insert,
                        &[
                            &&rows.gateway[i..j],
                            &&rows.sensor[i..j],
                            &&rows.kind[i..j],
                            &&rows.ts[i..j],
                            &&rows.value[i..j],
                            &&rows.company[i..j],
                            &&rows.container[i..j],
                            &&rows.stream[i..j],
                            &&rows.treatment[i..j],
                            &&rows.destination[i..j],
                            &&rows.frame_seq[i..j],
                        ],
                    )
                    .await
                    .unwrap();
                }
            }
        }
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

/// v1 readings by column.
#[derive(Default)]
struct V1Rows {
    gateway: Vec<String>,
    sensor: Vec<i32>,
    kind: Vec<i16>,
    ts: Vec<SystemTime>,
    value: Vec<i64>,
    company: Vec<String>,
    container: Vec<String>,
    stream: Vec<String>,
    treatment: Vec<String>,
    destination: Vec<String>,
    frame_seq: Vec<i64>,
}

impl V1Rows {
    fn clear(&mut self) {
        *self = V1Rows::default();
    }

    /// Through the temporary table `staging`, in one transaction.
    async fn copy_in(&self, c: &mut tokio_postgres::Client) {
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
        for i in 0..self.ts.len() {
            writer
                .as_mut()
                .write(&[
                    &self.gateway[i],
                    &self.sensor[i],
                    &self.kind[i],
                    &self.ts[i],
                    &self.value[i],
                    &self.company[i],
                    &self.container[i],
                    &self.stream[i],
                    &self.treatment[i],
                    &self.destination[i],
                    &self.frame_seq[i],
                ])
                .await
                .unwrap();
        }
        writer.finish().await.unwrap();
        tx.batch_execute("INSERT INTO readings SELECT * FROM staging ON CONFLICT DO NOTHING; TRUNCATE staging")
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

/// What Grafana users see, as text rows: the monthly sums the first release's KPIs were made of
/// (mass, recycled, hazardous, landfilled, exchanged; per company, and the zone's recovery
/// share), and the daily flows by company, stream, treatment and destination. The KPI views
/// themselves now read the reported ESRS rows (waste only, interim mass resolved: issue 26), so
/// they no longer equal the v1 views by design; the sums they were made of must survive the
/// upgrade, computed the same way on both sides from `flows_daily`.
pub async fn figures(c: &tokio_postgres::Client) -> Vec<String> {
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

pub async fn phase(c: &tokio_postgres::Client) -> (String, i64, i64) {
    let r = c.query_one("SELECT phase, copied, total FROM storage_upgrade", &[]).await.unwrap();
    (r.get(0), r.get(1), r.get(2))
}
