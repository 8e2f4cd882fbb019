//! The in-flight byte budget (`mqtt.max_inflight_bytes`): the topic and payload bytes of the
//! messages received from the broker and not yet handed back by the store after their COMMIT.
//!
//! The receive maximum bounds messages, not bytes: 8,000 messages of the largest packet are
//! 2.5 GiB. The source reads the next message only while a message of the largest size
//! (`mqtt.max_packet_bytes`) still fits, so the bytes held never exceed the budget; with
//! nothing in flight it always reads, so a budget below one packet cannot stall the daemon.
//!
//! rumqttc cannot read without writing or write without reading: its event loop sends the
//! acks and pings only while it is polled, and every poll may read. So the source holds back
//! both while the budget is full. Nothing waits on the broker for the budget to free up: the
//! batch stage commits what it holds after `batch.max_age`, the store hands the acks back,
//! their bytes are given back here, and the event loop is polled again, writing the acks.

/// Bytes in flight against the budget. Pure bookkeeping: the source polls rumqttc only while
/// [`InflightBudget::has_room`] says so.
#[derive(Debug, Clone)]
pub struct InflightBudget {
    limit: u64,
    /// Room kept for the next message: the largest packet the broker may send.
    largest: u64,
    held: u64,
}

impl InflightBudget {
    pub fn new(limit: usize, largest_message: usize) -> InflightBudget {
        InflightBudget { limit: limit as u64, largest: largest_message as u64, held: 0 }
    }

    /// A message taken from the broker.
    pub fn take(&mut self, bytes: u32) {
        self.held += u64::from(bytes);
    }

    /// Messages handed back after their COMMIT, or dropped unprocessed (a stop).
    pub fn give_back(&mut self, bytes: u64) {
        debug_assert!(bytes <= self.held, "gave back {bytes} of {} bytes held", self.held);
        self.held = self.held.saturating_sub(bytes);
    }

    /// A message of the largest size fits, or nothing is in flight (a budget below one
    /// packet still lets one message through at a time).
    pub fn has_room(&self) -> bool {
        self.held == 0 || self.held.saturating_add(self.largest) <= self.limit
    }

    pub fn held(&self) -> u64 {
        self.held
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_while_a_largest_message_fits() {
        let mut b = InflightBudget::new(1000, 300);
        assert!(b.has_room());
        b.take(700);
        assert!(b.has_room(), "700 + 300 = 1000 fits");
        b.take(1);
        assert!(!b.has_room(), "701 + 300 does not");
        b.give_back(1);
        assert!(b.has_room());
        assert_eq!(b.held(), 700);
    }

    #[test]
    fn never_held_above_the_limit() {
        // Whatever the sizes, a message is taken only with room for the largest one.
        let (limit, largest) = (10_000u64, 2_500u32);
        let mut b = InflightBudget::new(limit as usize, largest as usize);
        let mut in_flight = std::collections::VecDeque::new();
        for i in 0..10_000u32 {
            if b.has_room() {
                let size = (i * 7919) % (largest + 1);
                b.take(size);
                in_flight.push_back(size);
                assert!(b.held() <= limit);
            } else {
                let size = in_flight.pop_front().expect("something in flight when full");
                b.give_back(u64::from(size));
            }
        }
    }

    #[test]
    fn a_budget_below_one_packet_lets_one_message_through_at_a_time() {
        let mut b = InflightBudget::new(100, 1000);
        assert!(b.has_room(), "nothing in flight: read");
        b.take(900);
        assert!(!b.has_room());
        b.give_back(900);
        assert!(b.has_room());
    }
}
