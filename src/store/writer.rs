//! Writing one batch in one transaction.

use super::connect::{Connector, Db};
use super::error::{column, timed, StoreError};
use super::identity::message_sha256;
use crate::batch::Batch;
use crate::calendar::Timestamp;
use crate::rollup::{Deltas, Level, LEVELS};
use crate::wire::{encode_frames, InboxFrame, InboxReading, MeasurementKind, RejectReason};
use futures_util::TryStreamExt;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use tokio_postgres::types::ToSql;
use tokio_postgres::Statement;

const INSERT_READINGS: &str = "
INSERT INTO readings (sensor_id, kind, ts, value_milli, attribution_id, frame_seq)
SELECT * FROM UNNEST($1::int4[], $2::int2[], $3::timestamptz[], $4::int8[], $5::int4[], $6::int4[])
ON CONFLICT DO NOTHING
RETURNING sensor_id, kind, ts";

/// The upsert of a level's flow deltas; the hourly level's also adds them to the local periods
/// (migration 21) in the same statement, each period's rows summed first and sorted.
fn upsert_flows(level: Level) -> String {
    let suffix = level.suffix;
    let upsert = format!(
        "INSERT INTO flow_rollup_{suffix} AS t (bucket, classification_id, mass_g, weighings)
         SELECT * FROM u
         ON CONFLICT (bucket, classification_id) DO UPDATE
         SET mass_g = t.mass_g + EXCLUDED.mass_g, weighings = t.weighings + EXCLUDED.weighings"
    );
    let deltas = "WITH u AS (SELECT * FROM UNNEST($1::timestamptz[], $2::int4[], $3::int8[], $4::int8[])
                          AS u (bucket, classification_id, mass_g, weighings))";
    if !level.feeds_local_periods {
        return format!("{deltas} {upsert}");
    }
    format!(
        "{deltas}, level AS ({upsert})
         INSERT INTO flow_rollup_local AS t (period, period_start, classification_id, mass_g, weighings)
         SELECT p.period, wf_local_period_start(p.period, u.bucket, z.time_zone), u.classification_id,
                sum(u.mass_g)::int8, sum(u.weighings)::int8
         FROM u CROSS JOIN zone_settings z CROSS JOIN (VALUES ('day'), ('month'), ('year')) p (period)
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
         ON CONFLICT (period, period_start, classification_id) DO UPDATE
         SET mass_g = t.mass_g + EXCLUDED.mass_g, weighings = t.weighings + EXCLUDED.weighings"
    )
}

/// The upsert of a level's fill deltas; the hourly level's also adds them to the local days.
fn upsert_fills(level: Level) -> String {
    let suffix = level.suffix;
    let merge = "fill_min = LEAST(t.fill_min, EXCLUDED.fill_min), fill_max = GREATEST(t.fill_max, EXCLUDED.fill_max),
             fill_sum = t.fill_sum + EXCLUDED.fill_sum, fill_count = t.fill_count + EXCLUDED.fill_count,
             emptied = t.emptied + EXCLUDED.emptied";
    let upsert = format!(
        "INSERT INTO container_rollup_{suffix} AS t (bucket, container_id, company_id, fill_min, fill_max, fill_sum, fill_count, emptied)
         SELECT * FROM u
         ON CONFLICT (bucket, container_id) DO UPDATE SET {merge}"
    );
    let deltas =
        "WITH u AS (SELECT * FROM UNNEST($1::timestamptz[], $2::text[], $3::text[], $4::int8[], $5::int8[], $6::int8[],
                                            $7::int8[], $8::int8[])
                          AS u (bucket, container_id, company_id, fill_min, fill_max, fill_sum, fill_count, emptied))";
    if !level.feeds_local_periods {
        return format!("{deltas} {upsert}");
    }
    format!(
        "{deltas}, level AS ({upsert})
         INSERT INTO container_rollup_local_1d AS t (day, container_id, company_id, fill_min, fill_max, fill_sum, fill_count, emptied)
         SELECT wf_local_period_start('day', u.bucket, z.time_zone), u.container_id, u.company_id, min(u.fill_min),
                max(u.fill_max), sum(u.fill_sum)::int8, sum(u.fill_count)::int8, sum(u.emptied)::int8
         FROM u CROSS JOIN zone_settings z
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
         ON CONFLICT (day, container_id, company_id) DO UPDATE SET {merge}"
    )
}

