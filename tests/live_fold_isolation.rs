//! One gateway's frame can never freeze the live state of the zone (issue 30, point 1;
//! docs/reliability.md, "One frame the live fold cannot apply").
//!
//! The hostile tester's frame: a base time a day past PostgreSQL's last timestamp. Its
//! reading is dead-lettered; before the fix the frame itself reached the live fold, whose
//! every round then failed with "timestamp out of range", for every company, for good. Here:
//! - the frame published over MQTT: the fold never fails, the other gateways move at once;
//! - the same frame as an older release left it in `live_inbox`: set aside with its reason,
//!   counted, named by `/healthz`, and the others move within two folds, also after a restart;
//! - an inbox row the database refuses for another reason (an operator's constraint on
//!   `events`): found by folding one row at a time, set aside with the server's words.

mod common;
use common::*;
use std::time::Duration;
use wasteflow::calendar::{Timestamp, PG_TIMESTAMP_END};
use wasteflow::wire::{encode_frames, InboxFrame, Measurement};

/// The tester's base time: PostgreSQL's end of time plus a day.
const PAST_THE_END: Timestamp = Timestamp::from_millis(PG_TIMESTAMP_END.as_millis() + 86_400_000);

/// `ml-scrap-1` (gateway gw-ml-01, sensor 1) reports `fill` % now.
async fn scrap_fill(env: &Env, seq: u32, fill: f32) {
    let frame = encode_frame(seq, now_ms() - 500, &[(1, 0, Measurement::FillLevel(fill))]);
    publish_raw_to(env.broker_port, &[(env.topic("metallerie-lievin", "gw-ml-01"), frame)]).await;
}

async fn scrap_fill_is(db: &TestDb, fill: f64) {
    let sql = format!("SELECT count(*) FROM container_live WHERE container_id = 'ml-scrap-1' AND fill_pct = {fill}");
    wait_until(Duration::from_secs(20), &format!("ml-scrap-1's live fill at {fill} %"), || async {
        db.count(&sql).await == 1
    })
    .await;
}

/// Writes a `live_inbox` row for gw-cl-01 as a release without the ingest check wrote it.
async fn poisoned_inbox_row(db: &TestDb, seq: u32) {
    let frames = encode_frames(&[InboxFrame { seq, base: PAST_THE_END, readings: vec![] }]);
    db.client()
        .await
        .execute("INSERT INTO live_inbox (gateway_id, frames) VALUES ('gw-cl-01', $1)", &[&frames])
        .await
        .expect("insert the old release's inbox row");
}

