//! One live state for the zone, whatever the number of instances (issue 15, docs/scaling.md
//! "One live state"): the store hands the live stage its frames through `live_inbox` in the
//! batch's own transaction, and one instance at a time folds them in each gateway's counter
//! order into `container_live` and `events`.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What one run left: events, per-container state (without the wall-clock arrival time) and
/// per-gateway counters, as comparable text.
struct Outcome {
    events: Vec<String>,
    states: BTreeMap<String, String>,
    counters: Vec<String>,
    open_gauges: Vec<f64>,
}

/// The first column of every row of `sql`, as text.
async fn texts(c: &tokio_postgres::Client, sql: &str) -> Vec<String> {
    c.query(sql, &[]).await.unwrap().iter().map(|r| r.get(0)).collect()
}

async fn run_fortnight(instances: usize, start_ms: u64) -> Outcome {
    let db = TestDb::new().await;
    let (env, _broker) = Env::with_private_broker(&db);
    let mut daemons = Vec::new();
    for i in 0..instances {
        let mut e = env.group_member(i, instances > 1);
        e.extra.push(("WASTEFLOW__LIVE__TICK".into(), "300ms".into()));
        daemons.push(Daemon::start(&e).await);
    }
    let start = start_ms.to_string();
    // Every fault but the flood: the flood limit is per instance (docs/scaling.md), so three
    // instances let through what one refuses; they would not be fed the same readings.
    let summary = simulate(
        &env,
        &[
            "--realistic",
            "--days",
            "14",
            "--seed",
            "5",
            "--start-ms",
            &start,
            "--duplicates",
            "0.02",
            "--malformed",
            "0.01",
            "--fault",
            "overflow",
            "--fault",
            "fire",
            "--fault",
            "silent",
            "--fault",
            "clock-skew",
        ],
    );
    let expected = summary["readings"].as_i64().unwrap() - summary["rejected_expected"].as_i64().unwrap();
    println!("{instances} instance(s): {} readings sent, {expected} to store", summary["readings"]);
    wait_until(Duration::from_secs(180), "every reading stored and folded", || async {
        db.count("SELECT count(*) FROM readings").await == expected
            && db.count("SELECT count(*) FROM live_inbox").await == 0
            && db.count("SELECT count(*) FROM gateway_sequence WHERE pending_frames > 0").await == 0
    })
    .await;
    let c = db.client().await;
    let events = texts(
        &c,
        "SELECT format('%s %s %s %s %s %s', container_id, kind, opened_at, closed_at, open_value, close_value)
         FROM events ORDER BY container_id, kind, opened_at",
    )
    .await;
    let states = c
        .query("SELECT container_id, (state - 'last_arrival_ms')::text FROM container_live", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let counters = texts(
        &c,
        "SELECT format('%s next %s received %s missing %s late %s restarts %s', gateway_id, next_seq,
                frames_received, frames_missing, frames_late, restarts)
         FROM gateway_sequence ORDER BY gateway_id",
    )
    .await;
    // Every instance exports the gauges from the shared state: each sees every open event.
    let mut open_gauges = Vec::new();
    for d in &daemons {
        let deadline = Instant::now() + Duration::from_secs(10);
        let open_in_db = db.count("SELECT count(*) FROM events WHERE closed_at IS NULL").await as f64;
        let mut seen = 0.0;
        while Instant::now() < deadline {
            let text = d.metrics_text().await.unwrap_or_default();
            seen = text
                .lines()
                .filter(|l| l.starts_with("wasteflow_container_open_events{"))
                .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
                .sum();
            if seen == open_in_db {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(seen, open_in_db, "an instance's open-event gauges are the shared state's");
        open_gauges.push(seen);
    }
    for d in daemons {
        assert!(d.terminate().await.success());
    }
    Outcome { events, states, counters, open_gauges }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_and_one_give_the_same_events_and_state() {
    // The same fortnight, to the millisecond, for both runs.
    let start_ms = (now_ms() - 15 * 86_400_000) / 60_000 * 60_000;
    let one = run_fortnight(1, start_ms).await;
    let three = run_fortnight(3, start_ms).await;
    println!(
        "realistic fortnight with faults: {} events, {} containers, {} gateways; open events seen by each of 3 instances: {:?}",
        one.events.len(),
        one.states.len(),
        one.counters.len(),
        three.open_gauges
    );
    assert!(one.events.len() >= 5, "the faults raise events: {:#?}", one.events);
    assert!(
        one.events.iter().any(|e| e.contains(" overflow ")) && one.events.iter().any(|e| e.contains(" fire_risk ")),
        "{:#?}",
        one.events
    );
    println!("counters, one instance: {:#?}\nthree instances: {:#?}", one.counters, three.counters);
    let only_one: Vec<_> = one.events.iter().filter(|e| !three.events.contains(e)).collect();
    let only_three: Vec<_> = three.events.iter().filter(|e| !one.events.contains(e)).collect();
    assert!(
        only_one.is_empty() && only_three.is_empty(),
        "events differ: with one instance only {only_one:#?}\nwith three only {only_three:#?}"
    );
    let differing: Vec<_> =
        one.states.iter().filter(|(k, v)| three.states.get(*k) != Some(v)).map(|(k, _)| k).collect();
    for k in &differing {
        println!(
            "{k}\n  one:   {}\n  three: {}",
            one.states[*k],
            three.states.get(*k).map_or("(none)", |s| s.as_str())
        );
    }
    assert!(differing.is_empty() && one.states.len() == three.states.len(), "container states differ: {differing:?}");
    assert_eq!(one.counters, three.counters, "frame counters differ");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_events_table_delays_no_commit_and_no_ack() {
    let db = TestDb::new().await;
    let (mut env, _broker) = Env::with_private_broker(&db);
    // Small batches: many commits while the table is locked.
    env.extra.push(("WASTEFLOW__BATCH__MAX_MESSAGES".into(), "20".into()));
    env.extra.push(("WASTEFLOW__LIVE__TICK".into(), "200ms".into()));
    let daemon = Daemon::start(&env).await;

    let locker = db.client().await;
    locker.batch_execute("BEGIN; LOCK TABLE events IN ACCESS EXCLUSIVE MODE").await.unwrap();
    let locked_at = Instant::now();
    // The cardboard bale store (overflow threshold 90 %) reports 95 %: an event to write.
    let overflow = encode_frame(1, now_ms() - 1_000, &[(1, 0, wasteflow::wire::Measurement::FillLevel(95.0))]);
    publish_raw_to(env.broker_port, &[(env.topic("cartonnages-lens", "gw-cl-01"), overflow)]).await;
    let start = (now_ms() - 3_600_000).to_string();
    let summary =
        simulate(&env, &["--frames", "3000", "--readings-per-frame", "10", "--seed", "3", "--start-ms", &start]);
    let expected = summary["readings"].as_i64().unwrap() + 1;
    let messages = summary["frames"].as_i64().unwrap() + 1;
    wait_until(Duration::from_secs(20), "every reading committed while events is locked", || async {
        db.count("SELECT count(*) FROM readings").await == expected
    })
    .await;
    let committed_in = locked_at.elapsed();
    let acks = daemon.metric("wasteflow_mqtt_acks_total").await.unwrap_or(0.0);
    assert!(acks >= messages as f64, "{acks} acks for {messages} messages");
    assert!(committed_in < Duration::from_secs(30), "committed within the lock");
    // The fold waits behind the lock: its events are not written yet.
    let locked_for = Duration::from_secs(30).saturating_sub(locked_at.elapsed());
    tokio::time::sleep(locked_for).await;
    locker.batch_execute("COMMIT").await.unwrap();
    wait_until(Duration::from_secs(30), "the overflow event, once the lock is gone", || async {
        db.count("SELECT count(*) FROM events WHERE kind = 'overflow' AND container_id = 'cl-cardboard-1'").await == 1
    })
    .await;
    println!(
        "events locked 30 s: {expected} readings of {messages} messages committed and acked in {:.1} s; the event written after the lock",
        committed_in.as_secs_f64()
    );
    assert!(daemon.terminate().await.success());
}