/// The batch's weighings stored now, once more in `weighings` (migration 24).
const INSERT_WEIGHINGS: &str = "
INSERT INTO weighings (sensor_id, ts, value_milli, attribution_id)
SELECT * FROM UNNEST($1::int4[], $2::timestamptz[], $3::int8[], $4::int4[])
ON CONFLICT DO NOTHING";

/// What the batch committed, per gateway, for the live stage (docs/scaling.md).
const INSERT_INBOX: &str = "
INSERT INTO live_inbox (gateway_id, frames) SELECT * FROM UNNEST($1::text[], $2::bytea[])";

const INSERT_REJECTS: &str = "
INSERT INTO rejected_messages (received_at, topic, gateway_id, company_id, reason, detail, reading_index, payload, message_sha256)
SELECT * FROM UNNEST($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int4[], $8::bytea[], $9::bytea[])
ON CONFLICT (message_sha256, reading_index) DO NOTHING
RETURNING reason";

/// Marks replayed dead letters, in the transaction that stores their readings.
const MARK_REPLAYED: &str = "
UPDATE rejected_messages SET replayed_at = now()
WHERE id = ANY($1::int8[]) AND replayed_at IS NULL
RETURNING id";

/// What one committed batch changed.
#[derive(Debug, Default, Clone)]
pub struct BatchOutcome {
    /// Readings inserted now (the rest were already stored).
    pub stored: Vec<usize>,
    /// Readings of the batch that were already in the table (or twice in the batch).
    pub duplicates: usize,
    /// Reasons of the dead letters inserted now.
    pub rejected_reasons: Vec<RejectReason>,
    /// Ids of the dead letters the batch replays ([`crate::batch::Span::replay`]) marked
    /// replayed now (the others already were).
    pub replayed: Vec<i64>,
    /// Messages (indices into `Batch::spans`) the database refused, dead-lettered whole as
    /// `database_refused` instead of being stored; set by the store task.
    pub refused: Vec<usize>,
}

/// The batch's statements, prepared once per connection.
struct Statements {
    readings: Statement,
    /// Per rollup level, in the order of [`LEVELS`].
    flows: Vec<Statement>,
    fills: Vec<Statement>,
    rejects: Statement,
    inbox: Statement,
    weighings: Statement,
}

/// The batch writer: one connection, reopened after any failure.
pub struct Writer {
    connector: Connector,
    conn: Option<(Db, Statements)>,
}

/// PostgreSQL text cannot hold NUL; dead-letter strings come from untrusted input.
fn clean(s: &str) -> String {
    s.replace('\0', "\u{FFFD}")
}

impl Writer {
    pub fn new(connector: Connector) -> Self {
        Writer { connector, conn: None }
    }

    /// Whether a connection is open (it may still have died since).
    pub fn is_connected(&self) -> bool {
        self.conn.is_some()
    }

    /// Closes the connection, if open, and waits until the server knows.
    pub async fn close(&mut self) {
        if let Some((db, _)) = self.conn.take() {
            db.close().await;
        }
    }

    /// Opens the connection if needed.
    pub async fn ensure_connected(&mut self) -> Result<(), StoreError> {
        if self.conn.is_none() {
            let db = self.connector.connect().await?;
            let limit = self.connector.settings().statement_timeout;
            let c = &db.client;
            let mut flows = Vec::new();
            let mut fills = Vec::new();
            for level in LEVELS {
                flows.push(timed(limit, c.prepare(&upsert_flows(level))).await?);
                fills.push(timed(limit, c.prepare(&upsert_fills(level))).await?);
            }
            let statements = Statements {
                readings: timed(limit, c.prepare(INSERT_READINGS)).await?,
                flows,
                fills,
                rejects: timed(limit, c.prepare(INSERT_REJECTS)).await?,
                inbox: timed(limit, c.prepare(INSERT_INBOX)).await?,
                weighings: timed(limit, c.prepare(INSERT_WEIGHINGS)).await?,
            };
            self.conn = Some((db, statements));
        }
        Ok(())
    }

    /// Checks the database answers (opening the connection if needed); drops the connection
    /// if it does not.
    pub async fn ping(&mut self) -> bool {
        if self.ensure_connected().await.is_err() {
            return false;
        }
        let limit = self.connector.settings().statement_timeout;
        let ok = match self.conn.as_ref() {
            Some((db, _)) => timed(limit, db.client.simple_query("SELECT 1")).await.is_ok(),
            None => false,
        };
        if !ok {
            self.conn = None;
        }
        ok
    }

