//! A batch the database refuses as data: find the refusing messages by halving the batch,
//! commit the rest, dead-letter each refusing message whole.
//!
//! "Refused" (SQLSTATE class 22 or 23: a CHECK constraint, a numeric overflow, ...) is kept
//! apart from "unavailable": the database answered, so it is up, and retrying the same rows
//! cannot help. An unavailable database is retried with backoff, whatever step it happens at.

use super::error::{Refusal, StoreError};
use super::spool;
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

/// One attempt at writing a part of a batch, retried as its caller decides: committed,
/// refused as data, or given up (the daemon never gives up; a replay stops when the database
/// is unavailable).
#[allow(async_fn_in_trait)] // used within the crate only, with concrete types
pub trait WritePart {
    type Error;
    async fn write_part(&mut self, part: &Batch) -> Result<Result<BatchOutcome, Refusal>, Self::Error>;
}

/// The daemon's writer: retries with backoff while the database is unavailable.
pub struct Retrying<'a> {
    pub writer: &'a mut Writer,
    pub backoff: &'a mut Backoff,
    pub health: &'a Health,
}

impl WritePart for Retrying<'_> {
    type Error = std::convert::Infallible;

    async fn write_part(&mut self, part: &Batch) -> Result<Result<BatchOutcome, Refusal>, Self::Error> {
        Ok(write_or_refused(self.writer, part, self.backoff, self.health).await)
    }
}

/// One attempt, never retried: a command run by hand reports an unavailable database and
/// stops (`dead-letters replay`).
impl WritePart for Writer {
    type Error = StoreError;

    async fn write_part(&mut self, part: &Batch) -> Result<Result<BatchOutcome, Refusal>, Self::Error> {
        match self.write(part).await {
            Ok(outcome) => Ok(Ok(outcome)),
            Err(e) => e.refusal().map(Err).ok_or(e),
        }
    }
}

/// What halving a refused batch found.
#[derive(Debug, Default)]
pub struct Isolated {
    /// What the parts the database accepted committed (indices into the whole batch).
    pub outcome: BatchOutcome,
    /// Each refusing message (index into the batch's spans) with what the server said.
    pub refused: Vec<(usize, Refusal)>,
    /// Transactions tried, the first refused one included.
    pub transactions: usize,
}

/// After the database refused `batch` (with `first`): halves it between messages, without
/// backoff, committing every part it accepts, until each refusing message is alone. A batch
/// of n messages with one refusing message takes about 2·log2(n) transactions.
pub async fn isolate<W: WritePart>(w: &mut W, batch: &Batch, first: Refusal) -> Result<Isolated, W::Error> {
    let n = batch.messages();
    let mut found = Isolated { transactions: 1, ..Isolated::default() };
    let mut todo = VecDeque::new();
    if n == 1 {
        found.refused.push((0, first));
    } else {
        todo.extend([0..n / 2, n / 2..n]);
    }
    while let Some(range) = todo.pop_front() {
        found.transactions += 1;
        let part = batch.slice(range.clone());
        match w.write_part(&part).await? {
            Ok(o) => {
                let offset = batch.spans[range.start].readings.start;
                found.outcome.stored.extend(o.stored.iter().map(|i| i + offset));
                found.outcome.duplicates += o.duplicates;
                found.outcome.rejected_reasons.extend(o.rejected_reasons);
                found.outcome.replayed.extend(o.replayed);
            }
            Err(refusal) if range.len() == 1 => found.refused.push((range.start, refusal)),
            Err(_) => {
                let mid = range.start + range.len() / 2;
                todo.push_front(mid..range.end);
                todo.push_front(range.start..mid);
            }
        }
    }
    Ok(found)
}

/// After the database refused `batch` (with `first`): [`isolate`]s the refusing messages and
/// dead-letters each of them whole as `database_refused`. Returns the outcome of the whole
/// batch (indices into `batch`); nothing is acked before the caller sends the batch's acks.
pub async fn bisect(
    writer: &mut Writer,
    batch: &Batch,
    first: Refusal,
    backoff: &mut Backoff,
    health: &Health,
) -> BatchOutcome {
    let mut retrying = Retrying { writer, backoff, health };
    let Ok(Isolated { mut outcome, refused, transactions }) = isolate(&mut retrying, batch, first).await;
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
    tracing::info!(messages = batch.messages(), refused = refused.len(), transactions, "refused batch split");
    let letters = dead_letters(batch, &refused);
    outcome.rejected_reasons.extend(write_dead_letters(&mut retrying, &letters).await);
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

/// Writes the dead letters of refused messages: they are the only trace of those messages,
/// never dropped. Those the database refuses too are appended to the spool file instead
/// ([`spool`]), so that the batch's acks, and every later batch's, are not held; only while
/// the spool cannot be written either is it retried with backoff (nothing is acked
/// meanwhile). Returns the reasons inserted now.
async fn write_dead_letters(w: &mut Retrying<'_>, letters: &Batch) -> Vec<RejectReason> {
    if letters.messages() == 0 {
        return vec![];
    }
    loop {
        let refusal = match write_or_refused(w.writer, letters, w.backoff, w.health).await {
            Ok(o) => return o.rejected_reasons,
            Err(refusal) => refusal,
        };
        // Those the database takes are stored; each refused one alone goes to the spool.
        let Ok(Isolated { outcome, refused, .. }) = isolate(w, letters, refusal).await;
        let path = w.writer.settings().spool_path();
        match spool::append(&path, letters, &refused) {
            Ok(rows) => {
                for (_, refusal) in &refused {
                    tracing::error!(%refusal, spool = %path.display(),
                        "database refused a dead letter; appended to the spool file (docs/reliability.md)");
                }
                m::dead_letters_spooled(rows);
                return outcome.rejected_reasons;
            }
            Err(e) => {
                let delay = w.backoff.next_delay();
                tracing::error!(error = %e, spool = %path.display(), messages = refused.len(), ?delay,
                    "database refused dead letters and the spool file cannot be written; retrying (nothing is acked)");
                tokio::time::sleep(delay).await;
            }
        }
    }
}
