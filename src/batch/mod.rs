//! The batch stage: validates each delivery and groups them into batches bounded by size
//! and age.
//!
//! Owns its input channel; ends (after flushing) when the source closes it. When the store
//! is busy, `send` waits: this stage stops taking deliveries, the source's buffer is bounded
//! by the broker's receive maximum, so memory stays bounded and nothing is dropped.

use crate::calendar::{millis_span, Timestamp};
use crate::config::Settings;
use crate::health::Health;
use crate::source::{AckToken, Delivery};
use crate::validate::{check_message, Checked, FloodGuard, FloodLimit, Limits};
use crate::wire::{FrameMark, Rejection, TopicLayout, ValidReading};
use crate::zone::Zone;
use bytes::Bytes;
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// Readings and rejections of consecutive deliveries, with their acks in arrival order.
///
/// Every reading and rejection belongs to one message ([`Span`]): the messages' ranges are
/// consecutive and cover `readings` and `rejects` in order, so a batch can be cut between two
/// messages ([`Batch::slice`]) and a message dead-lettered whole after the database refused it.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    pub readings: Vec<ValidReading>,
    pub rejects: Vec<Rejection>,
    /// One per message, in arrival order.
    pub spans: Vec<Span>,
}

/// One message of a batch: what it became, and what is needed to dead-letter it whole.
#[derive(Debug, Clone)]
pub struct Span {
    /// The topic as received (not truncated).
    pub topic: String,
    /// The payload as received; refcounted, so keeping it until COMMIT copies nothing.
    pub payload: Bytes,
    /// When the daemon received it.
    pub received: Timestamp,
    /// Sent to the broker only after COMMIT; none for a replayed dead letter.
    pub ack: Option<AckToken>,
    /// Its readings in `Batch::readings`.
    pub readings: Range<usize>,
    /// Its rejections in `Batch::rejects`.
    pub rejects: Range<usize>,
    /// Its gateway and frame counter, if it decoded (the live stage orders frames by it).
    pub frame: Option<FrameMark>,
    /// The dead letter it replays (`wasteflow dead-letters replay`), marked replayed in the
    /// transaction that stores it; none for a delivery.
    pub replay: Option<i64>,
}

impl Batch {
    /// Adds one delivery, validated at the time it was received.
    pub fn push(&mut self, d: Delivery, layout: &TopicLayout, zone: &Zone, limits: &Limits) {
        if d.clears_retained() {
            // No data: acked after the commit like any delivery, nothing stored.
            self.push_checked(d, Checked::default());
            return;
        }
        let checked = check_message(&d.topic, &d.payload, d.received, layout, zone, limits);
        self.push_checked(d, checked);
    }

    /// Adds one delivery refused whole before validation (a flooding gateway).
    pub fn push_refused(&mut self, d: Delivery, rejection: Rejection) {
        self.push_checked(d, Checked { readings: vec![], rejects: vec![rejection], frame: None });
    }

    /// Adds one delivery with what checking it gave.
    pub fn push_checked(&mut self, d: Delivery, checked: Checked) {
        self.push_message(d.topic, d.payload, d.received, Some(d.ack), None, checked);
    }

    /// Adds one message (a delivery, or the dead letter `replay` replayed) with what checking
    /// it gave.
    pub fn push_message(
        &mut self,
        topic: String,
        payload: Bytes,
        received: Timestamp,
        ack: Option<AckToken>,
        replay: Option<i64>,
        checked: Checked,
    ) {
        let readings = self.readings.len()..self.readings.len() + checked.readings.len();
        let rejects = self.rejects.len()..self.rejects.len() + checked.rejects.len();
        self.readings.extend(checked.readings);
        self.rejects.extend(checked.rejects);
        self.spans.push(Span { topic, payload, received, ack, readings, rejects, frame: checked.frame, replay });
    }

    /// The messages `range` (indices into `spans`) as a batch of their own.
    pub fn slice(&self, range: Range<usize>) -> Batch {
        let spans = &self.spans[range];
        let (Some(first), Some(last)) = (spans.first(), spans.last()) else {
            return Batch::default();
        };
        let (r0, j0) = (first.readings.start, first.rejects.start);
        Batch {
            readings: self.readings[r0..last.readings.end].to_vec(),
            rejects: self.rejects[j0..last.rejects.end].to_vec(),
            spans: spans
                .iter()
                .map(|s| Span {
                    readings: s.readings.start - r0..s.readings.end - r0,
                    rejects: s.rejects.start - j0..s.rejects.end - j0,
                    ..s.clone()
                })
                .collect(),
        }
    }

