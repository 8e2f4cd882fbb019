//! Reading dead letters back (`wasteflow dead-letters`): selected by a filter, one page at a
//! time. Marking them replayed is the writer's, in the transaction that stores their readings.

use super::error::{column, timed, StoreError};
use crate::calendar::Timestamp;
use crate::wire::{RejectReason, ValidReading};
use bytes::Bytes;
use std::time::Duration;
use tokio_postgres::{Client, Row};

/// Whether a dead letter has been replayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReplayState {
    /// Not replayed yet (still refused, or never tried).
    #[default]
    Pending,
    /// Stored by a replay.
    Replayed,
    /// Both.
    Any,
}

/// Which dead letters: every set field must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeadLetterFilter {
    /// Any of these reasons (every reason when empty).
    pub reasons: Vec<RejectReason>,
    pub gateway: Option<String>,
    pub company: Option<String>,
    /// `received_at >= since`.
    pub since: Option<Timestamp>,
    /// `received_at < until`.
    pub until: Option<Timestamp>,
    pub state: ReplayState,
}

/// One row of `rejected_messages`.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    pub id: i64,
    /// `received_at`.
    pub received: Timestamp,
    pub topic: String,
    pub gateway: Option<String>,
    pub company: Option<String>,
    /// The reason code as stored.
    pub reason: String,
    pub detail: String,
    pub reading_index: i32,
    pub payload: Bytes,
    /// `replayed_at`.
    pub replayed: Option<Timestamp>,
}

const COLUMNS: &str =
    "id, received_at, topic, gateway_id, company_id, reason, detail, reading_index, payload, replayed_at";

/// `$1` after this id, `$2` up to this id, `$3` page size, then the filter's `$4`..`$9`.
const SELECT_PAGE: &str = "
WHERE id > $1 AND id <= $2
  AND (cardinality($4::text[]) = 0 OR reason = ANY($4))
  AND ($5::text IS NULL OR gateway_id = $5)
  AND ($6::text IS NULL OR company_id = $6)
  AND ($7::timestamptz IS NULL OR received_at >= $7)
  AND ($8::timestamptz IS NULL OR received_at < $8)
  AND ($9::boolean IS NULL OR (replayed_at IS NOT NULL) = $9)
ORDER BY id LIMIT $3";

fn row_to_letter(row: &Row) -> Result<DeadLetter, StoreError> {
    Ok(DeadLetter {
        id: column(row, "id")?,
        received: column(row, "received_at")?,
        topic: column(row, "topic")?,
        gateway: column(row, "gateway_id")?,
        company: column(row, "company_id")?,
        reason: column(row, "reason")?,
        detail: column(row, "detail")?,
        reading_index: column(row, "reading_index")?,
        payload: Bytes::from(column::<Vec<u8>>(row, "payload")?),
        replayed: column(row, "replayed_at")?,
    })
}

/// The dead letters matching `filter` with `after < id <= up_to`, in id order, at most `limit`.
pub async fn dead_letters_page(
    client: &Client,
    filter: &DeadLetterFilter,
    after: i64,
    up_to: i64,
    limit: i64,
    timeout: Duration,
) -> Result<Vec<DeadLetter>, StoreError> {
    let reasons: Vec<&str> = filter.reasons.iter().map(|r| r.code()).collect();
    let replayed = match filter.state {
        ReplayState::Pending => Some(false),
        ReplayState::Replayed => Some(true),
        ReplayState::Any => None,
    };
    let sql = format!("SELECT {COLUMNS} FROM rejected_messages {SELECT_PAGE}");
    let rows = timed(
        timeout,
        client.query(
            &sql,
            &[
                &after,
                &up_to,
                &limit,
                &reasons,
                &filter.gateway,
                &filter.company,
                &filter.since,
                &filter.until,
                &replayed,
            ],
        ),
    )
    .await?;
    rows.iter().map(row_to_letter).collect()
}

/// The highest dead-letter id now (0 when there is none): a replay goes no further, so the
/// dead letters it writes itself are not replayed in the same run.
pub async fn last_dead_letter_id(client: &Client, timeout: Duration) -> Result<i64, StoreError> {
    let row = timed(timeout, client.query_one("SELECT coalesce(max(id), 0) AS id FROM rejected_messages", &[])).await?;
    column(&row, "id")
}

/// One dead letter by id.
pub async fn dead_letter(client: &Client, id: i64, timeout: Duration) -> Result<Option<DeadLetter>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM rejected_messages WHERE id = $1");
    let row = timed(timeout, client.query_opt(&sql, &[&id])).await?;
    row.as_ref().map(row_to_letter).transpose()
}

/// How many of `readings` are already in `readings` (by natural key): what a dry run reports
/// as duplicates.
pub async fn count_stored(client: &Client, readings: &[ValidReading], timeout: Duration) -> Result<i64, StoreError> {
    if readings.is_empty() {
        return Ok(0);
    }
    let sensor: Vec<i32> = readings.iter().map(|r| r.sensor_id).collect();
    let kind: Vec<i16> = readings.iter().map(|r| r.kind.number()).collect();
    let ts: Vec<Timestamp> = readings.iter().map(|r| r.ts).collect();
    let row = timed(
        timeout,
        client.query_one(
            "SELECT count(*) AS n FROM UNNEST($1::int4[], $2::int2[], $3::timestamptz[]) AS k(s, kd, t)
             WHERE EXISTS (SELECT 1 FROM readings r WHERE r.sensor_id = k.s AND r.kind = k.kd AND r.ts = k.t)",
            &[&sensor, &kind, &ts],
        ),
    )
    .await?;
    column(&row, "n")
}
