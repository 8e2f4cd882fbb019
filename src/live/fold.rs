//! One fold of the live inbox into the shared live state, in one transaction, by whichever
//! instance holds the live lock; every instance reads the state back for its gauges.

use super::gateway_rows::{load_sequences, record_gaps, save_sequences};
use super::persist::{learn_attributions, load_states, save_states, seed, write_events};
use super::sequence::{Gap, GatewaySequence, SequenceParams};
use super::set_aside::{keep_fit, record, SetAside};
use super::tracker::{ContainerEvent, ZoneState};
use crate::calendar::Timestamp;
use crate::store::{column, timed, Db, StoreError};
use crate::wire::{decode_frames, InboxFrame};
use std::collections::BTreeMap;
use std::time::Duration;

/// The live lock (a transaction-level advisory lock): one fold at a time in the zone.
const FOLD_LOCK: i64 = 0x7766_6c69_7665_666c;

/// Inbox rows taken by one fold (one per gateway and committed batch): a fold stays short
/// and small in memory; when it took this many, the next one follows at once.
pub const INBOX_ROWS: i64 = 500;

/// Encoded frames taken by one fold, at most (and at least one row): a row holds a gateway's
/// readings of one batch, up to `batch.max_readings` and more, so 500 rows of the largest
/// frames are tens of megabytes encoded and several times that decoded. Decoded, a reading
/// takes 3 to 6 times its encoded bytes: 1 MiB keeps a fold's frames within a few MiB; a
/// backlog of one-reading frames still folds tens of thousands of frames at a time.
pub const INBOX_BYTES: i64 = 1024 * 1024;

const COUNT_INBOX: &str = "SELECT count(*) FROM live_inbox";

/// What one fold did (all empty when another instance held the live lock and this one only
/// read the state).
#[derive(Debug, Default)]
pub struct Folded {
    pub events: Vec<ContainerEvent>,
    pub gaps: Vec<(String, Gap)>,
    /// Per gateway: frames late or redelivered, counter restarts.
    pub late: Vec<(String, i64)>,
    pub restarts: Vec<(String, i64)>,
    /// Inbox rows left after this fold (a backlog when the fold cannot keep up).
    pub inbox_left: i64,
    /// The fold took as many rows as it may: more are waiting.
    pub more: bool,
    /// Frames it could not apply, set aside with their reason.
    pub set_aside: Vec<SetAside>,
}

/// Reads the shared state into `state`, and folds up to `take` inbox rows if no other instance
/// is folding.
pub async fn fold(
    db: &mut Db,
    state: &mut ZoneState,
    p: &SequenceParams,
    now: Timestamp,
    take: i64,
    limit: Duration,
) -> Result<Folded, StoreError> {
    let tx = timed(limit, db.client.transaction()).await?;
    let leader: bool = timed(limit, tx.query_one("SELECT pg_try_advisory_xact_lock($1)", &[&FOLD_LOCK])).await?.get(0);
    let without_row = load_states(&tx, state, limit).await?;
    if !leader {
        let inbox_left = timed(limit, tx.query_one(COUNT_INBOX, &[])).await?.get(0);
        timed(limit, tx.commit()).await?;
        return Ok(Folded { inbox_left, ..Folded::default() });
    }
    if !without_row.is_empty() {
        seed(&tx, state, &without_row, limit).await?;
    }
    let before = state.states.clone();

    let (taken, taken_bytes, mut incoming, mut set_aside) = take_inbox(&tx, take, limit).await?;
    let names: Vec<&str> = incoming.keys().map(String::as_str).collect();
    let mut sequences = load_sequences(&tx, &names, limit).await?;
    for name in incoming.keys() {
        sequences.entry(name.clone()).or_default();
    }
    recheck_held(&mut sequences, &mut set_aside);

    let more = taken as i64 >= take || taken_bytes >= INBOX_BYTES;
    let mut out = Folded { more, ..Folded::default() };
    for (gateway, seq) in &mut sequences {
        let frames = incoming.remove(gateway).unwrap_or_default();
        let released = seq.receive(frames, now, p);
        learn_attributions(&tx, state, &released.frames, limit).await?;
        out.events.extend(state.apply_frames(&released.frames, now));
        out.gaps.extend(released.gaps.into_iter().map(|g| (gateway.clone(), g)));
        if released.late > 0 {
            out.late.push((gateway.clone(), released.late));
        }
        if released.restarts > 0 {
            out.restarts.push((gateway.clone(), released.restarts));
        }
    }
    out.events.extend(state.sweep(now));

    let changed: Vec<String> = state
        .states
        .iter()
        .filter(|(id, s)| before.get(*id) != Some(s) || without_row.contains(id))
        .map(|(id, _)| id.clone())
        .collect();
    save_states(&tx, state, &changed, limit).await?;
    save_sequences(&tx, &sequences, limit).await?;
    record_gaps(&tx, &out.gaps, limit).await?;
    write_events(&tx, &out.events, limit).await?;
    record(&tx, &set_aside, limit).await?;
    out.set_aside = set_aside;
    out.inbox_left = timed(limit, tx.query_one(COUNT_INBOX, &[])).await?.get(0);
    timed(limit, tx.commit()).await?;
    Ok(out)
}

