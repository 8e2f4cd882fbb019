//! The task that drives the MQTT event loop: its state ([`SourceLoop`]) and the loop itself;
//! what each event of the broker does is in `events.rs`.

use super::ack_ledger::AckLedger;
use super::budget::InflightBudget;
use super::delivery::{AckToken, Delivery};
use super::leave::Leave;
use super::session::disconnect;
use crate::backoff::Backoff;
use crate::liveness::Heartbeat;
use crate::metrics as m;
use rumqttc::v5::{AsyncClient, EventLoop, MqttOptions};
use std::collections::VecDeque;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// What the source needs besides the connection options.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    pub topic_filter: String,
    pub reconnect_min: Duration,
    pub reconnect_max: Duration,
    /// Set once the subscription is acknowledged (readiness).
    pub subscribed: Option<watch::Sender<bool>>,
    /// Deliveries held here, waiting for room downstream, before the event loop is no longer
    /// polled (TCP backpressure). The broker should never send more than the receive maximum
    /// unacknowledged, but Mosquitto 2.0 does when it resumes a session with a large backlog.
    pub max_buffered: usize,
    /// Topic and payload bytes received and not yet handed back after COMMIT above which the
    /// event loop is no longer polled (`mqtt.max_inflight_bytes`, `budget.rs`).
    pub max_inflight_bytes: usize,
    /// The largest message the broker may send (`mqtt.max_packet_bytes`): the source reads
    /// only while one more of that size fits in the budget.
    pub largest_message: usize,
    /// Turns true to leave the shared subscription group: unsubscribe, ingest what the
    /// session still holds, then end the session (`leave.rs`).
    pub leave: watch::Receiver<bool>,
    /// Set once the group is left and the session ended (the source then returns).
    pub left: Option<watch::Sender<bool>>,
    /// Beaten at every turn of the event loop and while it waits (liveness).
    pub heartbeat: Heartbeat,
}

/// Runs the source until `shutdown` turns true and every ack handed back has been sent, or
/// until it has left the group (`cfg.leave`).
///
/// On shutdown it stops forwarding (undelivered messages stay unacked in the broker's session
/// and come back at the next start), drops `output` so the later stages drain, sends the acks
/// they return, then disconnects. A leave stops forwarding only once the session is empty,
/// and ends the session after disconnecting.
pub async fn run_source(
    options: MqttOptions,
    cfg: SourceConfig,
    output: mpsc::Sender<Delivery>,
    acks: mpsc::UnboundedReceiver<Vec<AckToken>>,
    shutdown: watch::Receiver<bool>,
) {
    let cap = options.request_channel_capacity();
    let session_options = options.clone();
    let (client, eventloop) = AsyncClient::new(options, cap);
    let mut source = SourceLoop::new(client, eventloop, cfg, output, acks, shutdown);
    source.run().await;
    source.finish(session_options).await;
}

/// Everything the source's loop holds between two turns.
pub(super) struct SourceLoop {
    pub(super) client: AsyncClient,
    pub(super) eventloop: EventLoop,
    pub(super) cfg: SourceConfig,
    /// Where deliveries go; `None` once the source forwards nothing more (stopping, or left).
    pub(super) output: Option<mpsc::Sender<Delivery>>,
    /// Deliveries received, waiting for room downstream.
    pub(super) pending: VecDeque<Delivery>,
    pub(super) acks: mpsc::UnboundedReceiver<Vec<AckToken>>,
    pub(super) acks_open: bool,
    pub(super) shutdown: watch::Receiver<bool>,
    pub(super) backoff: Backoff,
    pub(super) ledger: AckLedger,
    /// Bytes received and not yet handed back after COMMIT (`budget.rs`).
    pub(super) budget: InflightBudget,
    pub(super) inflight_gauge: metrics::Gauge,
    pub(super) leave: Leave,
    /// False once the leave request's sender is gone.
    pub(super) leave_open: bool,
    pub(super) unsubscribe_sent: bool,
    pub(super) unsubscribed: bool,
    pub(super) beat: Heartbeat,
    /// The broker's `host:port`, for the messages of a connection that fails.
    pub(super) broker: String,
    /// True from a CONNACK to the loss of that connection: a failure while false is a broker
    /// that was not reached, not a connection lost.
    pub(super) connected: bool,
    /// Beats while the event loop is not polled (the buffer is full). The poll itself is never
    /// cancelled for a beat: it beats while it waits (`Heartbeat::wait`).
    ticker: tokio::time::Interval,
}

impl SourceLoop {
    fn new(
        client: AsyncClient,
        eventloop: EventLoop,
        cfg: SourceConfig,
        output: mpsc::Sender<Delivery>,
        acks: mpsc::UnboundedReceiver<Vec<AckToken>>,
        shutdown: watch::Receiver<bool>,
    ) -> SourceLoop {
        let beat = cfg.heartbeat.clone();
        let (host, port) = eventloop.options.broker_address();
        let inflight_gauge = m::inflight_bytes_gauge();
        inflight_gauge.set(0.0);
        SourceLoop {
            broker: format!("{host}:{port}"),
            connected: false,
            client,
            eventloop,
            output: Some(output),
            pending: VecDeque::new(),
            acks,
            acks_open: true,
            shutdown,
            backoff: Backoff::new(cfg.reconnect_min, cfg.reconnect_max),
            ledger: AckLedger::new(),
            budget: InflightBudget::new(cfg.max_inflight_bytes, cfg.largest_message),
            inflight_gauge,
            leave: Leave::new(),
            leave_open: true,
            unsubscribe_sent: false,
            unsubscribed: false,
            ticker: beat.ticker(),
            beat,
            cfg,
        }
    }

