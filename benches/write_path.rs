//! Write-path experiment on the narrow v2 `readings` table: `INSERT ... SELECT FROM UNNEST`
//! against binary COPY into a temporary staging table then `INSERT ... SELECT`, both with
//! `ON CONFLICT DO NOTHING RETURNING` (what the writer needs to compute rollup deltas), one
//! transaction per batch, keys sorted per batch, two connections each taking every other batch
//! (as `database.writers` = 2). Each configuration writes into a fresh database.
//!
//! Also: the same with 10% of the rows already stored (every 10th row inserted before timing),
//! so that RETURNING comes back short and the writer maps the returned keys back.
//!
//! Run: `cargo bench --bench write_path` (needs PostgreSQL on 127.0.0.1:5432).
//! `WASTEFLOW_BENCH_SCALE=0.1` writes a tenth of the rows (default 300,000 per configuration).

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use std::collections::HashSet;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;
use tokio_postgres::{Client, Statement};

const SCHEMA: &str = "
CREATE TABLE readings (
    ts             timestamptz NOT NULL,
    value_milli    bigint      NOT NULL,
    stored_at      timestamptz NOT NULL DEFAULT now(),
    sensor_id      integer     NOT NULL,
    attribution_id integer     NOT NULL,
    frame_seq      integer     NOT NULL,
    kind           smallint    NOT NULL,
    PRIMARY KEY (sensor_id, kind, ts)
);";

const INSERT_UNNEST: &str = "
INSERT INTO readings (sensor_id, kind, ts, value_milli, attribution_id, frame_seq)
SELECT * FROM UNNEST($1::int4[], $2::int2[], $3::timestamptz[], $4::int8[], $5::int4[], $6::int4[])
ON CONFLICT DO NOTHING
RETURNING sensor_id, kind, ts";

/// Per connection. `INCLUDING DEFAULTS`: `LIKE` alone would copy `stored_at`'s NOT NULL but not
/// its default, and the COPY below does not send it.
const CREATE_STAGING: &str = "CREATE TEMP TABLE staging (LIKE readings INCLUDING DEFAULTS) ON COMMIT DELETE ROWS";

const COPY_STAGING: &str =
    "COPY staging (sensor_id, kind, ts, value_milli, attribution_id, frame_seq) FROM STDIN (FORMAT binary)";

const INSERT_FROM_STAGING: &str = "
INSERT INTO readings (sensor_id, kind, ts, value_milli, attribution_id, frame_seq)
SELECT sensor_id, kind, ts, value_milli, attribution_id, frame_seq FROM staging
ON CONFLICT DO NOTHING
RETURNING sensor_id, kind, ts";

const COPY_TYPES: [Type; 6] = [Type::INT4, Type::INT2, Type::TIMESTAMPTZ, Type::INT8, Type::INT4, Type::INT4];

#[derive(Debug, Clone, Copy)]
struct Row {
    sensor_id: i32,
    kind: i16,
    ts_ms: i64,
    value_milli: i64,
    attribution_id: i32,
    frame_seq: i32,
}

impl Row {
    fn key(&self) -> (i32, i16, i64) {
        (self.sensor_id, self.kind, self.ts_ms)
    }
}

const SENSORS: u64 = 2_000;
const KINDS: u64 = 5;

/// `n` distinct rows in arrival order: every sensor's five kinds at one instant, then the next
/// minute (so each batch touches many places of the primary key, as real traffic does).
fn rows(n: u64) -> Vec<Row> {
    let start = (now_ms() as i64 - 86_400_000) / 60_000 * 60_000;
    (0..n)
        .map(|i| Row {
            sensor_id: (i % SENSORS) as i32,
            kind: ((i / SENSORS) % KINDS) as i16,
            ts_ms: start + (i / (SENSORS * KINDS)) as i64 * 60_000,
            value_milli: ((i * 7_919) % 100_000) as i64,
            attribution_id: (i % SENSORS % 37) as i32,
            frame_seq: (i / 50) as i32,
        })
        .collect()
}

fn ts(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms as u64)
}

fn ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Method {
    Unnest,
    Copy,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Unnest => "INSERT UNNEST",
            Method::Copy => "COPY staging + INSERT",
        }
    }
}

struct Conn {
    client: Client,
    insert: Statement,
}

impl Conn {
    async fn open(db: &TestDb, method: Method) -> Conn {
        let client = db.client().await;
        let insert = match method {
            Method::Unnest => client.prepare(INSERT_UNNEST).await.unwrap(),
            Method::Copy => {
                client.batch_execute(CREATE_STAGING).await.unwrap();
                client.prepare(INSERT_FROM_STAGING).await.unwrap()
            }
        };
        Conn { client, insert }
    }