/// The oldest inbox rows, up to `take` of them and as long as the encoded frames before a row
/// stay below [`INBOX_BYTES`] (so at least one), taken out of the inbox in the fold's
/// transaction: how many, their encoded bytes, their frames by gateway, and what cannot be
/// applied (an undecodable row, a frame whose times PostgreSQL cannot hold), to be set aside.
async fn take_inbox(
    tx: &tokio_postgres::Transaction<'_>,
    take: i64,
    limit: Duration,
) -> Result<(usize, i64, BTreeMap<String, Vec<InboxFrame>>, Vec<SetAside>), StoreError> {
    // octet_length reads a stored value's size without decompressing it.
    let rows = timed(
        limit,
        tx.query(
            "DELETE FROM live_inbox WHERE id IN (
                 SELECT id FROM (
                     SELECT id, sum(octet_length(frames)) OVER (ORDER BY id) - octet_length(frames) AS before
                     FROM live_inbox ORDER BY id LIMIT $1
                 ) AS oldest WHERE before < $2
             ) RETURNING id, gateway_id, frames",
            &[&take, &INBOX_BYTES],
        ),
    )
    .await?;
    let mut set_aside = Vec::new();
    let mut incoming: BTreeMap<String, Vec<InboxFrame>> = BTreeMap::new();
    let mut taken_bytes = 0;
    for row in &rows {
        let id: i64 = column(row, "id")?;
        let gateway: String = column(row, "gateway_id")?;
        let bytes: Vec<u8> = column(row, "frames")?;
        taken_bytes += bytes.len() as i64;
        match decode_frames(&bytes) {
            Ok(frames) => {
                let (fit, aside) = keep_fit(&gateway, Some(id), frames);
                set_aside.extend(aside);
                incoming.entry(gateway).or_default().extend(fit);
            }
            Err(e) => {
                let reason = format!("undecodable inbox row: {e}");
                set_aside.push(SetAside { inbox_id: Some(id), gateway, frames: bytes, reason });
            }
        }
    }
    Ok((rows.len(), taken_bytes, incoming, set_aside))
}

/// Frames held behind a gap were checked when they came in, unless an older version held
/// them: those PostgreSQL cannot hold are set aside too.
fn recheck_held(sequences: &mut BTreeMap<String, GatewaySequence>, set_aside: &mut Vec<SetAside>) {
    for (gateway, seq) in sequences {
        let held = std::mem::take(&mut seq.held).into_values().collect();
        let (fit, aside) = keep_fit(gateway, None, held);
        seq.held = fit.into_iter().map(|f| (f.seq, f)).collect();
        if aside.is_some() && seq.held.is_empty() {
            seq.held_since = None;
        }
        set_aside.extend(aside);
    }
}