    /// The settings it connects with.
    pub fn settings(&self) -> &crate::config::DatabaseSettings {
        self.connector.settings()
    }

    /// Writes a batch in one transaction. On an error the transaction is rolled back: on a
    /// refusal of the data the connection is kept (the dropped transaction sends ROLLBACK
    /// first), on any other error it is dropped (so the server rolls back).
    pub async fn write(&mut self, batch: &Batch) -> Result<BatchOutcome, StoreError> {
        self.ensure_connected().await?;
        let result = self.write_once(batch).await;
        if result.as_ref().is_err_and(|e| !e.is_refusal()) {
            self.conn = None;
        }
        result
    }

    async fn write_once(&mut self, batch: &Batch) -> Result<BatchOutcome, StoreError> {
        let limit = self.connector.settings().statement_timeout;
        let Some((db, st)) = self.conn.as_mut() else {
            return Err(StoreError::Timeout(limit));
        };
        let tx = timed(limit, db.client.transaction()).await?;

        let stored = insert_readings(&tx, st, batch, limit).await?;
        // Everything of the batch not inserted now was already stored (or twice in the batch).
        let duplicates = batch.readings.len() - stored.len();

        // Rollup deltas from the rows actually inserted.
        let deltas = Deltas::of(stored.iter().map(|&i| &batch.readings[i]));
        let (gateways, frames) = inbox_rows(batch, &stored);
        let replays: Vec<i64> = batch.spans.iter().filter_map(|s| s.replay).collect();
        // The rest of the transaction depends on nothing but what the insert returned: every
        // statement is sent at once, pipelined on the connection (one round trip instead of
        // one each), and the answers come back in the order they were sent. After an error
        // the server refuses the statements behind it as the transaction is aborted: the
        // first error in that order is the one returned.
        let inbox = async {
            if !gateways.is_empty() {
                tx.execute(&st.inbox, &[&gateways, &frames]).await?;
            }
            Ok(())
        };
        let replayed = async {
            if replays.is_empty() {
                return Ok(Vec::new());
            }
            let rows = tx.query(MARK_REPLAYED, &[&replays]).await?;
            rows.iter().map(|row| column(row, "id")).collect::<Result<Vec<i64>, _>>()
        };
        let weighings = insert_weighings(&tx, st, batch, &stored);
        let rest = async {
            futures_util::join!(
                write_deltas(&tx, st, &deltas),
                inbox,
                weighings,
                insert_rejects(&tx, st, batch),
                replayed
            )
        };
        let (rollups, inbox, weighings, rejected, replayed) =
            tokio::time::timeout(limit, rest).await.map_err(|_| StoreError::Timeout(limit))?;
        rollups?;
        inbox.map_err(StoreError::Db)?;
        weighings.map_err(StoreError::Db)?;
        let rejected_reasons = rejected?;
        let replayed = replayed?;
        timed(limit, tx.commit()).await?;
        Ok(BatchOutcome { stored, duplicates, rejected_reasons, replayed, refused: Vec::new() })
    }
}

