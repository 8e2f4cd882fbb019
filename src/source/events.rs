//! What the source does with each event of rumqttc's event loop: a delivery queued for the
//! batch stage, a connection (re)established and subscribed, an unsubscribe or subscribe
//! acknowledged, a connection lost and retried after a backoff.

use super::delivery::{AckToken, Delivery};
use super::task::SourceLoop;
use crate::metrics as m;
use bytes::Bytes;
use rumqttc::v5::mqttbytes::v5::{ConnAck, Filter, Packet, Publish, RetainForwardRule, SubAck, SubscribeReasonCode};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::{ConnectionError, Event};
use rumqttc::Outgoing;
use std::ops::ControlFlow;

impl SourceLoop {
    /// Acts on one event; breaks when the connection is lost while stopping.
    pub(super) async fn on_event(&mut self, event: Result<Event, ConnectionError>) -> ControlFlow<()> {
        match event {
            Ok(Event::Incoming(Packet::Publish(p))) => self.on_publish(&p),
            Ok(Event::Incoming(Packet::ConnAck(ack))) => self.on_connack(&ack),
            Ok(Event::Incoming(Packet::UnsubAck(_))) => self.on_unsuback(),
            Ok(Event::Incoming(Packet::SubAck(ack))) => self.on_suback(&ack),
            Ok(Event::Outgoing(Outgoing::PubAck(_))) => self.ledger.puback_written(),
            Ok(_) => {}
            Err(e) => return self.on_connection_lost(e).await,
        }
        ControlFlow::Continue(())
    }

    /// A message: queued for the batch stage with its ack token, unless the source forwards
    /// nothing more.
    fn on_publish(&mut self, p: &Publish) {
        m::message_received(p.qos as u8);
        self.leave.message();
        if self.output.is_some() {
            // Copy out of rumqttc's read buffer: a `Bytes` slice would keep the whole
            // buffer it points into alive while the message waits for its commit.
            let topic = String::from_utf8_lossy(&p.topic).into_owned();
            let payload = Bytes::copy_from_slice(&p.payload);
            let bytes = u32::try_from(topic.len() + payload.len()).unwrap_or(u32::MAX);
            let ack = AckToken::for_publish(self.ledger.generation(), p, bytes);
            self.ledger.received(&ack);
            self.budget.take(bytes);
            self.inflight_gauge.set(self.budget.held() as f64);
            let received = crate::calendar::Timestamp::now();
            let d = Delivery { topic, payload, received, retain: p.retain, ack };
            if d.clears_retained() {
                m::retained_clear();
            }
            self.pending.push_back(d);
        }
    }

    /// Connected: a new ack generation, and the subscription (unless leaving).
    fn on_connack(&mut self, ack: &ConnAck) {
        self.ledger.connected();
        self.connected = true;
        m::mqtt_connected(true);
        self.backoff.reset();
        tracing::info!(session_present = ack.session_present, "connected to broker");
        self.unsubscribe_sent = false;
        if !self.leave.requested() {
            // Subscribe even to a present session: a leave interrupted by a stop
            // leaves it unsubscribed. Retained messages only for a new subscription
            // (as if the session's were kept); Retain As Published: an empty retained
            // publish (clearing a retained message) must be told apart from an empty
            // payload.
            let mut filter = Filter::new(self.cfg.topic_filter.clone(), QoS::AtLeastOnce);
            filter.preserve_retain = true;
            filter.retain_forward_rule = RetainForwardRule::OnNewSubscribe;
            if let Err(e) = self.client.try_subscribe_many([filter]) {
                tracing::error!(error = %e, "cannot queue subscribe request");
            }
        }
    }

    fn on_unsuback(&mut self) {
        if !self.unsubscribed {
            self.unsubscribed = true;
            tracing::info!(filter = %self.cfg.topic_filter, "unsubscribed: the broker assigns this instance nothing new");
        }
        m::mqtt_subscribed(false);
        self.leave.unsubscribed();
    }

    fn on_suback(&mut self, ack: &SubAck) {
        let ok = ack.return_codes.iter().all(|c| matches!(c, SubscribeReasonCode::Success(_)));
        if ok {
            tracing::info!(filter = %self.cfg.topic_filter, "subscribed");
            m::mqtt_subscribed(true);
            if let Some(s) = &self.cfg.subscribed {
                let _ = s.send(true);
            }
        } else {
            tracing::error!(filter = %self.cfg.topic_filter, codes = ?ack.return_codes, "broker refused the subscription");
        }
    }

    /// The connection is gone (rumqttc has already dropped acks queued for it): stop if
    /// stopping, otherwise wait the backoff's delay (or a stop) before the next poll reconnects.
    async fn on_connection_lost(&mut self, e: ConnectionError) -> ControlFlow<()> {
        self.ledger.connection_lost();
        self.leave.connection_lost();
        m::mqtt_connected(false);
        m::mqtt_subscribed(false);
        m::mqtt_reconnect();
        if let Some(s) = &self.cfg.subscribed {
            let _ = s.send(false);
        }
        if self.output.is_none() {
            tracing::info!(error = %e, "broker connection lost while stopping; unacked messages will be redelivered");
            return ControlFlow::Break(());
        }
        // Deliveries of the lost connection will be redelivered; keep those queued
        // (their acks will be dropped as stale and the store deduplicates them).
        let delay = self.backoff.next_delay();
        let error = crate::tls::explain(&e.to_string(), "mqtt.ca_file");
        if std::mem::replace(&mut self.connected, false) {
            tracing::warn!(%error, ?delay, broker = %self.broker, "broker connection lost; reconnecting");
        } else {
            tracing::warn!(%error, ?delay, "cannot connect to the broker at {}; retrying", self.broker);
        }
        let shutdown = &mut self.shutdown;
        self.beat
            .wait(async {
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = shutdown.changed() => {}
                }
            })
            .await;
        ControlFlow::Continue(())
    }
}
