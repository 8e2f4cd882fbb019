//! Each gateway's frame counter in `gateway_sequence`, and the gaps declared in `frame_gaps`.

use super::sequence::{Gap, GatewaySequence};
use crate::calendar::Timestamp;
use crate::store::{column, timed, StoreError};
use crate::wire::{decode_frames, encode_frames};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio_postgres::GenericClient;

/// The counters of `gateways` and of every gateway holding frames (a gap's wait runs out even
/// when nothing new arrives).
pub async fn load_sequences(
    db: &impl GenericClient,
    gateways: &[&str],
    limit: Duration,
) -> Result<BTreeMap<String, GatewaySequence>, StoreError> {
    let rows = timed(
        limit,
        db.query(
            "SELECT gateway_id, next_seq, (extract(epoch FROM last_frame_at) * 1000)::int8 AS last_frame_ms, pending,
                    (extract(epoch FROM pending_since) * 1000)::int8 AS pending_since_ms,
                    frames_received, frames_missing, frames_late, restarts
             FROM gateway_sequence WHERE gateway_id = ANY($1) OR pending_frames > 0",
            &[&gateways],
        ),
    )
    .await?;
    let mut out = BTreeMap::new();
    for row in &rows {
        let id: String = column(row, "gateway_id")?;
        let held = decode_frames(column(row, "pending")?).unwrap_or_else(|e| {
            tracing::error!(gateway = %id, error = %e, "frames held for a gateway are unreadable; dropped");
            Vec::new()
        });
        let next: Option<i64> = column(row, "next_seq")?;
        let seq = GatewaySequence {
            next: next.and_then(|n| u32::try_from(n).ok()),
            last_frame: column::<Option<i64>>(row, "last_frame_ms")?.map(Timestamp::from_millis),
            held: held.into_iter().map(|f| (f.seq, f)).collect(),
            held_since: column::<Option<i64>>(row, "pending_since_ms")?.map(Timestamp::from_millis),
            received: column(row, "frames_received")?,
            missing: column(row, "frames_missing")?,
            late: column(row, "frames_late")?,
            restarts: column(row, "restarts")?,
        };
        out.insert(id, seq);
    }
    Ok(out)
}

/// Writes the counters of `gateways`.
pub async fn save_sequences(
    db: &impl GenericClient,
    gateways: &BTreeMap<String, GatewaySequence>,
    limit: Duration,
) -> Result<(), StoreError> {
    if gateways.is_empty() {
        return Ok(());
    }
    let id: Vec<&str> = gateways.keys().map(String::as_str).collect();
    let g = || gateways.values();
    let next: Vec<Option<i64>> = g().map(|s| s.next.map(i64::from)).collect();
    let last: Vec<Option<Timestamp>> = g().map(|s| s.last_frame).collect();
    let pending: Vec<Vec<u8>> = g().map(|s| encode_frames(&s.held.values().cloned().collect::<Vec<_>>())).collect();
    let held: Vec<i32> = g().map(|s| i32::try_from(s.held.len()).unwrap_or(i32::MAX)).collect();
    let since: Vec<Option<Timestamp>> = g().map(|s| s.held_since).collect();
    let received: Vec<i64> = g().map(|s| s.received).collect();
    let missing: Vec<i64> = g().map(|s| s.missing).collect();
    let late: Vec<i64> = g().map(|s| s.late).collect();
    let restarts: Vec<i64> = g().map(|s| s.restarts).collect();
    timed(
        limit,
        db.execute(
            "INSERT INTO gateway_sequence AS t (gateway_id, next_seq, last_frame_at, pending, pending_frames, pending_since,
                 frames_received, frames_missing, frames_late, restarts, updated_at)
             SELECT *, now() FROM UNNEST($1::text[], $2::int8[], $3::timestamptz[], $4::bytea[], $5::int4[],
                 $6::timestamptz[], $7::int8[], $8::int8[], $9::int8[], $10::int8[])
             ON CONFLICT (gateway_id) DO UPDATE SET next_seq = EXCLUDED.next_seq, last_frame_at = EXCLUDED.last_frame_at,
                 pending = EXCLUDED.pending, pending_frames = EXCLUDED.pending_frames, pending_since = EXCLUDED.pending_since,
                 frames_received = EXCLUDED.frames_received, frames_missing = EXCLUDED.frames_missing,
                 frames_late = EXCLUDED.frames_late, restarts = EXCLUDED.restarts, updated_at = now()",
            &[&id, &next, &last, &pending, &held, &since, &received, &missing, &late, &restarts],
        ),
    )
    .await?;
    Ok(())
}

/// Records the gaps declared.
pub async fn record_gaps(db: &impl GenericClient, gaps: &[(String, Gap)], limit: Duration) -> Result<(), StoreError> {
    for (gateway, gap) in gaps {
        timed(
            limit,
            db.execute(
                "INSERT INTO frame_gaps (gateway_id, first_seq, last_seq, missing, after_frame_at, before_frame_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[gateway, &i64::from(gap.first_seq), &i64::from(gap.last_seq), &gap.missing, &gap.after, &gap.before],
            ),
        )
        .await?;
    }
    Ok(())
}
