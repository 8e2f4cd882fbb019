//! The realistic simulator with every fault injected, against the daemon: per company, what
//! was stored plus what was dead-lettered equals what was sent, and the faults raise their
//! events.

mod common;
use common::*;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_plus_rejected_equals_sent_per_company() {
    let db = TestDb::new().await;
    let (env, _broker) = Env::with_private_broker(&db);
    let daemon = Daemon::start(&env).await;
    let summary = simulate(
        &env,
        &[
            "--realistic",
            "--days",
            "3",
            "--seed",
            "17",
            "--malformed",
            "0.01",
            "--duplicates",
            "0.02",
            "--fault",
            "overflow",
            "--fault",
            "fire",
            "--fault",
            "silent",
            "--fault",
            "clock-skew",
            "--fault",
            "flood",
        ],
    );
    let sent = summary["readings"].as_i64().unwrap();
    let expected_rejected = summary["rejected_expected"].as_i64().unwrap();
    assert!(sent > 10_000 && expected_rejected > 0, "{summary}");
    // Every reading stored or dead-lettered, and every message refused whole dead-lettered: a
    // malformed message published last may commit after the last reading does.
    let malformed: i64 =
        summary["per_company"].as_object().unwrap().values().map(|s| s["malformed"].as_i64().unwrap()).sum();
    wait_until(Duration::from_secs(120), "every message handled", || async {
        let stored = db.count("SELECT count(*) FROM readings").await;
        let rejected = db.count("SELECT count(*) FROM rejected_messages WHERE reading_index >= 0").await;
        let refused_whole =
            db.count("SELECT count(*) FROM rejected_messages WHERE reading_index < 0 AND company_id IS NOT NULL").await;
        stored + rejected == sent && refused_whole >= malformed
    })
    .await;
    for (company, s) in summary["per_company"].as_object().unwrap() {
        let stored =
            db.count(&format!("SELECT count(*) FROM readings_attributed WHERE company_id = '{company}'")).await;
        let rejected_readings = db
            .count(&format!(
                "SELECT count(*) FROM rejected_messages WHERE company_id = '{company}' AND reading_index >= 0"
            ))
            .await;
        let rejected_messages = db
            .count(&format!(
                "SELECT count(*) FROM rejected_messages WHERE company_id = '{company}' AND reading_index < 0"
            ))
            .await;
        assert_eq!(stored + rejected_readings, s["readings"].as_i64().unwrap(), "{company}: stored + rejected = sent");
        assert_eq!(
            rejected_messages,
            s["malformed"].as_i64().unwrap(),
            "{company}: every malformed message dead-lettered"
        );
        for (kind, n) in s["kinds"].as_object().unwrap() {
            let code = wasteflow::wire::MeasurementKind::ALL
                .into_iter()
                .find(|k| k.name() == kind)
                .unwrap_or_else(|| panic!("unknown kind {kind}"))
                .number();
            let stored = db
                .count(&format!(
                    "SELECT count(*) FROM readings_attributed WHERE company_id = '{company}' AND kind = {code}"
                ))
                .await;
            assert!(stored <= n.as_i64().unwrap(), "{company} {kind}: stored {stored} of {n} sent");
        }
    }
    let (ok, out) = verify(&env);
    assert!(ok, "{out}");
    // The injected faults raise their events.
    wait_until(Duration::from_secs(20), "overflow and fire-risk events", || async {
        db.count("SELECT count(DISTINCT kind) FROM events WHERE kind IN ('overflow', 'fire_risk')").await == 2
    })
    .await;
    assert_eq!(
        db.count("SELECT count(*) FROM rejected_messages WHERE reason = 'timestamp_out_of_window'").await,
        expected_rejected
    );
    assert!(daemon.terminate().await.success());
}
