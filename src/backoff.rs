//! Bounded exponential backoff with jitter, for reconnects and retries.

use rand::RngExt;
use std::time::Duration;

/// Doubles from `min` up to `max`; each delay is drawn uniformly from its upper half
/// (so it never exceeds `max` and never falls below `min / 2`).
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    current: Duration,
}

impl Backoff {
    pub fn new(min: Duration, max: Duration) -> Self {
        Backoff { min, max: max.max(min), current: min }
    }

    /// The next delay to wait.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self.current;
        self.current = (self.current * 2).min(self.max);
        let floor = ceiling / 2;
        let span = (ceiling - floor).as_micros() as u64;
        floor + Duration::from_micros(rand::rng().random_range(0..=span))
    }

    /// Back to the first delay, after a success.
    pub fn reset(&mut self) {
        self.current = self.min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_within_bounds_and_grows() {
        let (min, max) = (Duration::from_millis(100), Duration::from_secs(2));
        let mut b = Backoff::new(min, max);
        let delays: Vec<_> = (0..20).map(|_| b.next_delay()).collect();
        assert!(delays.iter().all(|d| *d >= min / 2 && *d <= max), "{delays:?}");
        assert!(delays[10] >= max / 2, "reaches the cap: {delays:?}");
        b.reset();
        assert!(b.next_delay() <= min);
    }
}