async fn refused_folds(d: &Daemon) -> f64 {
    metric_series(&d.metrics_text().await.unwrap_or_default(), "wasteflow_live_fold_failures_total", "refused")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_past_the_end_of_time_freezes_nothing() {
    let db = TestDb::new().await;
    let (mut env, _broker) = Env::with_private_broker(&db);
    env.extra.push(("WASTEFLOW__LIVE__TICK".into(), "200ms".into()));
    let daemon = Daemon::start(&env).await;

    // Over MQTT: the reading is dead-lettered, the frame's counter still moves, nothing fails.
    let bad = encode_frame(1, PAST_THE_END.as_millis() as u64, &[(1, 0, Measurement::FillLevel(40.0))]);
    publish_raw_to(env.broker_port, &[(env.topic("cartonnages-lens", "gw-cl-01"), bad)]).await;
    wait_until(Duration::from_secs(20), "the reading dead-lettered", || async {
        db.count("SELECT count(*) FROM rejected_messages WHERE reason = 'timestamp_out_of_window'").await == 1
    })
    .await;
    scrap_fill(&env, 1, 30.0).await;
    scrap_fill_is(&db, 30.0).await;
    wait_until(Duration::from_secs(10), "gw-cl-01's frame counter moved", || async {
        db.count("SELECT count(*) FROM gateway_sequence WHERE gateway_id = 'gw-cl-01' AND next_seq = 2").await == 1
    })
    .await;
    assert_eq!(
        db.count("SELECT count(*) FROM gateway_sequence WHERE gateway_id = 'gw-cl-01' AND last_frame_at = '294276-12-31 23:59:59.999+00'").await,
        1,
        "the frame's time is held at PostgreSQL's last millisecond"
    );
    assert_eq!(refused_folds(&daemon).await, 0.0, "no fold failed");
    assert_eq!(db.count("SELECT count(*) FROM live_set_aside").await, 0, "nothing to set aside");

    // The frame as an older release left it in the inbox: set aside, the zone moves on.
    poisoned_inbox_row(&db, 2).await;
    scrap_fill(&env, 2, 35.0).await;
    scrap_fill_is(&db, 35.0).await;
    let reason: String = db
        .client()
        .await
        .query_one("SELECT gateway_id || ': ' || reason FROM live_set_aside", &[])
        .await
        .expect("one row set aside")
        .get(0);
    assert!(
        reason.starts_with("gw-cl-01: frame 2: base time") && reason.contains("outside PostgreSQL's timestamp range"),
        "{reason}"
    );
    assert_eq!(db.count("SELECT count(*) FROM live_inbox").await, 0);
    let text = daemon.metrics_text().await.expect("/metrics");
    assert_eq!(metric_series(&text, "wasteflow_live_inbox_set_aside_total", "gw-cl-01"), 1.0, "{text}");
    assert_eq!(metric_sum(&text, "wasteflow_live_inbox_rows"), Some(0.0));
    let (code, body) = http_get(daemon.env.metrics_port, "/healthz").await.expect("/healthz");
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("1 inbox row(s) set aside") && body.contains("gateway gw-cl-01"), "{body}");

    // After a restart: the same. The inbox gauge is exported from the first fold on.
    daemon.terminate().await;
    poisoned_inbox_row(&db, 3).await;
    let daemon = Daemon::start(&env).await;
    scrap_fill(&env, 3, 45.0).await;
    scrap_fill_is(&db, 45.0).await;
    assert_eq!(db.count("SELECT count(*) FROM live_set_aside").await, 2);
    wait_until(Duration::from_secs(10), "the set-aside counter after the restart", || async {
        let text = daemon.metrics_text().await.unwrap_or_default();
        metric_series(&text, "wasteflow_live_inbox_set_aside_total", "gw-cl-01") == 1.0
            && metric_sum(&text, "wasteflow_live_inbox_rows") == Some(0.0)
    })
    .await;
    assert_eq!(refused_folds(&daemon).await, 0.0, "checked before anything was written: no fold was refused");
    daemon.terminate().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_the_database_refuses_is_found_and_set_aside() {
    let db = TestDb::new().await;
    let (mut env, _broker) = Env::with_private_broker(&db);
    env.extra.push(("WASTEFLOW__LIVE__TICK".into(), "200ms".into()));
    let daemon = Daemon::start(&env).await;
    scrap_fill(&env, 1, 20.0).await;
    scrap_fill_is(&db, 20.0).await;

    // An operator's constraint refuses overflow events; cl-cardboard-1 (threshold 90 %)
    // reports 95 %, so folding its frame is refused (SQLSTATE 23514).
    db.client()
        .await
        .batch_execute("ALTER TABLE events ADD CONSTRAINT no_overflow_here CHECK (kind <> 'overflow')")
        .await
        .expect("the operator's constraint");
    let full = encode_frame(1, now_ms() - 500, &[(1, 0, Measurement::FillLevel(95.0))]);
    publish_raw_to(env.broker_port, &[(env.topic("cartonnages-lens", "gw-cl-01"), full)]).await;
    wait_until(Duration::from_secs(30), "the refused row set aside", || async {
        db.count(
            "SELECT count(*) FROM live_set_aside WHERE gateway_id = 'gw-cl-01' AND reason LIKE '%no_overflow_here%'",
        )
        .await
            == 1
    })
    .await;
    // The readings themselves are stored; the other gateways move on.
    assert_eq!(db.count("SELECT count(*) FROM readings").await, 2);
    scrap_fill(&env, 2, 25.0).await;
    scrap_fill_is(&db, 25.0).await;
    assert!(refused_folds(&daemon).await >= 2.0, "the refused batch fold, then the row alone");
    let (code, body) = http_get(daemon.env.metrics_port, "/healthz").await.expect("/healthz");
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("no_overflow_here"), "/healthz names the refusal: {body}");
    wait_until(Duration::from_secs(10), "the refusal gauge back at 0", || async {
        daemon.metric("wasteflow_live_fold_refused_seconds").await == Some(0.0)
    })
    .await;
    daemon.terminate().await;
}
