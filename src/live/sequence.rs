//! Each gateway's frame counter: frames are released to the live state in counter order, a
//! gap is waited for and then declared missing, and the cases that are not gaps are told
//! apart. Pure; the rules are documented in docs/operations.md ("Frames missing before the
//! daemon"):
//!
//! - The counter is a `u32` that wraps: distances are taken modulo 2^32 (serial number
//!   arithmetic, RFC 1982), so `u32::MAX` is followed by 0.
//! - A frame ahead of the next expected one is held until the frames before it arrive. With
//!   a shared subscription they may be committed by another instance a moment later.
//! - A gap is declared (its frames counted missing) once frames have been held behind it for
//!   `reorder_wait`, or once `max_held` frames are held.
//! - A frame behind the counter is a restart of the gateway when its base time is later than
//!   that of the latest frame released, or, before a counter is known, held (a reboot that
//!   restarts the counter); otherwise it is
//!   late (redelivered, or arrived after being declared missing), and is applied as a late
//!   reading without moving the counter. A jump ahead of more than [`MAX_AHEAD`] is a restart.
//! - A gateway seen for the first time, or after a restart, starts at the first held counter
//!   in counter order: the one after the largest circular distance between held counters (so
//!   `4294967294, 4294967295, 0, 1` starts at 4294967294); at once when that is 0 or 1 (a
//!   counter that just started), else after `reorder_wait`. Held frames more than
//!   [`MAX_AHEAD`] past the frames released before them are a restart there, not a gap.

use crate::calendar::{SignedDuration, Timestamp};
use crate::wire::InboxFrame;
use std::collections::BTreeMap;

/// A jump ahead larger than this is a restart, not a gap.
pub const MAX_AHEAD: u32 = 1 << 20;

/// When a gap is declared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SequenceParams {
    pub reorder_wait: SignedDuration,
    pub max_held: usize,
}

/// One gateway's counter, as stored in `gateway_sequence`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GatewaySequence {
    /// The next counter value expected; `None` before the first frame is released.
    pub next: Option<u32>,
    /// Base time of the latest frame released.
    pub last_frame: Option<Timestamp>,
    /// Frames held behind a gap, by counter.
    pub held: BTreeMap<u32, InboxFrame>,
    /// Wall-clock time the current hold began.
    pub held_since: Option<Timestamp>,
    pub received: i64,
    pub missing: i64,
    pub late: i64,
    pub restarts: i64,
}

/// Frames that never arrived (or not within the wait): `first_seq ..= last_seq`.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    pub first_seq: u32,
    pub last_seq: u32,
    pub missing: i64,
    /// Base time of the frame released before the gap.
    pub after: Option<Timestamp>,
    /// Base time of the frame after it.
    pub before: Timestamp,
}

/// What one round released.
#[derive(Debug, Default, PartialEq)]
pub struct ReleasedFrames {
    /// Frames to apply, in counter order; late frames come where they were met.
    pub frames: Vec<InboxFrame>,
    pub gaps: Vec<Gap>,
    pub late: i64,
    pub restarts: i64,
}

impl GatewaySequence {
    /// Takes the frames committed since the last round and releases what can be, at `now`.
    pub fn receive(&mut self, mut incoming: Vec<InboxFrame>, now: Timestamp, p: &SequenceParams) -> ReleasedFrames {
        let mut out = ReleasedFrames::default();
        incoming.sort_by_key(|f| (f.base, f.seq));
        // The latest held frame, (base, counter), while no counter is known: worked out once,
        // then kept up to date as frames are held, and again after a restart (a scan of the
        // held frames per frame made a backlog's fold quadratic).
        let mut latest: Option<Option<(Timestamp, u32)>> = None;
        for f in incoming {
            self.received += 1;
            if let Some(held) = self.held.get_mut(&f.seq) {
                // The same counter again: a restarted counter (a later time), or a copy. Of two
                // copies committed by two instances one stored the readings, the other none,
                // in either order within a fold: the held frame keeps the readings of both.
                if f.base > held.base {
                    self.restart(f, now, p, &mut out);
                    latest = None;
                } else {
                    held.readings.extend(f.readings);
                    self.late += 1;
                    out.late += 1;
                }
                continue;
            }
            let Some(next) = self.next else {
                // No counter yet: a frame later than the latest frame held but behind it, or
                // more than MAX_AHEAD ahead of it, is a restart among the held frames.
                let held_latest = *latest.get_or_insert_with(|| self.latest_held());
                if held_latest.is_some_and(|(base, seq)| f.base > base && f.seq.wrapping_sub(seq) > MAX_AHEAD) {
                    self.restart(f, now, p, &mut out);
                    latest = None;
                } else {
                    let this = (f.base, f.seq);
                    self.hold(f, now);
                    latest = Some(Some(held_latest.map_or(this, |l| l.max(this))));
                }
                continue;
            };
            let ahead = f.seq.wrapping_sub(next);
            let behind = is_behind(f.seq, next);
            if !behind && ahead <= MAX_AHEAD {
                self.hold(f, now);
            } else if !behind || self.last_frame.is_none_or(|last| f.base > last) {
                self.restart(f, now, p, &mut out);
                latest = None;
            } else {
                self.late += 1;
                out.late += 1;
                out.frames.push(f);
            }
        }
        self.release(now, p, false, &mut out);
        out
    }

