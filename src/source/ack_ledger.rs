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
//!
//! The tokens waiting are kept as runs of consecutive packet ids ([`AckRun`]): rumqttc writes
//! one ack per turn of its event loop and reads up to ten messages per turn, so while
//! Mosquitto 2.0 drains a resumed session's backlog beyond the receive maximum, acks fall far
//! behind (half a million and more during a 1,000,000-frame catch-up). One token each took 16
//! MiB at that point; a broker numbers a session's messages in sequence, so a run holds them
//! in a few bytes.

use super::delivery::AckToken;
use rumqttc::v5::mqttbytes::QoS;
use std::collections::VecDeque;

/// Consecutive acks of one connection: `count` packet ids from `first` to `last`, each the
/// previous plus one (65535 is followed by 1: 0 is no packet id), all of one QoS. As small as
/// a token (16 bytes): a broker that does not number in sequence costs what tokens did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct AckRun {
    generation: u64,
    first: u16,
    last: u16,
    count: u16,
    qos: QoS,
}

/// The packet id after `pkid` in a broker's sequence.
fn next_pkid(pkid: u16) -> u16 {
    if pkid == u16::MAX {
        1
    } else {
        pkid + 1
    }
}

impl AckRun {
    fn of(t: &AckToken) -> AckRun {
        AckRun { generation: t.generation, first: t.pkid, last: t.pkid, count: 1, qos: t.qos }
    }

    /// The run's first token.
    fn front(&self) -> AckToken {
        AckToken { generation: self.generation, pkid: self.first, qos: self.qos, bytes: 0 }
    }

    /// Appends `t` if it continues the run. A run stays below 65,535 acks, so it never
    /// reaches its own first packet id again.
    fn extend(&mut self, t: &AckToken) -> bool {
        let fits = t.generation == self.generation
            && t.qos == self.qos
            && t.pkid == next_pkid(self.last)
            && self.count < u16::MAX - 1;
        if fits {
            self.last = t.pkid;
            self.count += 1;
        }
        fits
    }

    /// Drops the run's first token; false once the run is empty.
    fn pop_front(&mut self) -> bool {
        self.first = next_pkid(self.first);
        self.count -= 1;
        self.count > 0
    }
}

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
    /// Acks handed back, not yet queued to the client, in arrival order.
    queue: VecDeque<AckRun>,
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
        for t in tokens.into_iter().filter(AckToken::needs_ack) {
            let extended = self.queue.back_mut().is_some_and(|run| run.extend(&t));
            if !extended {
                self.queue.push_back(AckRun::of(&t));
            }
        }
    }

    /// Hands queued tokens to `try_send`, in order, until the queue is empty or `try_send`
    /// returns false. `try_send` must either queue the ack (true) or leave it unqueued
    /// (false): the token is then kept at the front and offered again at the next call, so an
    /// ack is never sent twice and never skipped. Stale tokens are dropped without a call.
    pub fn release(&mut self, mut try_send: impl FnMut(AckToken) -> bool) -> Released {
        let mut r = Released::default();
        while let Some(run) = self.queue.front_mut() {
            if run.generation != self.generation || !self.connected {
                r.stale += run.count as usize;
                self.queue.pop_front();
                continue;
            }
            if !try_send(run.front()) {
                r.blocked = true;
                break;
            }
            self.requested += 1;
            r.sent += 1;
            if !run.pop_front() {
                self.queue.pop_front();
            }
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
        self.queue.iter().map(|r| r.count as usize).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rumqttc::v5::mqttbytes::QoS;

    fn tok(generation: u64, pkid: u16) -> AckToken {
        AckToken { generation, pkid, qos: QoS::AtLeastOnce, bytes: 0 }
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
        l.received(&AckToken { generation: 0, pkid: 0, qos: QoS::AtMostOnce, bytes: 0 });
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
    fn consecutive_acks_are_kept_as_one_run_and_leave_one_by_one() {
        let mut l = AckLedger::new();
        l.connected();
        l.committed((1..=40_000).map(|p| tok(0, p)));
        assert_eq!(l.queue.len(), 1, "one run");
        assert_eq!(l.queued(), 40_000);
        let mut sent = Vec::new();
        let mut room = 3;
        let r = l.release(|t| {
            if room == 0 {
                return false;
            }
            room -= 1;
            sent.push(t);
            true
        });
        assert_eq!(r, Released { stale: 0, sent: 3, blocked: true });
        assert_eq!(sent, [tok(0, 1), tok(0, 2), tok(0, 3)]);
        let (r, rest) = release_all(&mut l);
        assert_eq!(r.sent, 39_997);
        assert_eq!(rest.first(), Some(&tok(0, 4)));
        assert_eq!(rest.last(), Some(&tok(0, 40_000)));
        assert!(rest.windows(2).all(|w| w[1].pkid == w[0].pkid + 1), "in order, none skipped");
    }

    #[test]
    fn a_run_follows_packet_ids_past_65535_to_1_and_stops_at_a_gap() {
        let mut l = AckLedger::new();
        l.connected();
        l.committed([tok(0, 65_534), tok(0, 65_535), tok(0, 1), tok(0, 2), tok(0, 7), tok(0, 8)]);
        assert_eq!(l.queue.len(), 2, "65534..=2 then 7..=8");
        let (_, sent) = release_all(&mut l);
        let ids: Vec<u16> = sent.iter().map(|t| t.pkid).collect();
        assert_eq!(ids, [65_534, 65_535, 1, 2, 7, 8]);
    }

    #[test]
    fn a_run_never_mixes_connections_or_qos() {
        let mut l = AckLedger::new();
        l.connected();
        l.connection_lost();
        l.connected();
        let q2 = AckToken { qos: QoS::ExactlyOnce, ..tok(1, 3) };
        l.committed([tok(0, 1), tok(1, 2), q2, tok(1, 4)]);
        assert_eq!(l.queue.len(), 4);
        let (r, sent) = release_all(&mut l);
        assert_eq!((r.stale, r.sent), (1, 3));
        assert_eq!(sent, [tok(1, 2), q2, tok(1, 4)]);
    }

    #[test]
    fn a_run_stays_shorter_than_the_packet_id_range() {
        let mut l = AckLedger::new();
        l.connected();
        // 70,000 acks in sequence wrap past their own first id: two runs at least.
        let mut pkid = 1u16;
        let tokens: Vec<AckToken> = (0..70_000)
            .map(|_| {
                let t = tok(0, pkid);
                pkid = next_pkid(pkid);
                t
            })
            .collect();
        l.committed(tokens.clone());
        assert!(l.queue.len() >= 2);
        assert!(l.queue.iter().all(|r| r.count < u16::MAX));
        assert_eq!(release_all(&mut l).1, tokens);
    }

    #[test]
    fn qos0_deliveries_are_never_acked() {
        let mut l = AckLedger::new();
        l.connected();
        let q0 = AckToken { generation: 0, pkid: 0, qos: QoS::AtMostOnce, bytes: 0 };
        l.committed([tok(0, 1), q0, tok(0, 2), q0]);
        let (r, sent) = release_all(&mut l);
        assert_eq!(r, Released { stale: 0, sent: 2, blocked: false });
        assert_eq!(sent, [tok(0, 1), tok(0, 2)], "no PUBACK for packet id 0");
        l.puback_written();
        l.puback_written();
        assert!(l.drained(), "a QoS 0 delivery leaves nothing to wait for");
    }
}