/// Inserts the batch's readings, each natural key once; returns the indexes (in the batch)
/// of those inserted now, the others being already stored.
async fn insert_readings(
    tx: &tokio_postgres::Transaction<'_>,
    st: &Statements,
    batch: &Batch,
    limit: Duration,
) -> Result<Vec<usize>, StoreError> {
    // Sorted keys: two transactions in flight that share keys wait on each other in the
    // same order instead of deadlocking. A key twice in the batch is sent once, as its first
    // reading in the batch (equal keys sort by index; the first of each run is kept).
    let mut unique: Vec<usize> = (0..batch.readings.len()).collect();
    unique.sort_unstable_by_key(|&i| (batch.readings[i].key(), i));
    unique.dedup_by_key(|i| batch.readings[*i].key());
    if unique.is_empty() {
        return Ok(Vec::new());
    }
    let rs = unique.iter().map(|&i| &batch.readings[i]);
    let sensor: Vec<i32> = rs.clone().map(|r| r.sensor_id).collect();
    let kind: Vec<i16> = rs.clone().map(|r| r.kind.number()).collect();
    let t: Vec<Timestamp> = rs.clone().map(|r| r.ts).collect();
    let value: Vec<i64> = rs.clone().map(|r| r.value_milli).collect();
    let attribution: Vec<i32> = rs.clone().map(|r| r.attribution).collect();
    // The counter's 32 bits in a signed column (docs/storage.md).
    let seq: Vec<i32> = rs.map(|r| i32::from_ne_bytes(r.frame_seq.to_ne_bytes())).collect();
    let params: [&(dyn ToSql + Sync); 6] = [&sensor, &kind, &t, &value, &attribution, &seq];
    // The keys returned, read as they arrive: a batch's rows held as `Row`s took about 100
    // bytes each (1.7 MB for a batch of the largest frames), their keys take 16.
    let returned = async {
        let rows = tx.query_raw(&st.readings, params).await.map_err(StoreError::Db)?;
        let mut rows = std::pin::pin!(rows);
        let mut keys = Vec::with_capacity(unique.len());
        while let Some(row) = rows.try_next().await.map_err(StoreError::Db)? {
            let key: (i32, i16, Timestamp) = (column(&row, "sensor_id")?, column(&row, "kind")?, column(&row, "ts")?);
            keys.push(key);
        }
        Ok::<_, StoreError>(keys)
    };
    let keys = tokio::time::timeout(limit, returned).await.map_err(|_| StoreError::Timeout(limit))??;
    if keys.len() == unique.len() {
        return Ok(unique);
    }
    let index: HashMap<(i32, MeasurementKind, Timestamp), usize> =
        unique.iter().map(|&i| (batch.readings[i].key(), i)).collect();
    let mut stored = Vec::with_capacity(keys.len());
    for (sensor, number, ts) in keys {
        // Only this batch's own keys come back, so the kind is one it sent.
        let Some(kind) = MeasurementKind::from_number(number) else { continue };
        stored.extend(index.get(&(sensor, kind, ts)).copied());
    }
    Ok(stored)
}

/// Inserts the weighings (net-mass readings) among the readings stored now into `weighings`.
async fn insert_weighings(
    tx: &tokio_postgres::Transaction<'_>,
    st: &Statements,
    batch: &Batch,
    stored: &[usize],
) -> Result<(), tokio_postgres::Error> {
    let weighed: Vec<&crate::wire::ValidReading> =
        stored.iter().map(|&i| &batch.readings[i]).filter(|r| r.kind == MeasurementKind::NetMassKg).collect();
    if weighed.is_empty() {
        return Ok(());
    }
    let sensor: Vec<i32> = weighed.iter().map(|r| r.sensor_id).collect();
    let t: Vec<Timestamp> = weighed.iter().map(|r| r.ts).collect();
    let value: Vec<i64> = weighed.iter().map(|r| r.value_milli).collect();
    let attribution: Vec<i32> = weighed.iter().map(|r| r.attribution).collect();
    tx.execute(&st.weighings, &[&sensor, &t, &value, &attribution]).await.map(|_| ())
}

/// Inserts the batch's rejections as dead letters; returns the reasons of those inserted now.
async fn insert_rejects(
    tx: &tokio_postgres::Transaction<'_>,
    st: &Statements,
    batch: &Batch,
) -> Result<Vec<RejectReason>, StoreError> {
    if batch.rejects.is_empty() {
        return Ok(Vec::new());
    }
    let r = &batch.rejects;
    let at: Vec<Timestamp> = batch.spans.iter().flat_map(|s| s.rejects.clone().map(|_| s.received)).collect();
    let topic: Vec<String> = r.iter().map(|x| clean(&x.topic)).collect();
    let gw: Vec<Option<String>> = r.iter().map(|x| x.gateway.as_deref().map(clean)).collect();
    let co: Vec<Option<String>> = r.iter().map(|x| x.company.as_deref().map(clean)).collect();
    let reason: Vec<&str> = r.iter().map(|x| x.reason.code()).collect();
    let detail: Vec<String> = r.iter().map(|x| clean(&x.detail)).collect();
    let index: Vec<i32> = r.iter().map(|x| x.reading_index).collect();
    let payload: Vec<&[u8]> = r.iter().map(|x| &x.payload[..]).collect();
    // Every rejection of a message shares the hash of the whole message as received.
    let identity: Vec<Vec<u8>> = batch
        .spans
        .iter()
        .flat_map(|s| {
            let id = message_sha256(&s.topic, &s.payload);
            s.rejects.clone().map(move |_| id.clone())
        })
        .collect();
    let rows = tx
        .query(&st.rejects, &[&at, &topic, &gw, &co, &reason, &detail, &index, &payload, &identity])
        .await
        .map_err(StoreError::Db)?;
    let mut reasons = Vec::new();
    for row in &rows {
        let code: &str = column(row, "reason")?;
        // Only this batch's own reasons come back.
        reasons.extend(RejectReason::from_code(code));
    }
    Ok(reasons)
}

