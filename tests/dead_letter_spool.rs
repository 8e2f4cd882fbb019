//! A dead letter the database refuses to store (issue 30, point 4: an operator's CHECK
//! constraint on `rejected_messages`) does not stop the zone: it is appended to the spool file,
//! counted, and the batch's acks leave at once; the other gateways keep committing and acking.
//! Nothing is lost: the spool line loads back into `rejected_messages` with the SQL of
//! docs/reliability.md once the constraint is gone.

mod common;
use common::*;
use std::time::{Duration, Instant};
use wasteflow::wire::Measurement;

/// The documented way back (docs/reliability.md), one spool line as `$1`.
const LOAD_LINE: &str = "
INSERT INTO rejected_messages (received_at, topic, gateway_id, company_id, reason, detail, reading_index, payload, message_sha256)
SELECT (l->>'received_at')::timestamptz, l->>'topic', l->>'gateway_id', l->>'company_id', l->>'reason',
       l->>'detail', (l->>'reading_index')::int4, decode(l->>'payload_hex', 'hex'), decode(l->>'message_sha256_hex', 'hex')
FROM (SELECT $1::text::jsonb AS l) AS line
ON CONFLICT (message_sha256, reading_index) DO NOTHING";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_letter_the_database_refuses_is_spooled_and_the_zone_keeps_flowing() {
    let db = TestDb::new().await;
    let mut env = Env::new(&db);
    let dir = Scratch::dir("wf-spool-");
    let spool = dir.join("dead-letters.jsonl");
    env.extra.push(("WASTEFLOW__DATABASE__SPOOL_FILE".into(), spool.display().to_string()));
    env.extra.push(("WASTEFLOW__LOG__LEVEL".into(), "warn".into()));
    let daemon = Daemon::start(&env).await;
    // The operator's constraint: no dead letter of gw-ml-99, whatever its reason.
    db.client()
        .await
        .batch_execute("ALTER TABLE rejected_messages ADD CONSTRAINT no_gw99 CHECK (topic NOT LIKE '%/gw-ml-99/%')")
        .await
        .unwrap();

    // Two registered gateways, 40 frames each, and gw-ml-99's frame in the middle.
    let t0 = now_ms() - 3_600_000;
    let mut messages = Vec::new();
    for i in 0..40u32 {
        let at = t0 + u64::from(i) * 1_000;
        for (company, gateway) in [("metallerie-lievin", "gw-ml-01"), ("beton-artois", "gw-ba-01")] {
            messages
                .push((env.topic(company, gateway), encode_frame(i + 1, at, &[(1, 0, Measurement::FillLevel(30.0))])));
        }
        if i == 20 {
            let bad = encode_frame(1, at, &[(1, 0, Measurement::FillLevel(30.0))]);
            messages.push((env.topic("metallerie-lievin", "gw-ml-99"), bad));
        }
    }
    let bad_payload = messages[42].1.clone();
    let started = Instant::now();
    publish_raw(&messages).await;
    wait_until(Duration::from_secs(20), "every message acked", || async {
        daemon.metric("wasteflow_mqtt_acks_total").await == Some(messages.len() as f64)
    })
    .await;
    let all_acked = started.elapsed();
    assert_eq!(db.count("SELECT count(*) FROM readings").await, 80, "every other frame stored");
    assert_eq!(db.count("SELECT count(*) FROM rejected_messages").await, 0, "the constraint refused it");
    assert_eq!(daemon.metric("wasteflow_dead_letters_spooled_total").await, Some(1.0));
    assert_eq!(http_get(daemon.env.metrics_port, "/readyz").await.map(|r| r.0), Some(200));

    // The spool holds the whole message, with why it is there.
    let text = std::fs::read_to_string(&spool).expect("spool file written");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    let line: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(line["reason"], "database_refused");
    assert_eq!(line["payload_hex"], hex::encode(&bad_payload), "payload whole");
    assert_eq!(line["refused_constraint"], "no_gw99");
    assert!(line["detail"].as_str().unwrap_or("").contains("no_gw99"), "{line}");

    // Nothing lost: once the constraint is dropped, the line loads back as a dead letter.
    let c = db.client().await;
    c.batch_execute("ALTER TABLE rejected_messages DROP CONSTRAINT no_gw99").await.unwrap();
    assert_eq!(c.execute(LOAD_LINE, &[&lines[0]]).await.unwrap(), 1);
    assert_eq!(c.execute(LOAD_LINE, &[&lines[0]]).await.unwrap(), 0, "loading twice adds nothing");
    let row = c.query_one("SELECT payload, reason FROM rejected_messages", &[]).await.unwrap();
    assert_eq!((row.get::<_, Vec<u8>>(0), row.get::<_, String>(1)), (bad_payload, "database_refused".to_string()));
    let (ok, out) = verify(&env);
    assert!(ok, "{out}");
    println!(
        "refused dead letter: {} messages, 80 readings stored, 1 dead letter refused by no_gw99 and spooled; \
         every message acked {:.2} s after publishing began",
        messages.len(),
        all_acked.as_secs_f64()
    );
    assert!(daemon.terminate().await.success());
}
