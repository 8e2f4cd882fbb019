//! The store task: commits batches on several connections at once, retrying each until it
//! succeeds (a refused batch is split, see `bisect`), and hands their acks back in arrival order.

use super::bisect::{bisect, database_up, write_or_refused};
use super::writer::{BatchOutcome, Writer};
use crate::backoff::Backoff;
use crate::batch::Batch;
use crate::calendar::Timestamp;
use crate::health::Health;
use crate::metrics as m;
use crate::source::AckToken;
use crate::wire::RejectReason;
use futures_util::stream::{FuturesOrdered, StreamExt};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How often an idle store checks that the database still answers (for `/readyz`).
const PROBE_EVERY: Duration = Duration::from_secs(5);

/// Commits batches, up to one per writer at a time. Results are taken in the order the
/// batches arrived, whatever order their transactions commit in: a batch's acks and its
/// metrics leave only after its own COMMIT and after every earlier batch's.
/// Returns when `input` is closed and everything in flight has committed. A batch is never
/// dropped: when the database is unavailable it is retried with backoff, and the input waits
/// meanwhile once every writer is busy; when it refuses the data, the refusing messages are
/// dead-lettered and the rest committed.
///
/// Two transactions in flight may touch the same rows (a reading delivered twice, the same
/// rollup bucket): the writer inserts keys in sorted order so that they wait on each other
/// instead of deadlocking, and the unique keys keep every reading stored once.
pub async fn run_store(
    mut input: mpsc::Receiver<Batch>,
    writers: Vec<Writer>,
    acks: mpsc::UnboundedSender<Vec<AckToken>>,
    backoff: Backoff,
    health: Health,
) {
    assert!(!writers.is_empty(), "run_store needs at least one writer");
    let mut idle = writers;
    let mut in_flight = FuturesOrdered::new();
    let mut open = true;
    let mut probe = tokio::time::interval_at(tokio::time::Instant::now() + PROBE_EVERY, PROBE_EVERY);
    probe.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Liveness: beaten at every turn and every `beat.every()` while batches commit or retry
    // with backoff; a wait inside an arm (a probe) beats too.
    let beat = health.heartbeat("store");
    let mut ticker = beat.ticker();
    loop {
        beat.beat();
        beat.wedge_point().await;
        tokio::select! {
            // Results first: frees a writer and releases acks as early as possible.
            biased;
            Some((writer, batch, outcome, started)) = in_flight.next() => {
                idle.push(writer);
                finish(batch, outcome, started, &acks, &health);
            }
            next = input.recv(), if open && !idle.is_empty() => match next {
                Some(batch) => {
                    let writer = idle.pop().expect("a writer is idle");
                    in_flight.push_back(commit(writer, batch, backoff.clone(), health.clone()));
                }
                None => open = false,
            },
            // Idle: nothing would notice the database going away; ask it.
            _ = probe.tick(), if open && in_flight.is_empty() => {
                database_up(&health, beat.wait(idle[0].ping()).await);
            }
            _ = ticker.tick(), if open || !in_flight.is_empty() => {}
            else => break,
        }
    }
    for mut writer in idle {
        writer.close().await;
    }
}

/// Writes one batch, retrying until it commits; a batch the database refuses as data is split
/// until the refusing messages are found and dead-lettered ([`bisect`]).
async fn commit(
    mut writer: Writer,
    batch: Batch,
    mut backoff: Backoff,
    health: Health,
) -> (Writer, Batch, BatchOutcome, Instant) {
    let started = Instant::now();
    let outcome = match write_or_refused(&mut writer, &batch, &mut backoff, &health).await {
        Ok(outcome) => outcome,
        Err(refusal) => {
            tracing::error!(
                sqlstate = %refusal.sqlstate,
                constraint = refusal.constraint.as_deref().unwrap_or(""),
                server_message = %refusal.message,
                messages = batch.messages(),
                "database refused a batch; splitting it to find the refusing messages"
            );
            bisect(&mut writer, &batch, refusal, &mut backoff, &health).await
        }
    };
    (writer, batch, outcome, started)
}

/// After a batch committed (and every batch before it): metrics, health, acks. The live stage
/// needs nothing from here: the batch's transaction wrote its frames to the live inbox.
fn finish(
    batch: Batch,
    outcome: BatchOutcome,
    started: Instant,
    acks: &mpsc::UnboundedSender<Vec<AckToken>>,
    health: &Health,
) {
    let now = Timestamp::now();
    m::batch_committed(
        started.elapsed(),
        outcome.stored.len(),
        outcome.duplicates,
        outcome.rejected_reasons.iter().copied(),
        outcome.stored.iter().map(|&i| now - batch.readings[i].ts),
        batch.spans.iter().map(|s| now - s.received),
    );
    count_deliveries(&batch, &outcome);
    health.committed(batch.messages(), health.elapsed());
    if acks.send(batch.acks()).is_err() {
        tracing::warn!(
            "source is gone; acks of a committed batch not sent (they will be redelivered and deduplicated)"
        );
    }
}

/// One outcome per delivery, and every rejection by reason (new dead letter or not).
fn count_deliveries(batch: &Batch, outcome: &BatchOutcome) {
    let mut stored = vec![false; batch.readings.len()];
    for &i in &outcome.stored {
        stored[i] = true;
    }
    let refused = |k: usize| outcome.refused.contains(&k);
    let outcomes = batch.spans.iter().enumerate().map(|(k, s)| {
        if refused(k) {
            return m::DeliveryOutcome::DeadLettered;
        }
        let new = s.readings.clone().filter(|&i| stored[i]).count();
        m::DeliveryOutcome::of(new, s.readings.len() - new, s.rejects.len())
    });
    let rejections = batch.spans.iter().enumerate().flat_map(|(k, s)| {
        let own = if refused(k) { 0..0 } else { s.rejects.clone() };
        let refusal = refused(k).then_some(RejectReason::DatabaseRefused);
        batch.rejects[own].iter().map(|r| r.reason).chain(refusal)
    });
    m::deliveries(outcomes, rejections);
}
