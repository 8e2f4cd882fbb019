//! The v1 storage, frozen: its schema (migrations 1 to 7, `tests/common/v1.rs`) and its write
//! statements (copied from `src/store/writer.rs` of commit d552f40), so that the database
//! ceiling of whatever schema the crate has can be compared with v1's in the same run.
//!
//! Frozen on purpose: it depends on the crate only for what stays (the simulator's frames,
//! `check_message`, the zone lookups and the six `ValidReading` fields gateway, sensor, kind,
//! ts_ms, value_milli, frame_seq). The text attribution (company, container, stream, treatment,
//! destination) is looked up in the zone here, and the rollup deltas are computed here with
//! v1's rules, not with `wasteflow::rollup`.

use super::common::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio_postgres::{Client, Statement};
use wasteflow::batch::Batch;
use wasteflow::wire::ValidReading;
use wasteflow::zone::Zone;

const INSERT_READINGS: &str = "
INSERT INTO readings (gateway_id, sensor, kind, ts, value_milli, company_id, container_id, stream_id, treatment, destination_id, frame_seq)
SELECT * FROM UNNEST($1::text[], $2::int4[], $3::int2[], $4::timestamptz[], $5::int8[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::int8[])
ON CONFLICT DO NOTHING
RETURNING gateway_id, sensor, kind, ts";

fn upsert_flows(suffix: &str) -> String {
    format!(
        "INSERT INTO flow_rollup_{suffix} AS t (bucket, company_id, stream_id, treatment, destination_id, mass_g, weighings)
         SELECT * FROM UNNEST($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::int8[])
         ON CONFLICT (bucket, company_id, stream_id, treatment, destination_id) DO UPDATE
         SET mass_g = t.mass_g + EXCLUDED.mass_g, weighings = t.weighings + EXCLUDED.weighings"
    )
}

fn upsert_fills(suffix: &str) -> String {
    format!(
        "INSERT INTO container_rollup_{suffix} AS t (bucket, container_id, company_id, fill_min, fill_max, fill_sum, fill_count, emptied)
         SELECT * FROM UNNEST($1::timestamptz[], $2::text[], $3::text[], $4::int8[], $5::int8[], $6::int8[], $7::int8[], $8::int8[])
         ON CONFLICT (bucket, container_id) DO UPDATE
         SET fill_min = LEAST(t.fill_min, EXCLUDED.fill_min), fill_max = GREATEST(t.fill_max, EXCLUDED.fill_max),
             fill_sum = t.fill_sum + EXCLUDED.fill_sum, fill_count = t.fill_count + EXCLUDED.fill_count,
             emptied = t.emptied + EXCLUDED.emptied"
    )
}

/// v1's rollup levels: table suffix and bucket width (ms), finest first, aligned on the epoch.
const LEVELS: [(&str, i64); 3] = [("1m", 60_000), ("1h", 3_600_000), ("1d", 86_400_000)];

/// v1 measurement kinds that feed the rollups (`readings.kind`).
const FILL: i16 = 0;
const NET_MASS: i16 = 1;
const EMPTIED: i16 = 2;

/// One reading as v1 stores it: the key, the value and the text attribution.
#[derive(Debug, Clone)]
pub struct Reading {
    pub gateway: Arc<str>,
    pub sensor: u16,
    pub kind: i16,
    pub ts_ms: i64,
    pub value_milli: i64,
    pub company: Arc<str>,
    pub container: Arc<str>,
    pub stream: Arc<str>,
    pub treatment: Arc<str>,
    pub destination: Arc<str>,
    pub frame_seq: i64,
}

impl Reading {
    /// v1's row of a checked reading, attributed from the zone (None for a sensor it lacks).
    pub fn of(r: &ValidReading, zone: &Zone) -> Option<Reading> {
        let company = zone.company_of(&r.gateway)?.clone();
        let t = zone.sensor(&r.gateway, r.sensor)?;
        Some(Reading {
            gateway: r.gateway.clone(),
            sensor: r.sensor,
            kind: r.kind.number(),
            ts_ms: r.ts.as_millis(),
            value_milli: r.value_milli,
            company,
            container: t.container.clone(),
            stream: t.stream.clone(),
            treatment: t.treatment.clone(),
            destination: t.destination.clone(),
            frame_seq: i64::from(r.frame_seq),
        })
    }

    /// The natural key (v1's primary key).
    pub fn key(&self) -> (&str, u16, i16, i64) {
        (&self.gateway, self.sensor, self.kind, self.ts_ms)
    }
}

fn ts(ms: i64) -> SystemTime {
    if ms >= 0 {
        UNIX_EPOCH + Duration::from_millis(ms as u64)
    } else {
        UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
    }
}

fn ms(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis() as i64,
        Err(e) => -(e.duration().as_millis() as i64),
    }
}

