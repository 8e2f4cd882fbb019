use super::*;

const P: SequenceParams = SequenceParams { reorder_wait: SignedDuration::from_millis(10_000), max_held: 100 };

/// The instant `ms` milliseconds after the epoch.
fn t(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

/// Frame `seq` with its base time `ms` milliseconds after the epoch.
fn frame(seq: u32, ms: i64) -> InboxFrame {
    InboxFrame { seq, base: t(ms), readings: vec![] }
}

fn seqs(r: &ReleasedFrames) -> Vec<u32> {
    r.frames.iter().map(|f| f.seq).collect()
}

#[test]
fn frames_in_order_are_released_at_once() {
    let mut g = GatewaySequence::default();
    let r = g.receive((1..=5).map(|s| frame(s, i64::from(s) * 1000)).collect(), t(0), &P);
    assert_eq!(seqs(&r), [1, 2, 3, 4, 5]);
    assert_eq!((g.next, g.missing, g.received), (Some(6), 0, 5));
}

#[test]
fn frames_committed_out_of_order_by_other_instances_are_put_back_in_order() {
    let mut g = GatewaySequence::default();
    // Instance A commits 1, 4 and 7 first; B's 2 and 5 and C's 3 and 6 come in later rounds.
    let r = g.receive(vec![frame(1, 1), frame(4, 4), frame(7, 7)], t(0), &P);
    assert_eq!(seqs(&r), [1]);
    let r = g.receive(vec![frame(2, 2), frame(5, 5)], t(100), &P);
    assert_eq!(seqs(&r), [2]);
    let r = g.receive(vec![frame(3, 3), frame(6, 6)], t(200), &P);
    assert_eq!(seqs(&r), [3, 4, 5, 6, 7]);
    assert_eq!((g.missing, g.held.len(), g.held_since), (0, 0, None));
}

#[test]
fn a_gap_is_declared_after_the_reorder_wait_with_its_size() {
    let mut g = GatewaySequence::default();
    g.receive(vec![frame(1, 1000)], t(0), &P);
    // 2..=4 were dropped by the broker.
    let r = g.receive(vec![frame(5, 5000), frame(6, 6000)], t(1_000), &P);
    assert!(r.frames.is_empty() && r.gaps.is_empty(), "held while the wait runs");
    let r = g.receive(vec![], t(1_000 + 9_999), &P);
    assert!(r.frames.is_empty(), "still within the wait");
    let r = g.receive(vec![], t(1_000 + 10_000), &P);
    assert_eq!(seqs(&r), [5, 6]);
    assert_eq!(r.gaps, [Gap { first_seq: 2, last_seq: 4, missing: 3, after: Some(t(1000)), before: t(5000) }]);
    assert_eq!(g.missing, 3);
}

#[test]
fn too_many_frames_held_declare_the_gap_without_waiting() {
    let mut g = GatewaySequence::default();
    g.receive(vec![frame(1, 1)], t(0), &P);
    let r = g.receive((3..3 + 100).map(|s| frame(s, i64::from(s))).collect(), t(0), &P);
    assert_eq!(r.frames.len(), 100);
    assert_eq!(g.missing, 1, "only frame 2 is missing");
}

#[test]
fn the_counter_wraps_around_without_a_gap() {
    let mut g = GatewaySequence::default();
    g.receive(vec![frame(1, 1)], t(0), &P);
    g.next = Some(u32::MAX - 1);
    let r = g.receive(vec![frame(0, 30), frame(u32::MAX, 20), frame(u32::MAX - 1, 10), frame(1, 40)], t(0), &P);
    assert_eq!(seqs(&r), [u32::MAX - 1, u32::MAX, 0, 1]);
    assert_eq!((g.missing, g.restarts, g.next), (0, 0, Some(2)));
}

#[test]
fn a_backward_jump_with_a_later_time_is_a_restart_not_a_gap() {
    let mut g = GatewaySequence::default();
    g.receive((1..=500).map(|s| frame(s, i64::from(s) * 1000)).collect(), t(0), &P);
    // The gateway rebooted: its counter starts again at 1, with later times.
    let r = g.receive(vec![frame(1, 600_000), frame(2, 601_000)], t(50), &P);
    assert_eq!(seqs(&r), [1, 2]);
    assert_eq!((g.restarts, g.missing, g.late), (1, 0, 0));
}

#[test]
fn a_redelivered_frame_is_late_and_moves_nothing() {
    let mut g = GatewaySequence::default();
    g.receive((1..=3).map(|s| frame(s, i64::from(s) * 1000)).collect(), t(0), &P);
    let r = g.receive(vec![frame(2, 2000)], t(10), &P);
    assert_eq!(seqs(&r), [2], "applied as a late frame (its readings were deduplicated by the store)");
    assert_eq!((g.next, g.late, g.restarts, g.missing), (Some(4), 1, 0, 0));
    // A duplicate of a held frame is late too, and held once.
    g.receive(vec![frame(6, 6000)], t(20), &P);
    g.receive(vec![frame(6, 6000)], t(30), &P);
    assert_eq!((g.held.len(), g.late), (1, 2));
}

#[test]
fn a_new_gateway_starts_at_once_from_counter_one_and_waits_otherwise() {
    let mut g = GatewaySequence::default();
    // Frame 2 is committed before frame 1: it waits for it.
    assert!(g.receive(vec![frame(2, 2)], t(0), &P).frames.is_empty());
    assert_eq!(seqs(&g.receive(vec![frame(1, 1)], t(10), &P)), [1, 2]);
    // A gateway first seen mid-count starts at the lowest counter after the wait, no gap.
    let mut h = GatewaySequence::default();
    assert!(h.receive(vec![frame(901, 2), frame(900, 1)], t(0), &P).frames.is_empty());
    assert_eq!(seqs(&h.receive(vec![], t(10_000), &P)), [900, 901]);
    assert_eq!(h.missing, 0);
}

#[test]
fn a_huge_jump_ahead_is_a_restart() {
    let mut g = GatewaySequence::default();
    g.receive(vec![frame(1, 1)], t(0), &P);
    let r = g.receive(vec![frame(2 + MAX_AHEAD + 1, 2)], t(0), &P);
    assert_eq!((g.restarts, g.missing), (1, 0));
    assert!(r.frames.is_empty(), "the new counter waits like a new gateway");
}

#[test]
fn a_restart_sent_twice_is_one_restart_and_one_late_copy() {
    let mut g = GatewaySequence::default();
    g.receive((1..=100).map(|s| frame(s, 1_000 + i64::from(s))).collect(), t(0), &P);
    let later = 7_200_000;
    let r = g.receive(vec![frame(1, later), frame(1, later)], t(50), &P);
    assert_eq!(seqs(&r), [1]);
    assert_eq!((g.restarts, g.late, g.next), (1, 1, Some(2)));
}

#[test]
fn a_restart_folded_with_the_frames_before_it_is_still_a_restart() {
    // A new gateway's first hundred frames and its restarted counter's first frame (sent
    // twice) reach the same fold.
    let mut g = GatewaySequence::default();
    let mut frames: Vec<InboxFrame> = (1..=100).map(|s| frame(s, 1_000 + i64::from(s))).collect();
    frames.extend([frame(1, 7_200_000), frame(1, 7_200_000)]);
    let r = g.receive(frames, t(0), &P);
    assert_eq!(r.frames.len(), 101);
    assert_eq!(r.frames.last().map(|f| (f.seq, f.base.as_millis())), Some((1, 7_200_000)));
    assert_eq!((g.restarts, g.late, g.missing, g.next), (1, 1, 0, Some(2)));
}

#[test]
fn of_two_copies_the_one_with_the_readings_counts_whichever_comes_first() {
    let reading = crate::wire::InboxReading { attribution: 1, kind: 0, offset_ms: 0, value_milli: 1 };
    let with = InboxFrame { seq: 2, base: t(5), readings: vec![reading] };
    let without = frame(2, 5);
    let mut g = GatewaySequence::default();
    g.receive(vec![frame(1, 1)], t(0), &P);
    // The copy that found its readings already stored comes first in the fold.
    let r = g.receive(vec![without, with.clone()], t(10), &P);
    assert_eq!(r.frames, [with]);
    assert_eq!((g.late, g.next), (1, Some(3)));
}

/// Issue 30: a new gateway whose counter straddles the wrap starts before it, not at 0.
#[test]
fn a_new_gateway_straddling_the_wrap_misses_nothing() {
    let mut g = GatewaySequence::default();
    let frames = vec![frame(u32::MAX - 1, 1), frame(u32::MAX, 2), frame(0, 3), frame(1, 4)];
    assert!(g.receive(frames, t(0), &P).frames.is_empty(), "not at once: the counter did not just start");
    let r = g.receive(vec![], t(10_000), &P);
    assert_eq!(seqs(&r), [u32::MAX - 1, u32::MAX, 0, 1]);
    assert_eq!((g.missing, g.restarts, g.next), (0, 0, Some(2)));
}

/// Issue 30: after a restart, `4294967295` then `0` (in separate folds) is the wrap, no gap.
#[test]
fn a_restarted_counter_wrapping_misses_nothing() {
    let mut g = GatewaySequence::default();
    g.receive((1..=3).map(|s| frame(s, i64::from(s))).collect(), t(0), &P);
    let r = g.receive(vec![frame(u32::MAX, 100)], t(10), &P);
    assert_eq!((r.restarts, r.frames.len()), (1, 0));
    g.receive(vec![frame(0, 101)], t(20), &P);
    let r = g.receive(vec![], t(10_010), &P);
    assert_eq!(seqs(&r), [u32::MAX, 0]);
    assert_eq!((g.missing, g.restarts, g.next), (0, 1, Some(1)));
}

/// Issue 30: frames 1 and 2 and, in the same fold, 2 + 2^20 + 5: the jump is a restart.
#[test]
fn a_jump_past_the_maximum_among_held_frames_is_a_restart_not_a_gap() {
    let mut g = GatewaySequence::default();
    let far = 2 + MAX_AHEAD + 5;
    let r = g.receive(vec![frame(1, 1), frame(2, 2), frame(far, 3)], t(0), &P);
    assert_eq!(seqs(&r), [1, 2]);
    let r = g.receive(vec![], t(10_000), &P);
    assert_eq!(seqs(&r), [far]);
    assert!(r.gaps.is_empty(), "{:?}", r.gaps);
    assert_eq!((g.missing, g.restarts, g.next), (0, 1, Some(far + 1)));
    // The same frames, the far one folded first (committed by another instance).
    let mut h = GatewaySequence::default();
    assert!(h.receive(vec![frame(far, 3)], t(0), &P).frames.is_empty());
    assert_eq!(seqs(&h.receive(vec![frame(1, 1), frame(2, 2)], t(10), &P)), [1, 2]);
    let r = h.receive(vec![], t(10_010), &P);
    assert_eq!((seqs(&r), r.gaps.len()), (vec![far], 0));
    assert_eq!((h.missing, h.restarts, h.next), (0, 1, Some(far + 1)));
}

#[test]
fn the_first_counter_is_after_the_largest_circular_distance() {
    let held = |keys: &[u32]| keys.iter().map(|&k| (k, ())).collect::<BTreeMap<u32, ()>>();
    assert_eq!(first_in_counter_order(&held(&[])), None);
    assert_eq!(first_in_counter_order(&held(&[7])), Some(7));
    assert_eq!(first_in_counter_order(&held(&[0, 1, u32::MAX - 1, u32::MAX])), Some(u32::MAX - 1));
    assert_eq!(first_in_counter_order(&held(&[0, u32::MAX])), Some(u32::MAX));
    assert_eq!(first_in_counter_order(&held(&[900, 901, 905])), Some(900));
    assert_eq!(first_in_counter_order(&held(&[1, 2, 2 + MAX_AHEAD + 5])), Some(1));
}
