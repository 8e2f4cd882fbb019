//! The source's ack bookkeeping, without I/O: which connection generation is current, the
//! acks handed back by the store waiting to be queued to rumqttc (in arrival order), and how
//! many acks were requested against how many PUBACKs were written, so that a stop waits for
//! them.
//!
//! An ack is sent only on the connection its message arrived on: rumqttc drops what was
//! queued for a lost connection, and the broker redelivers those messages (the store
//! deduplicates them). Tokens of an older connection are counted stale and never sent.
//!
//! A QoS 0 delivery has no packet id and is never acknowledged: its token is dropped here
//! (a PUBACK for packet id 0 is a protocol error and the broker drops the connection).

use super::delivery::AckToken;
use std::collections::VecDeque;

/// What one [`AckLedger::release`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Released {
    /// Tokens of an older connection (or handed back while disconnected): dropped, not sent.
    pub stale: usize,
    /// Acks queued to the client.
    pub sent: usize,
    /// The client's request channel was full: the front token is kept; try again shortly.
    pub blocked: bool,
}

/// Ack bookkeeping of one source task. See the module documentation.
#[derive(Debug, Default)]
pub struct AckLedger {
    generation: u64,
    connected: bool,
    queue: VecDeque<AckToken>,
    /// Messages needing an ack received on the current connection.
    received: u64,
    requested: u64,
    written: u64,
}

impl AckLedger {
    pub fn new() -> AckLedger {
        AckLedger::default()
    }

    /// The current connection generation, for the tokens of messages arriving now.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The broker accepted the connection (CONNACK).
    pub fn connected(&mut self) {
        self.connected = true;
    }

    /// Between a CONNACK and the loss of that connection.
    pub fn is_connected(&self) -> bool {
        self.connected
    }

    /// The connection is gone: a new generation starts, tokens of the old one become stale,
    /// and acks requested on it are no longer waited for (rumqttc has dropped them).
    pub fn connection_lost(&mut self) {
        self.generation += 1;
        self.connected = false;
        self.written = self.requested;
        self.received = self.requested;
    }

    /// A message arrived on the current connection (QoS 0 needs no ack: not counted).
    pub fn received(&mut self, token: &AckToken) {
        if token.needs_ack() {
            self.received += 1;
        }
    }

    /// Acks handed back by the store after COMMIT, in arrival order. QoS 0 tokens need no ack
    /// and are dropped.
    pub fn committed(&mut self, tokens: impl IntoIterator<Item = AckToken>) {
        self.queue.extend(tokens.into_iter().filter(AckToken::needs_ack));
    }

    /// Hands queued tokens to `try_send`, in order, until the queue is empty or `try_send`
    /// returns false. `try_send` must either queue the ack (true) or leave it unqueued
    /// (false): the token is then kept at the front and offered again at the next call, so an
    /// ack is never sent twice and never skipped. Stale tokens are dropped without a call.
    pub fn release(&mut self, mut try_send: impl FnMut(AckToken) -> bool) -> Released {
        let mut r = Released::default();
        while let Some(&t) = self.queue.front() {
            if t.generation != self.generation || !self.connected {
                r.stale += 1;
            } else if try_send(t) {
                self.requested += 1;
                r.sent += 1;
            } else {
                r.blocked = true;
                break;
            }
            self.queue.pop_front();
        }
        r
    }

    /// The client wrote a PUBACK to the broker.
    pub fn puback_written(&mut self) {
        self.written += 1;
    }

    /// Nothing left to release and every ack requested has been written: a stopping source
    /// may disconnect.
    pub fn drained(&self) -> bool {
        self.queue.is_empty() && self.written >= self.requested
    }

    /// Every message received on this connection has been acknowledged (its PUBACK written):
    /// the broker has nothing in flight to us once it has read them.
    pub fn settled(&self) -> bool {
        self.drained() && self.requested >= self.received
    }