    /// The loop: until stopped with every ack sent, left, or the connection lost while stopping.
    async fn run(&mut self) {
        loop {
            self.beat.beat();
            self.beat.wedge_point().await;
            self.take_requests();
            let ack_blocked = self.release_acks();
            self.unsubscribe_when_due();
            if self.output.is_none() && !self.acks_open && self.ledger.drained() {
                break;
            }
            let room_for = if self.pending.is_empty() { None } else { self.output.clone() };
            let room = async move {
                match room_for {
                    Some(tx) => tx.reserve_owned().await.ok(),
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                changed = self.cfg.leave.changed(), if self.leave_open && !self.leave.requested() => {
                    // The value is read at the top of the loop; a dropped sender asks nothing.
                    self.leave_open = changed.is_ok();
                }
                changed = self.shutdown.changed(), if self.output.is_some() => {
                    if changed.is_err() {
                        // The sender is gone: treat it as a stop.
                        self.drop_pending();
                        self.output = None;
                    }
                }
                batch = self.acks.recv(), if self.acks_open => match batch {
                    Some(tokens) => {
                        self.give_back(tokens.iter().map(|t| u64::from(t.bytes)).sum());
                        self.ledger.committed(tokens);
                    }
                    None => self.acks_open = false,
                },
                // rumqttc's request channel was full: try again shortly (the event loop drains it).
                _ = tokio::time::sleep(Duration::from_millis(1)), if ack_blocked => {}
                _ = self.ticker.tick(), if !self.may_read() => {}
                permit = room => {
                    if let (Some(permit), Some(d)) = (permit, self.pending.pop_front()) {
                        permit.send(d);
                    }
                }
                // Held while the buffer or the byte budget is full: rumqttc then neither reads
                // nor writes (acks and pings wait too) until the store hands acks back.
                event = self.beat.wait(self.eventloop.poll()), if self.may_read() => {
                    if self.on_event(event).await.is_break() {
                        break;
                    }
                }
            }
        }
    }

    /// Acts on a stop or a leave asked since the last turn, and on a leave that is done.
    fn take_requests(&mut self) {
        if self.output.is_some() && *self.shutdown.borrow() {
            tracing::info!(undelivered = self.pending.len(), "source stopping: no new deliveries; draining acks");
            self.drop_pending();
            self.output = None;
        }
        if !self.leave.requested() && *self.cfg.leave.borrow() {
            tracing::info!(filter = %self.cfg.topic_filter, "leaving the shared subscription group: unsubscribing, then storing what the session still holds");
            self.leave.request();
        }
        if self.output.is_some() && self.leave.done() {
            tracing::info!("session empty: every message it held is stored and acknowledged");
            self.output = None;
        }
    }

    /// Whether the event loop may be polled: room in the buffer and in the byte budget.
    fn may_read(&self) -> bool {
        self.pending.len() < self.cfg.max_buffered && self.budget.has_room()
    }

    /// Bytes of messages handed back after COMMIT, or dropped unprocessed.
    fn give_back(&mut self, bytes: u64) {
        self.budget.give_back(bytes);
        self.inflight_gauge.set(self.budget.held() as f64);
    }

    /// Forgets the deliveries not yet handed downstream (a stop: the broker redelivers them).
    fn drop_pending(&mut self) {
        let bytes = self.pending.drain(..).map(|d| u64::from(d.ack.bytes)).sum();
        self.give_back(bytes);
    }

    /// Hands committed acks to rumqttc, in arrival order; returns whether one had to wait for
    /// room in rumqttc's request channel. `try_ack` either queues the ack or fails without
    /// queueing it, so an ack is never sent twice; a full channel only delays.
    fn release_acks(&mut self) -> bool {
        let client = &self.client;
        let released = self.ledger.release(|t| client.try_ack(&t.publish()).is_ok());
        if released.stale > 0 {
            m::stale_acks(released.stale);
        }
        if released.sent > 0 {
            m::acks_sent(released.sent);
        }
        released.blocked
    }

    /// Sends the leave's unsubscribe once it is due.
    fn unsubscribe_when_due(&mut self) {
        let settled = self.ledger.settled();
        if self.output.is_some() && self.leave.should_send(self.ledger.is_connected(), settled, !self.unsubscribe_sent)
        {
            // A full request channel only delays it: the next event comes back here.
            if self.client.try_unsubscribe(self.cfg.topic_filter.clone()).is_ok() {
                self.leave.sent(settled);
                self.unsubscribe_sent = true;
            }
        }
    }

    /// Disconnects, and ends the session if the group was left.
    async fn finish(mut self, session_options: MqttOptions) {
        disconnect(&self.client, &mut self.eventloop).await;
        m::mqtt_connected(false);
        if self.leave.done() {
            super::session::end(session_options).await;
            if let Some(left) = &self.cfg.left {
                let _ = left.send(true);
            }
        }
        tracing::info!("source stopped");
    }
}