/// The live inbox's rows of a batch: per gateway, its decoded frames in arrival order, each
/// with the readings stored now.
fn inbox_rows<'a>(batch: &'a Batch, stored: &[usize]) -> (Vec<&'a str>, Vec<Vec<u8>>) {
    let mut now_stored = vec![false; batch.readings.len()];
    for &i in stored {
        now_stored[i] = true;
    }
    let mut per_gateway: BTreeMap<&str, Vec<InboxFrame>> = BTreeMap::new();
    for span in &batch.spans {
        let Some(mark) = &span.frame else { continue };
        let readings = span
            .readings
            .clone()
            .filter(|&i| now_stored[i])
            .map(|i| {
                let r = &batch.readings[i];
                InboxReading {
                    attribution: r.attribution,
                    kind: r.kind.number(),
                    offset_ms: r.ts.as_millis() - mark.base.as_millis(),
                    value_milli: r.value_milli,
                }
            })
            .collect();
        per_gateway.entry(&mark.gateway).or_default().push(InboxFrame { seq: mark.seq, base: mark.base, readings });
    }
    per_gateway.into_iter().map(|(g, frames)| (g, encode_frames(&frames))).unzip()
}

/// The upserts of every level's deltas, sent at once (pipelined) and answered in that order;
/// the first error, if any.
async fn write_deltas(tx: &tokio_postgres::Transaction<'_>, st: &Statements, d: &Deltas) -> Result<(), StoreError> {
    struct Flows {
        bucket: Vec<Timestamp>,
        classification: Vec<i32>,
        mass: Vec<i64>,
        n: Vec<i64>,
    }
    struct Fills<'a> {
        bucket: Vec<Timestamp>,
        container: Vec<&'a str>,
        company: Vec<&'a str>,
        min: Vec<Option<i64>>,
        max: Vec<Option<i64>>,
        sum: Vec<i64>,
        count: Vec<i64>,
        emptied: Vec<i64>,
    }
    let flows: Vec<(usize, Flows)> = d
        .flows
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.is_empty())
        .map(|(i, f)| {
            let p = Flows {
                bucket: f.keys().map(|k| k.bucket).collect(),
                classification: f.keys().map(|k| k.classification).collect(),
                mass: f.values().map(|v| v.mass_g).collect(),
                n: f.values().map(|v| v.weighings).collect(),
            };
            (i, p)
        })
        .collect();
    let fills: Vec<(usize, Fills)> = d
        .fills
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.is_empty())
        .map(|(i, f)| {
            let p = Fills {
                bucket: f.keys().map(|k| k.bucket).collect(),
                container: f.keys().map(|k| &*k.container).collect(),
                company: f.keys().map(|k| &*k.company).collect(),
                min: f.values().map(|v| (v.fill_count > 0).then_some(v.fill_min)).collect(),
                max: f.values().map(|v| (v.fill_count > 0).then_some(v.fill_max)).collect(),
                sum: f.values().map(|v| v.fill_sum).collect(),
                count: f.values().map(|v| v.fill_count).collect(),
                emptied: f.values().map(|v| v.emptied).collect(),
            };
            (i, p)
        })
        .collect();
    // Level by level, flows then fills, as before pipelining: the order locks are taken in
    // is the same for every writer (and for older versions writing beside this one).
    let mut upserts = Vec::with_capacity(flows.len() + fills.len());
    for level in 0..LEVELS.len() {
        for (_, p) in flows.iter().filter(|(i, _)| *i == level) {
            let params: Vec<&(dyn ToSql + Sync)> = vec![&p.bucket, &p.classification, &p.mass, &p.n];
            upserts.push(tx.execute_raw(&st.flows[level], params));
        }
        for (_, p) in fills.iter().filter(|(i, _)| *i == level) {
            let params: Vec<&(dyn ToSql + Sync)> =
                vec![&p.bucket, &p.container, &p.company, &p.min, &p.max, &p.sum, &p.count, &p.emptied];
            upserts.push(tx.execute_raw(&st.fills[level], params));
        }
    }
    let answers = futures_util::future::join_all(upserts).await;
    answers.into_iter().try_for_each(|r| r.map(|_| ())).map_err(StoreError::Db)
}
