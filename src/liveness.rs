//! Liveness: whether the pipeline's loops are alive and responsive (not whether data moves).
//!
//! Each long-running loop (source, batch, store, live, reloads, the service loop) holds a
//! [`Heartbeat`] and beats it at every turn of its loop, and at least every
//! [`Heartbeat::every`] while it waits, whatever it waits for: a message, a database with
//! backoff, room downstream. A loop waiting for a dependency is alive; a loop that has not
//! beaten for longer than `service.loop_stall_after` is wedged, and the daemon is then not
//! alive: no systemd watchdog ping, `/healthz` 503 naming the loop. Readiness (`/readyz`,
//! the `health` module) is the other question: are the dependencies there.
//!
//! A loop that ends drops its heartbeat and is no longer watched.
//!
//! Test hook (debug builds only): `WASTEFLOW_TEST_WEDGE=store` (a comma-separated list of loop
//! names) makes that loop block forever at its first turn without beating, as a deadlock would
//! ([`Heartbeat::wedge_point`]). Release builds ignore the variable.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// Default of `service.loop_stall_after`.
pub const DEFAULT_LOOP_STALL_AFTER: Duration = Duration::from_secs(30);

/// The environment variable of the test hook (read in debug builds only).
pub const WEDGE_VAR: &str = "WASTEFLOW_TEST_WEDGE";

#[derive(Debug)]
struct Slot {
    name: &'static str,
    /// Milliseconds since the registry's origin at the last beat.
    last_ms: AtomicU64,
}

#[derive(Debug)]
struct Registry {
    origin: Instant,
    stall_after: Duration,
    loops: Mutex<Vec<Weak<Slot>>>,
}

/// The registry every heartbeat reports to. Cheap to clone; every clone sees the same loops.
#[derive(Debug, Clone)]
pub struct Liveness {
    registry: Arc<Registry>,
}

/// A loop that has not beaten for longer than the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stalled {
    pub name: &'static str,
    /// Time since its last beat.
    pub silent: Duration,
}

impl std::fmt::Display for Stalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "loop {} silent for {:.1} s", self.name, self.silent.as_secs_f64())
    }
}

impl Liveness {
    pub fn new(stall_after: Duration) -> Liveness {
        let registry = Registry { origin: Instant::now(), stall_after, loops: Mutex::new(Vec::new()) };
        Liveness { registry: Arc::new(registry) }
    }

    /// The limit after which a silent loop counts as wedged.
    pub fn stall_after(&self) -> Duration {
        self.registry.stall_after
    }

    /// A heartbeat for the loop `name`, registered (and beaten) now.
    pub fn heartbeat(&self, name: &'static str) -> Heartbeat {
        let slot = Arc::new(Slot { name, last_ms: AtomicU64::new(0) });
        let beat = Heartbeat::with(slot, self.registry.origin, self.registry.stall_after);
        beat.beat();
        let mut loops = self.registry.loops.lock().unwrap_or_else(|e| e.into_inner());
        loops.retain(|w| w.strong_count() > 0);
        loops.push(Arc::downgrade(&beat.slot));
        beat
    }

    /// The loops silent for longer than the limit, at `now`.
    pub fn stalled_at(&self, now: Instant) -> Vec<Stalled> {
        let now_ms = now.saturating_duration_since(self.registry.origin).as_millis() as u64;
        let loops = self.registry.loops.lock().unwrap_or_else(|e| e.into_inner());
        loops
            .iter()
            .filter_map(Weak::upgrade)
            .filter_map(|slot| {
                let silent = Duration::from_millis(now_ms.saturating_sub(slot.last_ms.load(Ordering::Relaxed)));
                (silent > self.registry.stall_after).then_some(Stalled { name: slot.name, silent })
            })
            .collect()
    }

    /// The loops silent for longer than the limit now; empty while the daemon is alive.
    pub fn stalled(&self) -> Vec<Stalled> {
        self.stalled_at(Instant::now())
    }
}

/// One loop's heartbeat. Clones beat for the same loop; the loop stops being watched when the
/// last clone is dropped.
#[derive(Debug, Clone)]
pub struct Heartbeat {
    slot: Arc<Slot>,
    origin: Instant,
    every: Duration,
    wedged: bool,
}