/// (bucket, company, stream, treatment, destination)
type FlowKey = (i64, Arc<str>, Arc<str>, Arc<str>, Arc<str>);
/// (bucket, container, company)
type FillKey = (i64, Arc<str>, Arc<str>);

#[derive(Debug, Clone, Copy)]
struct Fill {
    min: i64,
    max: i64,
    sum: i64,
    count: i64,
    emptied: i64,
}

impl Default for Fill {
    fn default() -> Self {
        Fill { min: i64::MAX, max: i64::MIN, sum: 0, count: 0, emptied: 0 }
    }
}

/// v1 rollup deltas per level (index into [`LEVELS`]); sorted maps, so the upserts of two
/// concurrent transactions take their row locks in one order.
#[derive(Default)]
struct Deltas {
    flows: [BTreeMap<FlowKey, (i64, i64)>; 3],
    fills: [BTreeMap<FillKey, Fill>; 3],
}

impl Deltas {
    fn add(&mut self, r: &Reading) {
        for (i, &(_, width)) in LEVELS.iter().enumerate() {
            let bucket = r.ts_ms.div_euclid(width) * width;
            match r.kind {
                NET_MASS => {
                    let key = (bucket, r.company.clone(), r.stream.clone(), r.treatment.clone(), r.destination.clone());
                    let agg = self.flows[i].entry(key).or_default();
                    agg.0 += r.value_milli;
                    agg.1 += 1;
                }
                FILL | EMPTIED => {
                    let agg = self.fills[i].entry((bucket, r.container.clone(), r.company.clone())).or_default();
                    if r.kind == EMPTIED {
                        agg.emptied += 1;
                    } else {
                        agg.min = agg.min.min(r.value_milli);
                        agg.max = agg.max.max(r.value_milli);
                        agg.sum += r.value_milli;
                        agg.count += 1;
                    }
                }
                _ => {}
            }
        }
    }
}

/// v1's statements, prepared once per connection.
pub struct Statements {
    readings: Statement,
    flows: Vec<Statement>,
    fills: Vec<Statement>,
}

impl Statements {
    pub async fn prepare(c: &Client) -> Result<Statements, tokio_postgres::Error> {
        let mut flows = Vec::new();
        let mut fills = Vec::new();
        for (suffix, _) in LEVELS {
            flows.push(c.prepare(&upsert_flows(suffix)).await?);
            fills.push(c.prepare(&upsert_fills(suffix)).await?);
        }
        Ok(Statements { readings: c.prepare(INSERT_READINGS).await?, flows, fills })
    }
}

/// Writes one batch the v1 way, in one transaction: the readings (each key once, keys sorted),
/// then the rollup deltas of the rows actually inserted (RETURNING). Returns how many readings
/// were inserted.
pub async fn write(c: &mut Client, st: &Statements, batch: &[Reading]) -> Result<usize, tokio_postgres::Error> {
    let tx = c.transaction().await?;
    let mut seen = HashSet::with_capacity(batch.len());
    let mut unique: Vec<usize> = (0..batch.len()).filter(|&i| seen.insert(batch[i].key())).collect();
    unique.sort_unstable_by(|&a, &b| batch[a].key().cmp(&batch[b].key()));
    let mut stored = Vec::new();
    if !unique.is_empty() {
        let rs = unique.iter().map(|&i| &batch[i]);
        let gw: Vec<&str> = rs.clone().map(|r| &*r.gateway).collect();
        let sensor: Vec<i32> = rs.clone().map(|r| i32::from(r.sensor)).collect();
        let kind: Vec<i16> = rs.clone().map(|r| r.kind).collect();
        let t: Vec<SystemTime> = rs.clone().map(|r| ts(r.ts_ms)).collect();
        let value: Vec<i64> = rs.clone().map(|r| r.value_milli).collect();
        let company: Vec<&str> = rs.clone().map(|r| &*r.company).collect();
        let container: Vec<&str> = rs.clone().map(|r| &*r.container).collect();
        let stream: Vec<&str> = rs.clone().map(|r| &*r.stream).collect();
        let treatment: Vec<&str> = rs.clone().map(|r| &*r.treatment).collect();
        let destination: Vec<&str> = rs.clone().map(|r| &*r.destination).collect();
        let seq: Vec<i64> = rs.map(|r| r.frame_seq).collect();
        let rows = tx
            .query(
                &st.readings,
                &[&gw, &sensor, &kind, &t, &value, &company, &container, &stream, &treatment, &destination, &seq],
            )
            .await?;
        stored = if rows.len() == unique.len() {
            unique
        } else {
            let index: HashMap<(&str, u16, i16, i64), usize> = unique.iter().map(|&i| (batch[i].key(), i)).collect();
            rows.iter()
                .filter_map(|row| {
                    let key = (row.get::<_, &str>(0), row.get::<_, i32>(1) as u16, row.get(2), ms(row.get(3)));
                    index.get(&key).copied()
                })
                .collect()
        };
    }
    let mut d = Deltas::default();
    for &i in &stored {
        d.add(&batch[i]);
    }
    for (i, flows) in d.flows.iter().enumerate().filter(|(_, f)| !f.is_empty()) {
        let bucket: Vec<SystemTime> = flows.keys().map(|k| ts(k.0)).collect();
        let company: Vec<&str> = flows.keys().map(|k| &*k.1).collect();
        let stream: Vec<&str> = flows.keys().map(|k| &*k.2).collect();
        let treatment: Vec<&str> = flows.keys().map(|k| &*k.3).collect();
        let destination: Vec<&str> = flows.keys().map(|k| &*k.4).collect();
        let mass: Vec<i64> = flows.values().map(|v| v.0).collect();
        let n: Vec<i64> = flows.values().map(|v| v.1).collect();
        tx.execute(&st.flows[i], &[&bucket, &company, &stream, &treatment, &destination, &mass, &n]).await?;
    }
    for (i, fills) in d.fills.iter().enumerate().filter(|(_, f)| !f.is_empty()) {
        let bucket: Vec<SystemTime> = fills.keys().map(|k| ts(k.0)).collect();
        let container: Vec<&str> = fills.keys().map(|k| &*k.1).collect();
        let company: Vec<&str> = fills.keys().map(|k| &*k.2).collect();
        let min: Vec<Option<i64>> = fills.values().map(|v| (v.count > 0).then_some(v.min)).collect();
        let max: Vec<Option<i64>> = fills.values().map(|v| (v.count > 0).then_some(v.max)).collect();
        let sum: Vec<i64> = fills.values().map(|v| v.sum).collect();
        let count: Vec<i64> = fills.values().map(|v| v.count).collect();
        let emptied: Vec<i64> = fills.values().map(|v| v.emptied).collect();
        tx.execute(&st.fills[i], &[&bucket, &container, &company, &min, &max, &sum, &count, &emptied]).await?;
    }
    tx.commit().await?;
    Ok(stored.len())
}

