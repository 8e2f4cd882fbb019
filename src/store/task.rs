//! The store task: commits each batch (retrying until it succeeds), then hands its acks back.

use super::writer::Writer;
use crate::backoff::Backoff;
use crate::batch::Batch;
use crate::metrics as m;
use crate::source::AckToken;
use crate::validate::ValidReading;
use std::time::Instant;
use tokio::sync::mpsc;

/// Commits batches in order; after each COMMIT sends the batch's acks to the source.
/// Returns when `input` is closed and drained. A batch is never dropped: on failure it is
/// retried with backoff (consumption pauses meanwhile, since the batcher waits on us).
pub async fn run_store(
    mut input: mpsc::Receiver<Batch>,
    mut writer: Writer,
    acks: mpsc::UnboundedSender<Vec<AckToken>>,
    live: Option<mpsc::Sender<Vec<ValidReading>>>,
    mut backoff: Backoff,
) {
    while let Some(batch) = input.recv().await {
        let started = Instant::now();
        let outcome = loop {
            match writer.write(&batch).await {
                Ok(outcome) => {
                    m::database_up(true);
                    backoff.reset();
                    break outcome;
                }
                Err(e) => {
                    m::database_up(false);
                    m::batch_failed(if e.is_refusal() { "refused" } else { "unavailable" });
                    let delay = backoff.next_delay();
                    if e.is_refusal() {
                        tracing::error!(error = %e, messages = batch.messages(), ?delay, "database refused a batch; retrying (nothing is acked)");
                    } else {
                        tracing::warn!(error = %e, messages = batch.messages(), ?delay, "batch not committed; retrying");
                    }
                    tokio::time::sleep(delay).await;
                }
            }
        };
        let now_ms = crate::clock::now_ms();
        m::batch_committed(started.elapsed(), &outcome, &batch, now_ms);
        if let Some(live) = &live {
            // Live state is derived: it waits for room (cheap, in memory) rather than miss a reading.
            let stored: Vec<ValidReading> = outcome.stored.iter().map(|&i| batch.readings[i].clone()).collect();
            if !stored.is_empty() && live.send(stored).await.is_err() {
                tracing::warn!("live stage is gone");
            }
        }
        if acks.send(batch.acks).is_err() {
            tracing::warn!(
                "source is gone; acks of a committed batch not sent (they will be redelivered and deduplicated)"
            );
        }
    }
}
