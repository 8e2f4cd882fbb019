//! Per-gateway flood limit: a token bucket per registry gateway, in messages per second.
//!
//! A gateway sending far above its configured rate (a firmware loop, a replay gone wrong)
//! must not slow down the others: its excess messages are dead-lettered whole (reason
//! `gateway_flood`, payload kept, so nothing is silently dropped and the data can be replayed)
//! without being decoded or stored as readings. Time comes from each delivery's receive time.

use crate::calendar::{millis_of, Timestamp};
use crate::wire::{RejectReason, Rejection, TopicLayout, WHOLE_MESSAGE};
use crate::zone::Zone;
use bytes::Bytes;
use std::collections::HashMap;

/// The limit: `rate` messages per second sustained, `burst` at once (0 rate: no limit).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FloodLimit {
    pub rate: f64,
    pub burst: f64,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    /// The latest receive time it was refilled at.
    at: Timestamp,
}

/// Buckets for the registry's gateways, plus one shared by every id the registry does not know
/// (so random ids in topics cannot grow the map).
#[derive(Debug)]
pub struct FloodGuard {
    limit: FloodLimit,
    buckets: HashMap<String, Bucket>,
}

const UNKNOWN: &str = "";

impl FloodGuard {
    pub fn new(limit: FloodLimit) -> FloodGuard {
        FloodGuard { limit, buckets: HashMap::new() }
    }

    /// A new limit (on a configuration reload); the buckets keep their tokens.
    pub fn set_limit(&mut self, limit: FloodLimit) {
        self.limit = limit;
    }

    /// None when the message may go on; the dead letter when its gateway is over the limit.
    pub fn check(
        &mut self,
        topic: &str,
        payload: &Bytes,
        received: Timestamp,
        layout: &TopicLayout,
        zone: &Zone,
    ) -> Option<Rejection> {
        if self.limit.rate <= 0.0 {
            return None;
        }
        let ids = layout.ids(topic).ok()?; // a bad topic is rejected by validation itself
        let key = if zone.company_of(ids.gateway).is_some() { ids.gateway } else { UNKNOWN };
        let FloodLimit { rate, burst } = self.limit;
        let bucket = match self.buckets.get_mut(key) {
            Some(b) => b,
            None => self.buckets.entry(key.to_string()).or_insert(Bucket { tokens: burst, at: received }),
        };
        let elapsed_s = millis_of(received - bucket.at).max(0) as f64 / 1000.0;
        bucket.tokens = (bucket.tokens + elapsed_s * rate).min(burst);
        bucket.at = bucket.at.max(received);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return None;
        }
        Some(Rejection {
            topic: topic.chars().take(256).collect(),
            gateway: Some(ids.gateway.to_string()),
            company: Some(ids.company.to_string()),
            reason: RejectReason::GatewayFlood,
            detail: format!("gateway {:?} above {rate} messages/s (burst {burst})", ids.gateway),
            payload: payload.clone(),
            reading_index: WHOLE_MESSAGE,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn at(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms)
    }

    fn setup() -> (Zone, TopicLayout) {
        let zone = Zone::load(concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml")).unwrap().numbered();
        (zone, TopicLayout::parse("zone/+/+/up").unwrap())
    }

    #[test]
    fn burst_then_rate_per_gateway_and_others_untouched() {
        let (zone, layout) = setup();
        let gateways = zone.gateways();
        let (flooder, quiet) = (&gateways[0], &gateways[1]);
        let topic_f = layout.topic_for(flooder.1, flooder.0);
        let topic_q = layout.topic_for(quiet.1, quiet.0);
        let mut g = FloodGuard::new(FloodLimit { rate: 10.0, burst: 20.0 });
        let p = Bytes::from_static(b"x");
        // 100 messages in the same millisecond: the burst passes, the rest is dead-lettered.
        let passed = (0..100).filter(|_| g.check(&topic_f, &p, at(1_000), &layout, &zone).is_none()).count();
        assert_eq!(passed, 20);
        // Another gateway is not affected.
        assert!(g.check(&topic_q, &p, at(1_000), &layout, &zone).is_none());
        // One second later, ten more.
        let passed = (0..100).filter(|_| g.check(&topic_f, &p, at(2_000), &layout, &zone).is_none()).count();
        assert_eq!(passed, 10);
        let r = g.check(&topic_f, &p, at(2_000), &layout, &zone).unwrap();
        assert_eq!((r.reason.code(), r.reading_index), ("gateway_flood", WHOLE_MESSAGE));
        assert_eq!(r.payload, p, "the dead letter keeps the payload");
    }

    #[test]
    fn unknown_ids_share_one_bucket_and_no_limit_means_none() {
        let (zone, layout) = setup();
        let mut g = FloodGuard::new(FloodLimit { rate: 1.0, burst: 5.0 });
        let p = Bytes::new();
        let passed =
            (0..50).filter(|i| g.check(&format!("zone/x/unknown-{i}/up"), &p, at(0), &layout, &zone).is_none()).count();
        assert_eq!(passed, 5);
        assert_eq!(g.buckets.len(), 1);
        let mut off = FloodGuard::new(FloodLimit { rate: 0.0, burst: 0.0 });
        assert!((0..1000).all(|_| off.check("zone/x/y/up", &p, at(0), &layout, &zone).is_none()));
    }
}