    /// A restarted counter: what the old one still held goes first, gaps declared; the new
    /// counter then starts like a new gateway's.
    fn restart(&mut self, f: InboxFrame, now: Timestamp, p: &SequenceParams, out: &mut ReleasedFrames) {
        self.release(now, p, true, out);
        self.next = None;
        self.restarts += 1;
        out.restarts += 1;
        self.hold(f, now);
    }

    /// The held frame with the latest base time (of those, the highest counter), as
    /// (base, counter).
    fn latest_held(&self) -> Option<(Timestamp, u32)> {
        self.held.values().map(|h| (h.base, h.seq)).max()
    }

    fn hold(&mut self, f: InboxFrame, now: Timestamp) {
        if self.held.is_empty() {
            self.held_since = Some(now);
        }
        self.held.insert(f.seq, f);
    }

    /// Releases held frames in counter order; declares the gap in front of them when waited
    /// for long enough, when too many are held, or when `force`d (a restart).
    fn release(&mut self, now: Timestamp, p: &SequenceParams, force: bool, out: &mut ReleasedFrames) {
        let waited = |since: Option<Timestamp>| since.is_some_and(|s| now - s >= p.reorder_wait);
        let mut progressed = false;
        while !self.held.is_empty() {
            let give_up = force || waited(self.held_since) || self.held.len() >= p.max_held;
            let next = match self.next {
                Some(n) => n,
                None => {
                    let Some(first) = first_in_counter_order(&self.held) else { break };
                    if first > 1 && !give_up {
                        break;
                    }
                    self.next = Some(first);
                    first
                }
            };
            if let Some(f) = self.held.remove(&next) {
                self.next = Some(next.wrapping_add(1));
                self.last_frame = Some(f.base);
                out.frames.push(f);
                progressed = true;
                continue;
            }
            if !give_up {
                break;
            }
            // The held frame closest ahead: the first at or after `next`, else (wrapped) the first.
            let Some(nearest) = self.held.range(next..).next().or_else(|| self.held.iter().next()).map(|(_, f)| f)
            else {
                break;
            };
            let missing = nearest.seq.wrapping_sub(next);
            if missing > MAX_AHEAD {
                // Only a start chosen among held frames can be this far behind one of them
                // (a frame this far ahead of a known counter is a restart on arrival): the
                // frames ahead belong to a restarted counter, which starts again.
                self.next = None;
                self.restarts += 1;
                out.restarts += 1;
                continue;
            }
            out.gaps.push(Gap {
                first_seq: next,
                last_seq: nearest.seq.wrapping_sub(1),
                missing: i64::from(missing),
                after: self.last_frame,
                before: nearest.base,
            });
            self.missing += i64::from(missing);
            self.next = Some(nearest.seq);
        }
        if self.held.is_empty() {
            self.held_since = None;
        } else if progressed {
            self.held_since = Some(now);
        }
    }
}

/// Whether counter `a` comes before `b` (serial number arithmetic: less than half the circle
/// behind it).
fn is_behind(a: u32, b: u32) -> bool {
    a.wrapping_sub(b) > u32::MAX / 2
}

/// Where a counter starts among the frames held without one (a new gateway, or after a
/// restart): the frame after the largest circular distance between two held counters, so that
/// `4294967294, 4294967295, 0, 1` starts at 4294967294 and not at 0.
fn first_in_counter_order<T>(held: &BTreeMap<u32, T>) -> Option<u32> {
    let keys: Vec<u32> = held.keys().copied().collect();
    let (&lowest, &highest) = (keys.first()?, keys.last()?);
    // Going round: from the highest back to the lowest (the whole circle for a single frame).
    let mut best = (lowest.wrapping_sub(highest).wrapping_sub(1), lowest);
    for pair in keys.windows(2) {
        let distance = pair[1] - pair[0] - 1;
        if distance > best.0 {
            best = (distance, pair[1]);
        }
    }
    Some(best.1)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod model;
