//! The task that drives the MQTT event loop.

use super::ack_ledger::AckLedger;
use super::delivery::{AckToken, Delivery};
use super::leave::Leave;
use super::session::disconnect;
use crate::backoff::Backoff;
use crate::liveness::Heartbeat;
use crate::metrics as m;
use bytes::Bytes;
use rumqttc::v5::mqttbytes::v5::{Filter, Packet, RetainForwardRule, SubscribeReasonCode};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::{AsyncClient, Event, MqttOptions};
use rumqttc::Outgoing;
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
    mut cfg: SourceConfig,
    output: mpsc::Sender<Delivery>,
    mut acks: mpsc::UnboundedReceiver<Vec<AckToken>>,
    mut shutdown: watch::Receiver<bool>,
) {
    let cap = options.request_channel_capacity();
    let session_options = options.clone();
    let (client, mut eventloop) = AsyncClient::new(options, cap);
    let mut output = Some(output);
    let mut pending: VecDeque<Delivery> = VecDeque::new();
    let mut backoff = Backoff::new(cfg.reconnect_min, cfg.reconnect_max);
    let mut acks_open = true;
    let mut ledger = AckLedger::new();
    let mut leave = Leave::new();
    let mut leave_open = true;
    let mut unsubscribe_sent = false;
    let mut unsubscribed = false;
    let beat = cfg.heartbeat.clone();
    // Beats while the event loop is not polled (the buffer is full). The poll itself is never
    // cancelled for a beat: it beats while it waits (`Heartbeat::wait`).
    let mut ticker = beat.ticker();

    loop {
        beat.beat();
        beat.wedge_point().await;
        if output.is_some() && *shutdown.borrow() {
            tracing::info!(undelivered = pending.len(), "source stopping: no new deliveries; draining acks");
            pending.clear();
            output = None;
        }
        if !leave.requested() && *cfg.leave.borrow() {
            tracing::info!(filter = %cfg.topic_filter, "leaving the shared subscription group: unsubscribing, then storing what the session still holds");
            leave.request();
        }
        if output.is_some() && leave.done() {
            tracing::info!("session empty: every message it held is stored and acknowledged");
            output = None;
        }
        // Hand committed acks to rumqttc, in arrival order. `try_ack` either queues the ack or
        // fails without queueing it, so an ack is never sent twice; a full channel only delays.
        let released = ledger.release(|t| client.try_ack(&t.publish()).is_ok());
        if released.stale > 0 {
            m::stale_acks(released.stale);
        }
        if released.sent > 0 {
            m::acks_sent(released.sent);
        }
        let ack_blocked = released.blocked;
        let settled = ledger.settled();
        if output.is_some() && leave.should_send(ledger.is_connected(), settled, !unsubscribe_sent) {
            // A full request channel only delays it: the next event comes back here.
            if client.try_unsubscribe(cfg.topic_filter.clone()).is_ok() {
                leave.sent(settled);
                unsubscribe_sent = true;
            }
        }
        if output.is_none() && !acks_open && ledger.drained() {
            break;
        }
        let room_for = if pending.is_empty() { None } else { output.clone() };
        let room = async move {
            match room_for {
                Some(tx) => tx.reserve_owned().await.ok(),
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            changed = cfg.leave.changed(), if leave_open && !leave.requested() => {
                // The value is read at the top of the loop; a dropped sender asks nothing.
                leave_open = changed.is_ok();
            }
            changed = shutdown.changed(), if output.is_some() => {
                if changed.is_err() {
                    // The sender is gone: treat it as a stop.
                    pending.clear();
                    output = None;
                }
            }
            batch = acks.recv(), if acks_open => match batch {
                Some(tokens) => ledger.committed(tokens),
                None => acks_open = false,
            },
            // rumqttc's request channel was full: try again shortly (the event loop drains it).
            _ = tokio::time::sleep(Duration::from_millis(1)), if ack_blocked => {}
            _ = ticker.tick(), if pending.len() >= cfg.max_buffered => {}
            permit = room => {
                if let (Some(permit), Some(d)) = (permit, pending.pop_front()) {
                    permit.send(d);
                }
            }
            event = beat.wait(eventloop.poll()), if pending.len() < cfg.max_buffered => match event {
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    m::message_received(p.qos as u8);
                    leave.message();
                    if output.is_some() {
                        // Copy out of rumqttc's read buffer: a `Bytes` slice would keep the whole
                        // buffer it points into alive while the message waits for its commit.
                        let topic = String::from_utf8_lossy(&p.topic).into_owned();
                        let payload = Bytes::copy_from_slice(&p.payload);
                        let ack = AckToken::for_publish(ledger.generation(), &p);
                        ledger.received(&ack);
                        let received_ms = crate::clock::now_ms();
                        let d = Delivery { topic, payload, received_ms, retain: p.retain, ack };
                        if d.clears_retained() {
                            m::retained_clear();
                        }
                        pending.push_back(d);
                    }
                }
                Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                    ledger.connected();
                    m::mqtt_connected(true);
                    backoff.reset();
                    tracing::info!(session_present = ack.session_present, "connected to broker");
                    unsubscribe_sent = false;
                    if !leave.requested() {
                        // Subscribe even to a present session: a leave interrupted by a stop
                        // leaves it unsubscribed. Retained messages only for a new subscription
                        // (as if the session's were kept); Retain As Published: an empty retained
                        // publish (clearing a retained message) must be told apart from an empty
                        // payload.
                        let mut filter = Filter::new(cfg.topic_filter.clone(), QoS::AtLeastOnce);
                        filter.preserve_retain = true;
                        filter.retain_forward_rule = RetainForwardRule::OnNewSubscribe;
                        if let Err(e) = client.try_subscribe_many([filter]) {
                            tracing::error!(error = %e, "cannot queue subscribe request");
                        }
                    }
                }
                Ok(Event::Incoming(Packet::UnsubAck(_))) => {
                    if !unsubscribed {
                        unsubscribed = true;
                        tracing::info!(filter = %cfg.topic_filter, "unsubscribed: the broker assigns this instance nothing new");
                    }
                    m::mqtt_subscribed(false);
                    leave.unsubscribed();
                }
                Ok(Event::Incoming(Packet::SubAck(ack))) => {
                    let ok = ack.return_codes.iter().all(|c| matches!(c, SubscribeReasonCode::Success(_)));
                    if ok {
                        tracing::info!(filter = %cfg.topic_filter, "subscribed");
                        m::mqtt_subscribed(true);
                        if let Some(s) = &cfg.subscribed {
                            let _ = s.send(true);
                        }
                    } else {
                        tracing::error!(filter = %cfg.topic_filter, codes = ?ack.return_codes, "broker refused the subscription");
                    }
                }
                Ok(Event::Outgoing(Outgoing::PubAck(_))) => ledger.puback_written(),
                Ok(_) => {}
                Err(e) => {
                    // rumqttc has already dropped acks queued for this connection.
                    ledger.connection_lost();
                    leave.connection_lost();
                    m::mqtt_connected(false);
                    m::mqtt_subscribed(false);
                    m::mqtt_reconnect();
                    if let Some(s) = &cfg.subscribed {
                        let _ = s.send(false);
                    }
                    if output.is_none() {
                        tracing::info!(error = %e, "broker connection lost while stopping; unacked messages will be redelivered");
                        break;
                    }
                    // Deliveries of the lost connection will be redelivered; keep those queued
                    // (their acks will be dropped as stale and the store deduplicates them).
                    let delay = backoff.next_delay();
                    let error = crate::tls::explain(&e.to_string(), "mqtt.ca_file");
                    tracing::warn!(%error, ?delay, "broker connection lost; reconnecting");
                    beat.wait(async {
                        tokio::select! {
                            _ = tokio::time::sleep(delay) => {}
                            _ = shutdown.changed() => {}
                        }
                    })
                    .await;
                }
            }
        }
    }
    disconnect(&client, &mut eventloop).await;
    m::mqtt_connected(false);
    if leave.done() {
        super::session::end(session_options).await;
        if let Some(left) = &cfg.left {
            let _ = left.send(true);
        }
    }
    tracing::info!("source stopped");
}