    pub fn messages(&self) -> usize {
        self.spans.len()
    }

    /// The acks, in arrival order.
    pub fn acks(&self) -> Vec<AckToken> {
        self.spans.iter().filter_map(|s| s.ack).collect()
    }
}

/// Limits of one batch.
#[derive(Debug, Clone, Copy)]
pub struct BatchLimits {
    pub max_readings: usize,
    pub max_messages: usize,
    pub max_age: Duration,
}

/// What each delivery is checked against. Replaced as a whole on a configuration reload
/// (between two deliveries: a message is checked against one configuration, never a mix).
#[derive(Clone)]
pub struct Checks {
    pub layout: TopicLayout,
    pub zone: Arc<Zone>,
    pub limits: Limits,
    pub flood: FloodLimit,
}

impl Checks {
    /// The limits from `[mqtt]` and `[validation]`, with the topic layout and registry.
    pub fn from_settings(s: &Settings, layout: TopicLayout, zone: Arc<Zone>) -> Checks {
        let limits = Limits {
            max_payload_bytes: s.mqtt.max_payload_bytes,
            max_past: millis_span(s.validation.max_past),
            max_future: millis_span(s.validation.max_future),
        };
        let flood = FloodLimit { rate: s.validation.gateway_max_rate, burst: s.validation.gateway_burst };
        Checks { layout, zone, limits, flood }
    }
}

/// Runs the batch stage until `input` is closed, then flushes and returns. `checks` carries
/// the current registry and limits; a new value takes effect from the next delivery.
pub async fn run_batcher(
    mut input: mpsc::Receiver<Delivery>,
    output: mpsc::Sender<Batch>,
    mut checks: watch::Receiver<Arc<Checks>>,
    batch_limits: BatchLimits,
    health: Health,
) {
    let mut current = checks.borrow_and_update().clone();
    let mut guard = FloodGuard::new(current.flood);
    let mut batch = Batch::default();
    let mut deadline = Instant::now();
    // Liveness: beaten at every turn, every `beat.every()` while idle, and while the store is
    // busy (a wait downstream is not a wedge here; the store has its own heartbeat).
    let beat = health.heartbeat("batch");
    let mut ticker = beat.ticker();
    loop {
        beat.beat();
        beat.wedge_point().await;
        tokio::select! {
            d = input.recv() => match d {
                Some(d) => {
                    if batch.messages() == 0 {
                        deadline = Instant::now() + batch_limits.max_age;
                    }
                    if checks.has_changed().unwrap_or(false) {
                        current = checks.borrow_and_update().clone();
                        guard.set_limit(current.flood);
                    }
                    let Checks { layout, zone, limits, .. } = &*current;
                    match guard.check(&d.topic, &d.payload, d.received, layout, zone) {
                        None => batch.push(d, layout, zone, limits),
                        Some(refused) => batch.push_refused(d, refused),
                    }
                    let full = batch.readings.len() + batch.rejects.len() >= batch_limits.max_readings
                        || batch.messages() >= batch_limits.max_messages;
                    if full && !beat.wait(hand_over(&output, &mut batch, &health)).await {
                        return;
                    }
                }
                None => break,
            },
            _ = tokio::time::sleep_until(deadline), if batch.messages() > 0 => {
                if !beat.wait(hand_over(&output, &mut batch, &health)).await {
                    return;
                }
            }
            _ = ticker.tick() => {}
        }
    }
    if batch.messages() > 0 {
        beat.wait(hand_over(&output, &mut batch, &health)).await;
    }
}

/// Sends the batch to the store (waiting while it is busy); false once the store is gone. Its
/// messages count as waiting for a commit from now on. The next batch starts with room for as
/// many readings and messages as this one had (reserved once it is handed over, so never two
/// at once): at full speed batches fill alike, and growing each from empty copied its
/// readings about twice over.
async fn hand_over(output: &mpsc::Sender<Batch>, batch: &mut Batch, health: &Health) -> bool {
    health.batched(batch.messages());
    let full = std::mem::take(batch);
    let (readings, spans) = (full.readings.len(), full.spans.len());
    if output.send(full).await.is_err() {
        return false;
    }
    batch.readings.reserve(readings);
    batch.spans.reserve(spans);
    true
}

#[cfg(test)]
mod tests;
