//! Whether the pipeline is ready (subscribed, database reachable, not stalled).
//!
//! The stages report here as they work: the source when it is subscribed, the store when a
//! database call succeeds or fails, the batcher as it hands a batch to the store, the store
//! as the batch commits. "Stalled" means messages wait to be committed and nothing has committed for
//! longer than `stall_after`: the pipeline is neither progressing nor idle.
//!
//! Liveness (are the loops responsive, [`crate::liveness`]) travels with it: every clone of a
//! health reaches the same heartbeat registry ([`Health::heartbeat`], [`Health::liveness`]).
//!
//! Its times are read on a monotonic clock of its own, as the span since it was created
//! ([`Health::elapsed`]), not as instants of the calendar.

use crate::calendar::{millis_of, millis_span, SignedDuration};
use crate::liveness::{Heartbeat, Liveness, DEFAULT_LOOP_STALL_AFTER};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// `last_commit_ms` before anything waited or committed.
const NEVER: i64 = i64::MIN;

#[derive(Debug)]
struct State {
    subscribed: AtomicBool,
    database_up: AtomicBool,
    started: AtomicBool,
    batched_messages: AtomicU64,
    committed_messages: AtomicU64,
    /// Milliseconds on the monotonic clock ([`Health::elapsed`]) of the last commit, or [`NEVER`].
    last_commit_ms: AtomicI64,
    live_fold: Mutex<LiveFold>,
}

/// How the live fold stands (`/healthz` names it): refused by the database since when, and
/// the inbox frames it set aside since the start (docs/reliability.md).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LiveFold {
    /// When the first of the current run of refused folds was, on the monotonic clock
    /// ([`Health::elapsed`]).
    pub refused_since: Option<SignedDuration>,
    pub last_error: String,
    /// Inbox rows set aside since the start, and the last one's gateway and reason.
    pub set_aside: u64,
    pub last_set_aside: String,
}

/// Cheap to clone; every clone sees the same state.
#[derive(Debug, Clone)]
pub struct Health {
    state: Arc<State>,
    stall_after: SignedDuration,
    /// The origin of this health's monotonic clock: a wall clock stepped back or forward (NTP,
    /// a suspended VM) must neither hide a stall nor invent one.
    origin: Instant,
    liveness: Liveness,
}

/// What `/readyz` and the watchdog see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    NotReady(Vec<&'static str>),
}

impl Health {
    pub fn new(stall_after: Duration) -> Health {
        let state = State {
            subscribed: AtomicBool::new(false),
            database_up: AtomicBool::new(false),
            started: AtomicBool::new(false),
            batched_messages: AtomicU64::new(0),
            committed_messages: AtomicU64::new(0),
            last_commit_ms: AtomicI64::new(NEVER),
            live_fold: Mutex::new(LiveFold::default()),
        };
        Health {
            state: Arc::new(state),
            stall_after: millis_span(stall_after),
            origin: Instant::now(),
            liveness: Liveness::new(DEFAULT_LOOP_STALL_AFTER),
        }
    }

    /// The same health with its loops watched by `liveness` (call before cloning it).
    pub fn watching(self, liveness: Liveness) -> Health {
        Health { liveness, ..self }
    }

    /// The heartbeat registry of the pipeline's loops.
    pub fn liveness(&self) -> &Liveness {
        &self.liveness
    }

    /// A heartbeat for the loop `name`, registered now.
    pub fn heartbeat(&self, name: &'static str) -> Heartbeat {
        self.liveness.heartbeat(name)
    }

    /// The time since this health was created, to the millisecond, on the monotonic clock: the
    /// time every method taking `now` expects.
    pub fn elapsed(&self) -> SignedDuration {
        millis_span(self.origin.elapsed())
    }

    /// The database is prepared (migrations checked, registry synchronised): the pipeline runs.
    pub fn started(&self) {
        self.state.started.store(true, Ordering::Relaxed);
        self.state.database_up.store(true, Ordering::Relaxed);
    }

    pub fn subscribed(&self, yes: bool) {
        self.state.subscribed.store(yes, Ordering::Relaxed);
    }

    pub fn database_up(&self, yes: bool) {
        self.state.database_up.store(yes, Ordering::Relaxed);
    }

    /// Messages handed to the store in a batch (committed later, or the process ends).
    pub fn batched(&self, messages: usize) {
        self.state.batched_messages.fetch_add(messages as u64, Ordering::Relaxed);
    }

    /// A batch of `messages` committed at `now` (from [`Health::elapsed`]).
    pub fn committed(&self, messages: usize, now: SignedDuration) {
        self.state.committed_messages.fetch_add(messages as u64, Ordering::Relaxed);
        self.state.last_commit_ms.store(millis_of(now), Ordering::Relaxed);
    }

    /// Messages committed so far.
    pub fn committed_total(&self) -> u64 {
        self.state.committed_messages.load(Ordering::Relaxed)
    }

    /// Messages in batches not yet committed.
    pub fn waiting(&self) -> u64 {
        let s = &self.state;
        s.batched_messages.load(Ordering::Relaxed).saturating_sub(s.committed_messages.load(Ordering::Relaxed))
    }

    /// A fold of the live inbox committed.
    pub fn live_folded(&self) {
        self.with_live_fold(|f| f.refused_since = None);
    }