/// Applies the v1 schema to an empty database (`tests/common/v1.rs`: migrations 1 to 7).
pub async fn apply_schema(db: &TestDb) {
    super::common::v1::apply_schema(&db.client().await).await;
}

/// Database ceiling of the frozen v1 storage: the same batches as
/// [`super::ceilings::database_ceiling`], the same number of connections
/// (the daemon's `database.writers`, each taking every n-th batch), each batch one
/// transaction. Readings per second.
#[allow(dead_code)]
pub async fn database_ceiling_v1(frames: u64, per_frame: usize) -> f64 {
    database_ceiling_v1_kept(frames, per_frame).await.0
}

/// As [`database_ceiling_v1`], and the database it filled (to measure it before it is dropped).
pub async fn database_ceiling_v1_kept(frames: u64, per_frame: usize) -> (f64, TestDb) {
    let db = TestDb::new().await;
    apply_schema(&db).await;
    // v1 has no ids: numbered here only so that checking accepts the readings.
    let zone = super::ceilings::zone().numbered();
    // The attribution lookup is done before timing: the crate does it while checking messages.
    let settings = super::ceilings::daemon_settings(&db.url);
    let batches: Vec<Vec<Reading>> = super::ceilings::ceiling_batches(&zone, frames, per_frame, &settings.batch)
        .iter()
        .map(|b: &Batch| b.readings.iter().map(|r| Reading::of(r, &zone).expect("a sensor of the zone")).collect())
        .collect();
    let total: usize = batches.iter().map(Vec::len).sum();
    let n = settings.database.writers;
    let mut shares: Vec<Vec<Vec<Reading>>> = (0..n).map(|_| Vec::new()).collect();
    for (i, b) in batches.into_iter().enumerate() {
        shares[i % n].push(b);
    }
    let mut conns = Vec::new();
    for _ in 0..n {
        let c = db.client().await;
        let st = Statements::prepare(&c).await.expect("prepare the v1 statements");
        conns.push((c, st));
    }
    let t0 = Instant::now();
    let tasks: Vec<_> = conns
        .into_iter()
        .zip(shares)
        .map(|((mut c, st), share)| {
            tokio::spawn(async move {
                let mut stored = 0;
                for b in &share {
                    stored += write(&mut c, &st, b).await.expect("v1 write");
                }
                stored
            })
        })
        .collect();
    let mut stored = 0;
    for t in tasks {
        stored += t.await.unwrap();
    }
    let rate = total as f64 / t0.elapsed().as_secs_f64();
    assert_eq!(
        stored,
        db.count("SELECT count(*) FROM readings").await as usize,
        "v1: RETURNING and the table disagree"
    );
    (rate, db)
}