    /// One batch (keys sorted) in one transaction; how many rows were inserted, mapped back to
    /// the batch by key as the writer does when RETURNING comes back short.
    async fn write(&mut self, method: Method, batch: &[Row]) -> usize {
        let tx = self.client.transaction().await.unwrap();
        let returned = match method {
            Method::Unnest => {
                let sensor: Vec<i32> = batch.iter().map(|r| r.sensor_id).collect();
                let kind: Vec<i16> = batch.iter().map(|r| r.kind).collect();
                let t: Vec<SystemTime> = batch.iter().map(|r| ts(r.ts_ms)).collect();
                let value: Vec<i64> = batch.iter().map(|r| r.value_milli).collect();
                let attribution: Vec<i32> = batch.iter().map(|r| r.attribution_id).collect();
                let seq: Vec<i32> = batch.iter().map(|r| r.frame_seq).collect();
                tx.query(&self.insert, &[&sensor, &kind, &t, &value, &attribution, &seq]).await.unwrap()
            }
            Method::Copy => {
                let sink = tx.copy_in(COPY_STAGING).await.unwrap();
                let mut writer = std::pin::pin!(BinaryCopyInWriter::new(sink, &COPY_TYPES));
                for r in batch {
                    let t = ts(r.ts_ms);
                    writer
                        .as_mut()
                        .write(&[&r.sensor_id, &r.kind, &t, &r.value_milli, &r.attribution_id, &r.frame_seq])
                        .await
                        .unwrap();
                }
                writer.finish().await.unwrap();
                tx.query(&self.insert, &[]).await.unwrap()
            }
        };
        let stored = if returned.len() == batch.len() {
            batch.len()
        } else {
            let sent: HashSet<(i32, i16, i64)> = batch.iter().map(Row::key).collect();
            returned
                .iter()
                .filter(|row| sent.contains(&(row.get::<_, i32>(0), row.get::<_, i16>(1), ms(row.get(2)))))
                .count()
        };
        tx.commit().await.unwrap();
        stored
    }
}

/// Writes `all` in batches of `batch` rows over two connections into a fresh database, after
/// storing every 10th row first when `conflicts`. Rows per second (rows sent, not inserted).
async fn run(all: &[Row], method: Method, batch: usize, conflicts: bool) -> f64 {
    let db = TestDb::new().await;
    db.client().await.batch_execute(SCHEMA).await.unwrap();
    let mut preloaded = 0;
    if conflicts {
        let mut c = Conn::open(&db, Method::Unnest).await;
        let every_10th: Vec<Row> = all.iter().step_by(10).copied().collect();
        for chunk in every_10th.chunks(10_000) {
            let mut chunk = chunk.to_vec();
            chunk.sort_unstable_by_key(Row::key);
            preloaded += c.write(Method::Unnest, &chunk).await;
        }
        c.client.batch_execute("VACUUM (ANALYZE) readings").await.unwrap();
    }
    let mut shares: Vec<Vec<Vec<Row>>> = vec![Vec::new(), Vec::new()];
    for (i, chunk) in all.chunks(batch).enumerate() {
        let mut b = chunk.to_vec();
        b.sort_unstable_by_key(Row::key);
        shares[i % 2].push(b);
    }
    let mut conns = Vec::new();
    for _ in 0..2 {
        conns.push(Conn::open(&db, method).await);
    }
    let t0 = Instant::now();
    let tasks: Vec<_> = conns
        .into_iter()
        .zip(shares)
        .map(|(mut c, share)| {
            tokio::spawn(async move {
                let mut stored = 0;
                for b in &share {
                    stored += c.write(method, b).await;
                }
                stored
            })
        })
        .collect();
    let mut stored = 0;
    for t in tasks {
        stored += t.await.unwrap();
    }
    let rate = all.len() as f64 / t0.elapsed().as_secs_f64();
    assert_eq!(stored + preloaded, all.len(), "inserted now + before = every row once");
    assert_eq!(db.count("SELECT count(*) FROM readings").await as usize, all.len());
    rate
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` does not: then only build.
    if !std::env::args().any(|a| a == "--bench") {
        println!("write_path: run with `cargo bench --bench write_path`");
        return;
    }
    let scale: f64 = std::env::var("WASTEFLOW_BENCH_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let n = ((300_000f64 * scale) as u64).max(10_000);
    let all = rows(n);
    println!("write path: v2 narrow readings, {n} rows per configuration, 2 connections, one transaction per batch");
    println!("{:<24} {:>7} {:>16} {:>12}", "method", "batch", "already stored", "rows/s");
    for conflicts in [false, true] {
        for batch in [500usize, 2_000, 8_000] {
            for method in [Method::Unnest, Method::Copy] {
                let rate = run(&all, method, batch, conflicts).await;
                println!(
                    "{:<24} {:>7} {:>16} {:>12.0}",
                    method.name(),
                    batch,
                    if conflicts { "10%" } else { "0%" },
                    rate
                );
            }
        }
    }
    println!("(rows/s: rows sent per second of wall time, both connections together; RETURNING read every time)");
}
