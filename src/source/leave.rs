//! Leaving a shared subscription group, without I/O: when to send an UNSUBSCRIBE and when the
//! session is known to be empty.
//!
//! Mosquitto keeps assigning a member's share to its session while the session lives, so a
//! member that just stops delays its share (and loses it to the session's expiry). To leave,
//! the source unsubscribes (the broker assigns it nothing new) and keeps ingesting what the
//! session still holds: messages in flight and those queued beyond the receive maximum, which
//! Mosquitto sends as acks free room (`tests/scale_in.rs` checks that it does).
//!
//! The session is empty when an UNSUBSCRIBE sent after every message received so far was
//! acknowledged (PUBACK written) is answered (UNSUBACK) with no message arriving in between:
//! the broker handles a connection's packets in order, so it had processed every PUBACK, and
//! sends queued messages as soon as a PUBACK frees room, before it read the UNSUBSCRIBE. Only
//! then may the session be ended: ending it earlier would discard what it still holds.

/// Where a leave stands. See the module documentation.
#[derive(Debug, Default)]
pub struct Leave {
    requested: bool,
    /// An UNSUBSCRIBE is on its way and its UNSUBACK not seen yet.
    probe: Option<Probe>,
    done: bool,
}

#[derive(Debug, Clone, Copy)]
struct Probe {
    /// Every message received before it was sent had been acknowledged.
    settled: bool,
    /// No message arrived since it was sent.
    quiet: bool,
}

impl Leave {
    pub fn new() -> Leave {
        Leave::default()
    }

    /// Leaving was asked for.
    pub fn request(&mut self) {
        self.requested = true;
    }

    /// Whether the source is leaving (or has left): subscribe no more.
    pub fn requested(&self) -> bool {
        self.requested
    }

    /// The session holds nothing more: end it.
    pub fn done(&self) -> bool {
        self.done
    }

    /// Whether to send an UNSUBSCRIBE now (then call [`Leave::sent`]): leaving, connected,
    /// none on its way, and either none was sent on this connection yet (the first one stops
    /// the broker's assignments at once) or everything received is acknowledged (a probe).
    pub fn should_send(&self, connected: bool, settled: bool, first_on_connection: bool) -> bool {
        self.requested && !self.done && connected && self.probe.is_none() && (first_on_connection || settled)
    }

    /// An UNSUBSCRIBE was queued; `settled` as passed to [`Leave::should_send`].
    pub fn sent(&mut self, settled: bool) {
        self.probe = Some(Probe { settled, quiet: true });
    }

    /// A message arrived.
    pub fn message(&mut self) {
        if let Some(p) = &mut self.probe {
            p.quiet = false;
        }
    }

    /// An UNSUBACK arrived: the leave is done if its probe was sent settled and stayed quiet.
    pub fn unsubscribed(&mut self) {
        if let Some(p) = self.probe.take() {
            self.done |= self.requested && p.settled && p.quiet;
        }
    }

    /// The connection is gone: an UNSUBSCRIBE on its way will not be answered; the next
    /// connection starts over.
    pub fn connection_lost(&mut self) {
        self.probe = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_happens_until_asked() {
        let l = Leave::new();
        assert!(!l.should_send(true, true, true));
        assert!(!l.requested() && !l.done());
    }

    #[test]
    fn first_unsubscribe_goes_at_once_then_probes_wait_for_every_ack() {
        let mut l = Leave::new();
        l.request();
        assert!(!l.should_send(false, true, true), "not while disconnected");
        assert!(l.should_send(true, false, true), "the first one even with acks outstanding");
        l.sent(false);
        assert!(!l.should_send(true, true, false), "one at a time");
        l.unsubscribed();
        assert!(!l.done(), "sent with acks outstanding: proves nothing");
        assert!(!l.should_send(true, false, false), "a probe waits until everything is acked");
        assert!(l.should_send(true, true, false));
        l.sent(true);
        l.unsubscribed();
        assert!(l.done());
        assert!(!l.should_send(true, true, false), "done: nothing more to send");
    }

    #[test]
    fn a_message_during_the_probe_means_the_queue_is_not_empty() {
        let mut l = Leave::new();
        l.request();
        l.sent(true);
        l.message();
        l.unsubscribed();
        assert!(!l.done(), "the broker sent something: more may be queued");
        l.sent(true);
        l.unsubscribed();
        assert!(l.done());
    }

    #[test]
    fn a_lost_connection_starts_the_probe_over() {
        let mut l = Leave::new();
        l.request();
        l.sent(true);
        l.connection_lost();
        l.unsubscribed();
        assert!(!l.done(), "an answer with no probe on its way proves nothing");
        assert!(l.should_send(true, false, true), "the new connection unsubscribes at once");
    }
}
