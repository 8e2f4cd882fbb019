//! Replaying dead letters: frames from a gateway missing from the registry are dead-lettered;
//! once it is registered (SIGHUP), `dead-letters replay --dry-run` says what would be stored
//! and changes nothing, `replay` stores every reading once (a frame the gateway had already
//! resent is not counted twice), marks the dead letters replayed, leaves the still-refused
//! pending, dead-letters a reading still refused on its own, and a second replay changes
//! nothing. A dead letter the database refuses (a constraint) stays pending with the server's
//! words while the others of its batch are replayed.

mod common;
use common::*;
use std::time::Duration;
use wasteflow::wire::{encode, Frame, Measurement, Reading};

const NEW_GATEWAY: &str = "
[[gateways]]
id = \"gw-ml-02\"
company = \"metallerie-lievin\"
site = \"ml-lievin\"
sensors = [ { number = 1, container = \"ml-scrap-1\" } ]
";

/// Five fill levels a second apart, of sensor 1 (the last one of `last_sensor`).
fn frame(seq: u32, base_time_ms: u64, last_sensor: u16) -> Vec<u8> {
    let readings = (0..5u16)
        .map(|i| Reading {
            sensor: if i == 4 { last_sensor } else { 1 },
            offset_ms: u32::from(i) * 1000,
            value: Measurement::FillLevel(10.0 + f32::from(i)),
        })
        .collect();
    encode(&Frame { seq, base_time_ms, readings })
}

/// Runs `wasteflow dead-letters ARGS`; (stdout, the last line as JSON when it is).
fn dead_letters(env: &Env, args: &[&str]) -> (String, serde_json::Value) {
    let out = env.command().arg("dead-letters").args(args).output().expect("run dead-letters");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "dead-letters {args:?} failed: {}{stdout}", String::from_utf8_lossy(&out.stderr));
    let last = serde_json::from_str(stdout.lines().last().unwrap_or("")).unwrap_or(serde_json::Value::Null);
    (stdout, last)
}

/// (readings, dead letters, pending dead letters, 1-minute fill count)
async fn state(db: &TestDb) -> (i64, i64, i64, i64) {
    (
        db.count("SELECT count(*) FROM readings").await,
        db.count("SELECT count(*) FROM rejected_messages").await,
        db.count("SELECT count(*) FROM rejected_messages WHERE replayed_at IS NULL").await,
        db.count("SELECT coalesce(sum(fill_count), 0)::int8 FROM container_rollup_1m").await,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_of_an_unregistered_gateway_are_replayed_once_after_it_is_registered() {
    let db = TestDb::new().await;
    let mut env = Env::new(&db);
    let (zone_path, original_zone) = env.with_own_zone("[log]\nlevel = \"info\"\n");
    let daemon = Daemon::start(&env).await;

    // Sent: 5 frames of 5 readings from gw-ml-02 (the fifth frame's last reading from sensor 9,
    // which stays unknown), 1 frame from gw-ml-99, which stays unregistered.
    let topic = env.topic("metallerie-lievin", "gw-ml-02");
    let t0 = now_ms() - 3_600_000;
    let mut frames: Vec<(String, Vec<u8>)> =
        (1..=4).map(|i| (topic.clone(), frame(i, t0 + u64::from(i) * 60_000, 1))).collect();
    frames.push((topic.clone(), frame(5, t0 + 300_000, 9)));
    frames.push((env.topic("metallerie-lievin", "gw-ml-99"), frame(1, t0, 1)));
    publish_raw(&frames).await;
    wait_until(Duration::from_secs(20), "six frames dead-lettered", || async {
        db.count("SELECT count(*) FROM rejected_messages WHERE reason = 'unknown_gateway'").await == 6
    })
    .await;

    // Registered, and SIGHUP; the gateway resends its first frame, which is stored directly.
    std::fs::write(&zone_path, format!("{original_zone}\n{NEW_GATEWAY}")).unwrap();
    daemon.hup();
    wait_until(Duration::from_secs(20), "reload applied", || async {
        daemon.log_text().contains("configuration reloaded")
    })
    .await;
    publish_raw(&frames[..1]).await;
    wait_until(Duration::from_secs(20), "the resent frame stored", || async {
        db.count("SELECT count(*) FROM readings").await == 5
    })
    .await;
    // The daemon counts pending dead letters in the database (at start, then once a minute).
    wait_until(Duration::from_secs(10), "the pending gauge exported", || async {
        daemon.metric("wasteflow_dead_letters_pending").await.is_some()
    })
    .await;
    let before = state(&db).await;
    assert_eq!(before, (5, 6, 6, 5));

    // Dry run: says what would happen, changes nothing.
    let (out, dry) = dead_letters(&env, &["replay", "--dry-run", "--reason", "unknown_gateway"]);
    assert_eq!(
        dry,
        serde_json::json!({"dry_run": true, "dead_letters": 6, "replayed": 5, "still_refused": 1,
                           "refused_by_database": 0, "stored": 19, "duplicates": 5, "dead_lettered": 1}),
        "{out}"
    );
    assert!(out.contains("would be replayed: 5 reading(s) stored, 0 already stored, 0 refused"), "{out}");
    assert!(out.contains("would be replayed: 0 reading(s) stored, 5 already stored, 0 refused"), "{out}");
    assert!(out.contains("4 reading(s) stored, 0 already stored, 1 refused one by one (unknown_sensor)"), "{out}");
    assert!(out.contains("gw-ml-99/up: still refused (unknown_gateway)"), "{out}");
    assert_eq!(state(&db).await, before, "a dry run changes nothing");
    println!("{out}");

    // Replay: every reading once, the five replayed dead letters marked, gw-ml-99 pending, the
    // unknown sensor's reading a dead letter of its own.
    let (out, done) = dead_letters(&env, &["replay"]);
    assert_eq!(
        done,
        serde_json::json!({"dry_run": false, "dead_letters": 6, "replayed": 5, "still_refused": 1,
                           "refused_by_database": 0, "stored": 19, "duplicates": 5, "dead_lettered": 1}),
        "{out}"
    );
    println!("{out}");
    let after = state(&db).await;
    assert_eq!(after, (24, 7, 2, 24), "readings = the 24 registered readings sent; fill counted once each");
    assert_eq!(
        db.count(
            "SELECT count(*) FROM rejected_messages WHERE replayed_at IS NOT NULL AND topic LIKE '%/gw-ml-02/up'
             AND reason = 'unknown_gateway'"
        )
        .await,
        5
    );
    assert_eq!(
        db.count(
            "SELECT count(*) FROM rejected_messages WHERE replayed_at IS NULL AND reason = 'unknown_sensor'
             AND reading_index = 4 AND detail LIKE '%(replay of dead letter %'"
        )
        .await,
        1
    );
    assert_eq!(db.count("SELECT sum(replayed)::int8 FROM rejections_hourly").await, 5, "the view counts replays");
    let (ok, verified) = verify(&env);
    assert!(ok, "{verified}");

    // Twice changes nothing, whatever the state filter.
    let (out, again) = dead_letters(&env, &["replay"]);
    assert_eq!(again["replayed"], 0, "{out}");
    assert_eq!(again["still_refused"], 2, "{out}");
    let (out, all) = dead_letters(&env, &["replay", "--state", "all"]);
    assert_eq!((all["replayed"].as_i64(), all["stored"].as_i64()), (Some(0), Some(0)), "{out}");
    assert_eq!(state(&db).await, after);
    let (ok, verified) = verify(&env);
    assert!(ok, "{verified}");

    // list and show.
    let (out, _) = dead_letters(&env, &["list", "--state", "replayed", "--gateway", "gw-ml-02"]);
    assert!(out.ends_with("5 dead letter(s)\n"), "{out}");
    let id = db.count("SELECT min(id) FROM rejected_messages").await.to_string();
    let (out, _) = dead_letters(&env, &["show", &id]);
    let payload = &frames[0].1;
    assert!(out.contains(&format!("payload ({} bytes): {}", payload.len(), hex::encode(payload))), "{out}");
    assert!(out.contains("\"FillLevel\": 10.0"), "{out}");
    assert!(out.contains("state: replayed"), "{out}");

    println!(
        "dead-letter replay: sent 30 readings in 6 messages; dead-lettered 6; replayed 5 \
         (1 still refused); stored {} (5 already stored by the resend), duplicates 0, 1 reading dead-lettered on its own",
        after.0
    );
    assert!(daemon.terminate().await.success());
}

/// Three dead letters in one replay batch; the middle one's readings are refused by a CHECK
/// constraint on `readings`: it stays pending with the constraint named, the two others are
/// replayed; once the constraint is dropped, a second replay stores it too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_letter_the_database_refuses_is_set_aside_and_the_rest_replayed() {
    let db = TestDb::new().await;
    let mut env = Env::new(&db);
    let (zone_path, original_zone) = env.with_own_zone("[log]\nlevel = \"info\"\n");
    let daemon = Daemon::start(&env).await;
    let topic = env.topic("metallerie-lievin", "gw-ml-02");
    let t0 = now_ms() - 3_600_000;
    let frames: Vec<(String, Vec<u8>)> =
        (1..=3).map(|i| (topic.clone(), frame(i, t0 + u64::from(i) * 60_000, 1))).collect();
    publish_raw(&frames).await;
    wait_until(Duration::from_secs(20), "three frames dead-lettered", || async {
        db.count("SELECT count(*) FROM rejected_messages WHERE reason = 'unknown_gateway'").await == 3
    })
    .await;
    std::fs::write(&zone_path, format!("{original_zone}\n{NEW_GATEWAY}")).unwrap();
    daemon.hup();
    wait_until(Duration::from_secs(20), "reload applied", || async {
        daemon.log_text().contains("configuration reloaded")
    })
    .await;
    // The second frame's first reading is refused.
    let refused_at = t0 + 2 * 60_000;
    db.client()
        .await
        .batch_execute(&format!(
            "ALTER TABLE readings ADD CONSTRAINT not_that_minute CHECK (ts <> to_timestamp({refused_at} / 1000.0))"
        ))
        .await
        .unwrap();

    let (out, done) = dead_letters(&env, &["replay"]);
    println!("{out}");
    assert_eq!(
        done,
        serde_json::json!({"dry_run": false, "dead_letters": 3, "replayed": 2, "still_refused": 0,
                           "refused_by_database": 1, "stored": 10, "duplicates": 0, "dead_lettered": 0}),
        "{out}"
    );
    let refused_line = out.lines().find(|l| l.contains("refused by the database")).unwrap_or_default();
    assert!(refused_line.contains("left pending") && refused_line.contains("not_that_minute"), "{out}");
    assert!(refused_line.contains("23514"), "{out}");
    let pending_id = db.count("SELECT id FROM rejected_messages WHERE replayed_at IS NULL").await;
    assert!(refused_line.starts_with(&format!("#{pending_id} ")), "{out}");
    assert_eq!(state(&db).await, (10, 3, 1, 10), "the first and third frames stored, the second pending");
    let (ok, verified) = verify(&env);
    assert!(ok, "{verified}");

    // The cause fixed: the second frame replays.
    db.client().await.batch_execute("ALTER TABLE readings DROP CONSTRAINT not_that_minute").await.unwrap();
    let (out, again) = dead_letters(&env, &["replay"]);
    assert_eq!((again["replayed"].as_i64(), again["stored"].as_i64()), (Some(1), Some(5)), "{out}");
    assert_eq!(again["refused_by_database"], 0, "{out}");
    assert_eq!(state(&db).await, (15, 3, 0, 15));
    let (ok, verified) = verify(&env);
    assert!(ok, "{verified}");
    println!(
        "replay with a refused dead letter: 3 dead letters, 2 replayed (10 readings), 1 refused by the database \
         (23514) and left pending; replayed (5 readings) once the constraint was dropped"
    );
    assert!(daemon.terminate().await.success());
}