impl Heartbeat {
    fn with(slot: Arc<Slot>, origin: Instant, stall_after: Duration) -> Heartbeat {
        let every = (stall_after / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
        let wedged = cfg!(debug_assertions)
            && std::env::var(WEDGE_VAR).is_ok_and(|v| v.split(',').any(|n| n.trim() == slot.name));
        Heartbeat { slot, origin, every, wedged }
    }

    /// A heartbeat no registry watches (a stage run on its own, in tests or tools).
    pub fn detached(name: &'static str) -> Heartbeat {
        let slot = Arc::new(Slot { name, last_ms: AtomicU64::new(0) });
        Heartbeat::with(slot, Instant::now(), DEFAULT_LOOP_STALL_AFTER)
    }

    pub fn name(&self) -> &'static str {
        self.slot.name
    }

    /// The loop is alive now.
    pub fn beat(&self) {
        let ms = self.origin.elapsed().as_millis() as u64;
        self.slot.last_ms.store(ms, Ordering::Relaxed);
    }

    /// How often a waiting loop beats: a quarter of the limit, at most a second.
    pub fn every(&self) -> Duration {
        self.every
    }

    /// An interval of [`Heartbeat::every`] for a loop's `select!`: an arm that beats, so the
    /// loop beats while every other arm waits. The first tick is one period from now.
    pub fn ticker(&self) -> tokio::time::Interval {
        let mut t = tokio::time::interval_at(tokio::time::Instant::now() + self.every, self.every);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        t
    }

    /// Awaits `f`, beating every [`Heartbeat::every`] while it is pending (a wait the loop
    /// chose: a backoff, room downstream, a dependency's answer). `f` is never cancelled.
    pub async fn wait<F: Future>(&self, f: F) -> F::Output {
        tokio::pin!(f);
        let mut ticker = self.ticker();
        loop {
            tokio::select! {
                biased;
                out = &mut f => {
                    self.beat();
                    return out;
                }
                _ = ticker.tick() => self.beat(),
            }
        }
    }

    /// Sleeps for `d`, beating meanwhile.
    pub async fn sleep(&self, d: Duration) {
        self.wait(tokio::time::sleep(d)).await
    }

    /// The test hook: in a debug build with `WASTEFLOW_TEST_WEDGE` naming this loop, blocks
    /// forever without beating. Does nothing otherwise.
    pub async fn wedge_point(&self) {
        if self.wedged {
            tracing::warn!(r#loop = self.slot.name, "test hook {WEDGE_VAR}: this loop blocks forever");
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loop_silent_beyond_the_limit_is_named() {
        let l = Liveness::new(Duration::from_secs(10));
        let store = l.heartbeat("store");
        let live = l.heartbeat("live");
        let t0 = l.registry.origin;
        assert!(l.stalled_at(t0 + Duration::from_secs(10)).is_empty(), "at the limit: alive");
        let stalled = l.stalled_at(t0 + Duration::from_millis(10_001));
        assert_eq!(stalled.iter().map(|s| s.name).collect::<Vec<_>>(), ["store", "live"]);
        // A beat puts it back among the living; a dropped heartbeat is no longer watched.
        store.beat();
        drop(live);
        let beaten = Duration::from_millis(store.slot.last_ms.load(Ordering::Relaxed));
        assert!(l.stalled_at(t0 + beaten + Duration::from_secs(10)).is_empty());
        assert_eq!(l.stalled_at(t0 + beaten + Duration::from_secs(11))[0].to_string(), "loop store silent for 11.0 s");
    }

    #[tokio::test]
    async fn waiting_beats_and_a_wedge_does_not() {
        let l = Liveness::new(Duration::from_millis(200));
        let beat = l.heartbeat("store");
        // A wait five times the limit (a backoff, a dependency): beaten throughout, and
        // finished, not cancelled.
        let out = beat.wait(async {
            tokio::time::sleep(Duration::from_millis(1_000)).await;
            7
        });
        let watcher = async {
            for _ in 0..18 {
                tokio::time::sleep(Duration::from_millis(50)).await;
                assert_eq!(l.stalled(), vec![], "beaten while waiting");
            }
        };
        let (out, ()) = tokio::join!(out, watcher);
        assert_eq!(out, 7);
        // Blocked without beating (what the test hook does): named once past the limit.
        let wedged = tokio::time::timeout(Duration::from_millis(400), std::future::pending::<()>());
        assert!(wedged.await.is_err());
        assert_eq!(l.stalled().iter().map(|s| s.name).collect::<Vec<_>>(), ["store"]);
    }

    #[test]
    fn the_limit_sets_the_beat_period() {
        let l = Liveness::new(Duration::from_millis(200));
        assert_eq!(l.heartbeat("a").every(), Duration::from_millis(50));
        assert_eq!(Heartbeat::detached("b").every(), Duration::from_secs(1));
    }
}