    /// The database refused a fold of the live inbox (not a lost connection: that is the
    /// database being down) at `now` (from [`Health::elapsed`]); returns since when every fold
    /// has been refused.
    pub fn live_fold_refused(&self, error: String, now: SignedDuration) -> SignedDuration {
        let mut f = self.state.live_fold.lock().unwrap_or_else(|p| p.into_inner());
        f.last_error = error;
        *f.refused_since.get_or_insert(now)
    }

    /// An inbox row or a gateway's held frames set aside: `what` names the gateway and reason.
    pub fn live_set_aside(&self, what: String) {
        self.with_live_fold(|f| {
            f.set_aside += 1;
            f.last_set_aside = what;
        });
    }

    pub fn live_fold(&self) -> LiveFold {
        self.state.live_fold.lock().map(|f| f.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    fn with_live_fold(&self, change: impl FnOnce(&mut LiveFold)) {
        let mut f = self.state.live_fold.lock().unwrap_or_else(|p| p.into_inner());
        change(&mut f);
    }

    /// Ready, or the reasons why not, at `now` (from [`Health::elapsed`]).
    pub fn readiness(&self, now: SignedDuration) -> Readiness {
        let s = &self.state;
        let mut why = Vec::new();
        if !s.started.load(Ordering::Relaxed) {
            why.push("database not prepared yet");
        }
        if !s.subscribed.load(Ordering::Relaxed) {
            why.push("not subscribed to the broker");
        }
        if !s.database_up.load(Ordering::Relaxed) {
            why.push("database unreachable");
        }
        if self.stalled(now) {
            why.push("stalled: messages wait and nothing committed lately");
        }
        if why.is_empty() {
            Readiness::Ready
        } else {
            Readiness::NotReady(why)
        }
    }

    /// Messages wait and the last commit (or the first wait) is older than `stall_after`.
    pub fn stalled(&self, now: SignedDuration) -> bool {
        if self.waiting() == 0 {
            return false;
        }
        let last = self.state.last_commit_ms.load(Ordering::Relaxed);
        if last == NEVER {
            // Nothing committed yet: start counting from the first wait.
            let now_ms = millis_of(now);
            let _ = self.state.last_commit_ms.compare_exchange(NEVER, now_ms, Ordering::Relaxed, Ordering::Relaxed);
            return false;
        }
        now.saturating_sub(SignedDuration::from_millis(last)) > self.stall_after
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: i64) -> SignedDuration {
        SignedDuration::from_millis(n)
    }

    #[test]
    fn ready_only_when_prepared_subscribed_reachable_and_moving() {
        let h = Health::new(Duration::from_secs(10));
        assert_eq!(
            h.readiness(ms(0)),
            Readiness::NotReady(vec![
                "database not prepared yet",
                "not subscribed to the broker",
                "database unreachable"
            ])
        );
        h.started();
        h.subscribed(true);
        assert_eq!(h.readiness(ms(1_000)), Readiness::Ready);
        // Work arrives and commits: ready.
        h.batched(5);
        assert_eq!(h.readiness(ms(2_000)), Readiness::Ready);
        h.committed(5, ms(3_000));
        assert_eq!(h.readiness(ms(60_000)), Readiness::Ready, "idle is healthy");
        // Work waits, nothing commits for longer than stall_after: stalled.
        h.batched(1);
        assert_eq!(h.readiness(ms(12_000)), Readiness::Ready);
        assert!(matches!(h.readiness(ms(13_001)), Readiness::NotReady(ref w) if w[0].starts_with("stalled")));
        h.committed(1, ms(14_000));
        assert_eq!(h.readiness(ms(14_000)), Readiness::Ready);
        h.database_up(false);
        assert_eq!(h.readiness(ms(14_000)), Readiness::NotReady(vec!["database unreachable"]));
    }

    #[test]
    fn the_live_fold_is_refused_since_its_first_refusal_until_one_commits() {
        let h = Health::new(Duration::from_secs(10));
        assert_eq!(h.live_fold(), LiveFold::default());
        h.live_fold_refused("timestamp out of range".into(), ms(1_000));
        h.live_fold_refused("timestamp out of range again".into(), ms(2_000));
        h.live_set_aside("gw-1: frame 7".into());
        let f = h.live_fold();
        assert_eq!((f.refused_since, f.last_error.as_str()), (Some(ms(1_000)), "timestamp out of range again"));
        assert_eq!((f.set_aside, f.last_set_aside.as_str()), (1, "gw-1: frame 7"));
        h.live_folded();
        assert_eq!(h.live_fold().refused_since, None);
        assert_eq!(h.live_fold().set_aside, 1, "the count of rows set aside stays");
    }

    #[test]
    fn the_clock_is_monotonic_and_starts_at_zero() {
        let h = Health::new(Duration::from_secs(10));
        let a = millis_of(h.elapsed());
        std::thread::sleep(Duration::from_millis(5));
        let b = millis_of(h.elapsed());
        assert!((0..1_000).contains(&a), "counted from creation, not from 1970: {a}");
        assert!(b >= a + 5, "{a} then {b}");
    }

    #[test]
    fn a_commit_at_the_clock_origin_still_counts_for_stalls() {
        let h = Health::new(Duration::from_secs(10));
        h.started();
        h.subscribed(true);
        h.batched(1);
        h.committed(1, ms(0));
        h.batched(1);
        assert_eq!(h.readiness(ms(10_000)), Readiness::Ready);
        assert!(matches!(h.readiness(ms(10_001)), Readiness::NotReady(ref w) if w[0].starts_with("stalled")));
    }
}