    /// Tokens waiting to be released.
    #[cfg(test)]
    fn queued(&self) -> usize {
        self.queue.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rumqttc::v5::mqttbytes::QoS;

    fn tok(generation: u64, pkid: u16) -> AckToken {
        AckToken { generation, pkid, qos: QoS::AtLeastOnce }
    }

    /// Releases with a channel that always has room; returns what was sent.
    fn release_all(l: &mut AckLedger) -> (Released, Vec<AckToken>) {
        let mut sent = Vec::new();
        let r = l.release(|t| {
            sent.push(t);
            true
        });
        (r, sent)
    }

    #[test]
    fn acks_leave_in_arrival_order_and_are_counted() {
        let mut l = AckLedger::new();
        l.connected();
        l.committed([tok(0, 3), tok(0, 1), tok(0, 2)]);
        let (r, sent) = release_all(&mut l);
        assert_eq!(r, Released { stale: 0, sent: 3, blocked: false });
        assert_eq!(sent, [tok(0, 3), tok(0, 1), tok(0, 2)]);
        assert_eq!(l.queued(), 0);
        // Nothing more to send a second time.
        assert_eq!(release_all(&mut l), (Released::default(), vec![]));
    }

    #[test]
    fn reconnect_mid_batch_drops_the_old_generation() {
        let mut l = AckLedger::new();
        l.connected();
        assert_eq!(l.generation(), 0);
        // Half of a batch is committed and sent, then the connection drops.
        l.committed([tok(0, 1), tok(0, 2)]);
        assert_eq!(release_all(&mut l).0.sent, 2);
        l.committed([tok(0, 3), tok(0, 4)]);
        l.connection_lost();
        assert_eq!(l.generation(), 1);
        // The rest of the batch comes back while reconnecting: stale, never sent.
        l.committed([tok(0, 5)]);
        let (r, sent) = release_all(&mut l);
        assert_eq!(r, Released { stale: 3, sent: 0, blocked: false });
        assert!(sent.is_empty());
        // On the new connection, its own messages are acked; the old ones never are.
        l.connected();
        l.committed([tok(0, 6), tok(1, 1), tok(1, 2)]);
        let (r, sent) = release_all(&mut l);
        assert_eq!(r, Released { stale: 1, sent: 2, blocked: false });
        assert_eq!(sent, [tok(1, 1), tok(1, 2)]);
    }

    #[test]
    fn tokens_handed_back_while_disconnected_are_stale() {
        let mut l = AckLedger::new();
        l.connected();
        l.connection_lost();
        // Not connected yet: even a token of the current generation is not sent.
        l.committed([tok(1, 7)]);
        let (r, sent) = release_all(&mut l);
        assert_eq!((r.stale, r.sent), (1, 0));
        assert!(sent.is_empty());
    }

    #[test]
    fn session_lost_old_acks_stale_and_unwritten_ones_not_waited_for() {
        let mut l = AckLedger::new();
        l.connected();
        l.committed([tok(0, 1), tok(0, 2)]);
        assert_eq!(release_all(&mut l).0.sent, 2);
        l.puback_written();
        // One PUBACK still unwritten when the connection (and with it the session) is lost.
        assert!(!l.drained());
        l.connection_lost();
        assert!(l.drained(), "rumqttc dropped the unwritten ack: nothing to wait for");
        // The broker starts a new session; acks of the old one come back late.
        l.connected();
        l.committed([tok(0, 3), tok(0, 4)]);
        let (r, sent) = release_all(&mut l);
        assert_eq!((r.stale, r.sent), (2, 0));
        assert!(sent.is_empty());
        assert!(l.drained());
    }

    #[test]
    fn acks_for_a_connection_two_generations_old_are_stale() {
        let mut l = AckLedger::new();
        l.connected();
        l.connection_lost();
        l.connected();
        l.connection_lost();
        l.connected();
        assert_eq!(l.generation(), 2);
        l.committed([tok(0, 1), tok(2, 1), tok(1, 1), tok(2, 2)]);
        let (r, sent) = release_all(&mut l);
        assert_eq!((r.stale, r.sent), (2, 2));
        assert_eq!(sent, [tok(2, 1), tok(2, 2)]);
    }

    #[test]
    fn full_channel_delays_acks_without_dropping_or_reordering() {
        let mut l = AckLedger::new();
        l.connected();
        let tokens: Vec<AckToken> = (1..=5).map(|p| tok(0, p)).collect();
        l.committed(tokens.clone());
        let mut sent = Vec::new();
        let mut attempts = 0;
        // Room for two, then the channel is full for 4 attempts.
        let mut room = 2;
        for _ in 0..5 {
            let r = l.release(|t| {
                attempts += 1;
                if room == 0 {
                    return false;
                }
                room -= 1;
                sent.push(t);
                true
            });
            assert!(r.blocked);
            assert_eq!(r.stale, 0);
        }
        assert_eq!(sent, tokens[..2]);
        assert_eq!(attempts, 2 + 1 + 4, "each blocked release offers the front token once");
        assert_eq!(l.queued(), 3, "nothing dropped");
        // Room again: the rest, in order, each once.
        let (r, rest) = release_all(&mut l);
        assert_eq!(r, Released { stale: 0, sent: 3, blocked: false });
        sent.extend(rest);
        assert_eq!(sent, tokens);
        assert_eq!(release_all(&mut l).1, vec![]);
    }

    #[test]
    fn stale_tokens_are_dropped_even_when_the_channel_is_full() {
        let mut l = AckLedger::new();
        l.connected();
        l.connection_lost();
        l.connected();
        l.committed([tok(0, 1), tok(0, 2), tok(1, 1), tok(0, 3)]);
        let r = l.release(|_| false);
        assert_eq!(r, Released { stale: 2, sent: 0, blocked: true });
        assert_eq!(l.queued(), 2);
        let (r, sent) = release_all(&mut l);
        assert_eq!(r, Released { stale: 1, sent: 1, blocked: false });
        assert_eq!(sent, [tok(1, 1)]);
    }

    #[test]
    fn drained_once_every_requested_ack_is_written() {
        let mut l = AckLedger::new();
        assert!(l.drained(), "nothing requested yet");
        l.connected();
        l.committed([tok(0, 1), tok(0, 2), tok(0, 3)]);
        assert!(!l.drained(), "acks queued");
        assert!(l.release(|_| false).blocked);
        assert!(!l.drained(), "acks blocked in the ledger");
        release_all(&mut l);
        assert!(!l.drained(), "three requested, none written");
        l.puback_written();
        l.puback_written();
        assert!(!l.drained(), "one PUBACK still to write");
        l.puback_written();
        assert!(l.drained());
        l.committed([tok(0, 4)]);
        assert!(!l.drained(), "a new ack handed back");
        release_all(&mut l);
        l.puback_written();
        assert!(l.drained());
    }

    #[test]
    fn settled_once_every_message_received_is_acked_and_written() {
        let mut l = AckLedger::new();
        l.connected();
        assert!(l.settled(), "nothing received");
        for pkid in 1..=2 {
            l.received(&tok(0, pkid));
        }
        l.received(&AckToken { generation: 0, pkid: 0, qos: QoS::AtMostOnce });
        assert!(!l.settled(), "two messages to ack");
        l.committed([tok(0, 1)]);
        release_all(&mut l);
        l.puback_written();
        assert!(!l.settled(), "one message still in the pipeline");
        l.committed([tok(0, 2)]);
        release_all(&mut l);
        assert!(!l.settled(), "its PUBACK not written yet");
        l.puback_written();
        assert!(l.settled(), "the QoS 0 message needs no ack");
        // A message in the pipeline when the connection drops is redelivered on the next one,
        // and counted there.
        l.received(&tok(0, 3));
        l.connection_lost();
        assert!(l.settled());
        l.connected();
        l.received(&tok(1, 1));
        l.committed([tok(0, 3)]);
        release_all(&mut l);
        assert!(!l.settled(), "the stale ack does not count for the redelivery");
    }

    #[test]
    fn qos0_deliveries_are_never_acked() {
        let mut l = AckLedger::new();
        l.connected();
        let q0 = AckToken { generation: 0, pkid: 0, qos: QoS::AtMostOnce };
        l.committed([tok(0, 1), q0, tok(0, 2), q0]);
        let (r, sent) = release_all(&mut l);
        assert_eq!(r, Released { stale: 0, sent: 2, blocked: false });
        assert_eq!(sent, [tok(0, 1), tok(0, 2)], "no PUBACK for packet id 0");
        l.puback_written();
        l.puback_written();
        assert!(l.drained(), "a QoS 0 delivery leaves nothing to wait for");
    }
}
