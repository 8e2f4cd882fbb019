//! A batch the database refuses as data: find the refusing messages by halving the batch,
//! commit the rest, dead-letter each refusing message whole.
//!
//! "Refused" (SQLSTATE class 22 or 23: a CHECK constraint, a numeric overflow, ...) is kept
//! apart from "unavailable": the database answered, so it is up, and retrying the same rows
//! cannot help. An unavailable database is retried with backoff, whatever step it happens at.

use super::error::Refusal;
use super::writer::{BatchOutcome, Writer};
use crate::backoff::Backoff;
use crate::batch::{Batch, Span};
use crate::health::Health;
use crate::metrics as m;
use crate::wire::{RejectReason, Rejection, WHOLE_MESSAGE};
use std::collections::VecDeque;

/// Writes `batch`, retrying with backoff while the database is unavailable. Returns what the
/// server said if it refused the data.
pub async fn write_or_refused(
    writer: &mut Writer,
    batch: &Batch,
    backoff: &mut Backoff,
    health: &Health,
) -> Result<BatchOutcome, Refusal> {
    loop {
        match writer.write(batch).await {
            Ok(outcome) => {
                database_up(health, true);
                backoff.reset();
                return Ok(outcome);
            }
            Err(e) => match e.refusal() {
                Some(refusal) => {
                    // The database answered: it is up; the data is what it will not take.
                    database_up(health, true);
                    m::batch_failed("refused");
                    m::database_refusal(refusal.class());
                    return Err(refusal);
                }
                None => {
                    database_up(health, false);
                    m::batch_failed("unavailable");
                    let delay = backoff.next_delay();
                    tracing::warn!(error = %e, messages = batch.messages(), ?delay, "batch not committed; retrying");
                    tokio::time::sleep(delay).await;
                }
            },
        }
    }
}

/// What the last database call said, for the metric and for `/readyz`.
pub fn database_up(health: &Health, up: bool) {
    m::database_up(up);
    health.database_up(up);
}

/// After the database refused `batch` (with `first`): halves it between messages, without
/// backoff, committing every part it accepts, until each refusing message is alone; then
/// dead-letters each of them whole as `database_refused`. Returns the outcome of the whole
/// batch (indices into `batch`); nothing is acked before the caller sends the batch's acks.
pub async fn bisect(
    writer: &mut Writer,
    batch: &Batch,
    first: Refusal,
    backoff: &mut Backoff,
    health: &Health,
) -> BatchOutcome {
    let n = batch.messages();
    let mut outcome = BatchOutcome::default();
    let mut refused: Vec<(usize, Refusal)> = Vec::new();
    let mut todo = VecDeque::new();
    if n == 1 {
        refused.push((0, first));
    } else {
        todo.extend([0..n / 2, n / 2..n]);
    }
    let mut steps = 1;
    while let Some(range) = todo.pop_front() {
        steps += 1;
        let part = batch.slice(range.clone());
        match write_or_refused(writer, &part, backoff, health).await {
            Ok(o) => {
                let offset = batch.spans[range.start].readings.start;
                outcome.stored.extend(o.stored.iter().map(|i| i + offset));
                outcome.duplicates += o.duplicates;
                outcome.rejected_reasons.extend(o.rejected_reasons);
            }
            Err(refusal) if range.len() == 1 => refused.push((range.start, refusal)),
            Err(_) => {
                let mid = range.start + range.len() / 2;
                todo.push_front(mid..range.end);
                todo.push_front(range.start..mid);
            }
        }
    }
    for (i, refusal) in &refused {
        let s = &batch.spans[*i];
        tracing::error!(
            sqlstate = %refusal.sqlstate,
            constraint = refusal.constraint.as_deref().unwrap_or(""),
            server_message = %refusal.message,
            topic = %s.topic.chars().take(256).collect::<String>(),
            bytes = s.payload.len(),
            "database refused a message; dead-lettering it whole as database_refused"
        );
    }
    tracing::info!(messages = n, refused = refused.len(), transactions = steps, "refused batch split");
    let letters = dead_letters(batch, &refused);
    outcome.rejected_reasons.extend(write_dead_letters(writer, &letters, backoff, health).await);
    outcome.refused = refused.into_iter().map(|(i, _)| i).collect();
    outcome
}

/// One `database_refused` dead letter per refused message, with its raw payload.
fn dead_letters(batch: &Batch, refused: &[(usize, Refusal)]) -> Batch {
    let mut letters = Batch::default();
    for (i, refusal) in refused {
        let s = &batch.spans[*i];
        let rejects = &batch.rejects[s.rejects.clone()];
        let whole = rejects.iter().find(|r| r.reading_index == WHOLE_MESSAGE);
        // Who sent it, as validation saw it.
        let (gateway, company) = match (batch.readings[s.readings.clone()].first(), rejects.first()) {
            (Some(r), _) => (Some(r.gateway.to_string()), Some(r.company.to_string())),
            (None, Some(r)) => (r.gateway.clone(), r.company.clone()),
            (None, None) => (None, None),
        };
        let rejection = Rejection {
            topic: s.topic.chars().take(256).collect(),
            gateway,
            company,
            reason: RejectReason::DatabaseRefused,
            detail: refusal.to_string(),
            // A message rejected whole already holds its payload within the size cap.
            payload: whole.map_or_else(|| s.payload.clone(), |r| r.payload.clone()),
            reading_index: WHOLE_MESSAGE,
        };
        let at = letters.rejects.len();
        letters.rejects.push(rejection);
        letters.spans.push(Span { readings: 0..0, rejects: at..at + 1, ..s.clone() });
    }
    letters
}

/// Writes the dead letters of refused messages, retrying with backoff until they commit: they
/// are the only trace of those messages, never dropped. Returns the reasons inserted now.
async fn write_dead_letters(
    writer: &mut Writer,
    letters: &Batch,
    backoff: &mut Backoff,
    health: &Health,
) -> Vec<RejectReason> {
    if letters.messages() == 0 {
        return vec![];
    }
    loop {
        match write_or_refused(writer, letters, backoff, health).await {
            Ok(o) => return o.rejected_reasons,
            Err(refusal) => {
                let delay = backoff.next_delay();
                tracing::error!(%refusal, messages = letters.messages(), ?delay,
                    "database refused the database_refused dead letters; retrying (nothing is acked)");
                tokio::time::sleep(delay).await;
            }
        }
    }
}
