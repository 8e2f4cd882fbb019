//! The sensors as deployed (docs/wire-format.md, variants 5 to 13), end to end: a realistic
//! fortnight with each device fault opens each new event once, at the documented time; a load
//! cell's readings are never summed; and what a daemon of the first release dead-lettered as
//! `unknown_variant` is stored once replayed after the upgrade.

mod common;
use common::*;
use serde::Deserialize;
use std::time::Duration;
use wasteflow::wire::{encode, Frame, Measurement, Reading};

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

/// (container, opened_at ms, closed_at ms, open value) of each event of `kind`.
async fn events(db: &TestDb, kind: &str) -> Vec<(String, i64, Option<i64>, f64)> {
    let c = db.client().await;
    c.query(
        "SELECT container_id, (extract(epoch FROM opened_at) * 1000)::int8 AS o,
                (extract(epoch FROM closed_at) * 1000)::int8 AS c, open_value
         FROM events WHERE kind = $1 ORDER BY opened_at",
        &[&kind],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fortnight_of_devices_with_their_faults_opens_each_event_once() {
    let db = TestDb::new().await;
    let (mut env, _broker) = Env::with_private_broker(&db);
    env.extra.push(("WASTEFLOW__LIVE__TICK".into(), "200ms".into()));
    let daemon = Daemon::start(&env).await;
    // A fortnight ending a day ago, on whole minutes: the fault windows fall on the simulator's
    // one-minute steps (80 % of 14 days is 16,128 minutes, 85 % 17,136, 90 % 18,144).
    let start = (now_ms() as i64 - 15 * DAY) / MIN * MIN;
    let span = 14 * DAY;
    let at = |share: f64| start + (span as f64 * share) as i64;
    let faults = ["fire-alarm", "tilt", "moved", "lid", "weak-radio", "poor-quality"];
    let mut args = vec!["--realistic", "--days", "14", "--seed", "16"];
    let start_arg = start.to_string();
    args.extend(["--start-ms", &start_arg]);
    args.extend(faults.iter().flat_map(|f| ["--fault", f]));
    let summary = simulate(&env, &args);
    let sent = |kind: &str| -> i64 {
        summary["per_company"].as_object().unwrap().values().map(|c| c["kinds"][kind].as_i64().unwrap_or(0)).sum()
    };
    for kind in [
        "load_kg",
        "lid_open",
        "tilt_deg",
        "fire_alarm",
        "latitude_deg",
        "longitude_deg",
        "rssi_dbm",
        "snr_db",
        "quality_percent",
    ] {
        assert!(sent(kind) > 0, "the realistic zone sends {kind}: {summary}");
    }
    let expected = summary["readings"].as_i64().unwrap();
    wait_until(Duration::from_secs(240), "every reading stored", || async {
        db.count("SELECT count(*) FROM readings").await == expected
    })
    .await;
    wait_until(Duration::from_secs(60), "the live state folded", || async {
        db.count("SELECT count(*) FROM live_inbox").await == 0
    })
    .await;

    // The fire alarm: raised at the first minute step at or after 92 % of the run (+12 ms of
    // offset in its frame), cleared an hour later.
    let alarm = events(&db, "device_fire_alarm").await;
    assert_eq!(alarm.len(), 1, "{alarm:?}");
    let (_, opened, closed, _) = alarm[0].clone();
    assert!((at(0.92)..at(0.92) + MIN + 100).contains(&opened), "{opened} vs {}", at(0.92));
    assert_eq!(closed, Some(opened + HOUR), "cleared an hour later");

    // The fall: 88 degrees at 85 % (+11 ms), upright 3 hours later.
    let fall = events(&db, "out_of_position").await;
    assert_eq!(fall.len(), 1, "{fall:?}");
    assert_eq!((fall[0].1, fall[0].2, fall[0].3), (at(0.85) + 11, Some(at(0.85) + 3 * HOUR + 11), 88.0));

    // The move: 0.0095 degree north and 0.015 east of the site (1,056 m and 1,064 m at 50.4 N,
    // so about 1,499 m, give or take the few metres of GPS jitter), at 90 % (+13 ms); it stays.
    let moved = events(&db, "outside_geofence").await;
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_eq!((moved[0].1, moved[0].2), (at(0.9) + 13, None));
    assert!((1_490.0..1_510.0).contains(&moved[0].3), "distance {}", moved[0].3);

    // The lid: open from 80 % (+10 ms) for two hours; the event opens 30 minutes (the default
    // live.lid_open_max) after the lid did, and closes with it. The everyday openings (one to
    // five minutes) open nothing.
    let lid = events(&db, "lid_open").await;
    assert_eq!(lid.len(), 1, "{lid:?}");
    assert_eq!((lid[0].1, lid[0].2), (at(0.8) + 10 + 30 * MIN, Some(at(0.8) + 2 * HOUR + 10)));

    // Each event once: no kind opened twice for a container at the same time, none left open
    // but the move.
    assert_eq!(
        db.count("SELECT count(*) FROM events WHERE kind IN ('device_fire_alarm', 'out_of_position', 'lid_open') AND closed_at IS NULL").await,
        0
    );

    // The weak radio: the last container's gauge near -126 dBm; the shared state shows it too.
    let c = db.client().await;
    let weakest: (String, f64) = c
        .query_one("SELECT container_id, rssi_dbm FROM live_containers ORDER BY rssi_dbm LIMIT 1", &[])
        .await
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert!((-129.0..=-123.0).contains(&weakest.1), "{weakest:?}");
    let text = daemon.metrics_text().await.unwrap();
    let gauge = text
        .lines()
        .find(|l| l.starts_with("wasteflow_sensor_rssi_dbm{") && l.contains(&format!("container=\"{}\"", weakest.0)))
        .and_then(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok());
    assert_eq!(gauge, Some(weakest.1), "the gauge is the shared state's figure");
    let moved_row: (f64, f64) = c
        .query_one("SELECT latitude, longitude FROM live_containers WHERE container_id = $1", &[&moved[0].0])
        .await
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert!(moved_row.0 > 50.43 && moved_row.1 > 2.77, "{moved_row:?}");
    // The dirty sensor: the lowest measurement quality is the injected 20 to 40 %; every other
    // sensor reports 82 to 100 %.
    let qualities: Vec<f64> = c
        .query("SELECT quality_pct FROM live_containers WHERE quality_pct IS NOT NULL ORDER BY quality_pct", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!((20.0..40.0).contains(&qualities[0]) && qualities[1] >= 82.0, "{qualities:?}");

    // A load cell is a level: the flows sum the weighings (kind 1), never the loads (kind 5).
    let loads = db.count("SELECT count(*) FROM readings WHERE kind = 5").await;
    assert!(loads > 1000, "{loads} load readings");
    let weighed = db.count("SELECT sum(value_milli)::int8 FROM readings WHERE kind = 1").await;
    let flows = db.count("SELECT sum(mass_g)::int8 FROM flow_rollup_1d").await;
    assert_eq!(flows, weighed, "the flows hold the weighings alone");
    let (ok, out) = verify(&env);
    assert!(ok, "{out}");
    daemon.terminate().await;
}

/// The first release's frame type: variants 0 to 4 only (what `wasteflow` 0.1 decoded).
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
enum FirstReleaseMeasurement {
    FillLevel(f32),
    NetMassKg(f32),
    Emptied,
    TemperatureC(f32),
    BatteryPercent(f32),
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct FirstReleaseReading {
    sensor: u16,
    offset_ms: u32,
    value: FirstReleaseMeasurement,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct FirstReleaseFrame {
    seq: u32,
    base_time_ms: u64,
    readings: Vec<FirstReleaseReading>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_first_release_dead_lettered_is_stored_once_replayed_after_the_upgrade() {
    let db = TestDb::new().await;
    let mut env = Env::new(&db);
    env.extra.push(("WASTEFLOW__LIVE__TICK".into(), "200ms".into()));
    let daemon = Daemon::start(&env).await;
    // The scrap roll-off ml-scrap-1 (sensor 1 of gw-ml-01, site at 50.4281 N, 2.7702 E): its
    // fill, its load, its device's fire alarm and a position 1.1 km north of its site.
    let t0 = now_ms() - HOUR as u64;
    let reading = |offset_ms, value| Reading { sensor: 1, offset_ms, value };
    let payload = encode(&Frame {
        seq: 1,
        base_time_ms: t0,
        readings: vec![
            reading(0, Measurement::FillLevel(40.0)),
            reading(0, Measurement::LoadKg(2100.0)),
            reading(0, Measurement::FireAlarm(true)),
            reading(0, Measurement::LatitudeDeg(50.4381)),
            reading(0, Measurement::LongitudeDeg(2.7702)),
            reading(0, Measurement::RssiDbm(-98.0)),
        ],
    });
    // A first-release daemon's decoder stops at the LoadKg (variant 5): an unknown variant,
    // which it dead-letters whole with its bytes (docs/wire-format.md, Rejections).
    let first_release = postcard::from_bytes::<FirstReleaseFrame>(&payload[1..]);
    assert!(
        matches!(first_release, Err(postcard::Error::SerdeDeCustom | postcard::Error::DeserializeBadEnum)),
        "{first_release:?}"
    );
    let topic = env.topic("metallerie-lievin", "gw-ml-01");
    // The row it wrote (src/store/dead_letters.rs of the first release: the whole message,
    // reading_index -1, the wire error's text as detail).
    db.client()
        .await
        .execute(
            "INSERT INTO rejected_messages (received_at, topic, gateway_id, company_id, reason, detail, reading_index,
                                            payload, message_sha256)
             VALUES (now() - interval '50 minutes', $1, 'gw-ml-01', 'metallerie-lievin', 'unknown_variant',
                     'unknown measurement variant', -1, $2, sha256(convert_to($1, 'UTF8') || '\\x00'::bytea || $2))",
            &[&topic, &payload],
        )
        .await
        .unwrap();

    let out = env.command().args(["dead-letters", "replay", "--reason", "unknown_variant"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(db.count("SELECT count(*) FROM readings").await, 6, "{stdout}");
    assert_eq!(db.count("SELECT count(*) FROM rejected_messages WHERE replayed_at IS NULL").await, 0);
    // The same message from the gateway again (its retry) is a duplicate: stored once.
    publish_raw(&[(topic, payload)]).await;
    wait_until(Duration::from_secs(20), "the retry counted as a duplicate", || async {
        daemon.metric("wasteflow_readings_duplicate_total").await == Some(6.0)
    })
    .await;
    assert_eq!(db.count("SELECT count(*) FROM readings").await, 6);
    // The replayed readings reach the live state: the alarm and the move open their events.
    wait_until(Duration::from_secs(20), "the replayed alarm and move in the live state", || async {
        db.count("SELECT count(*) FROM events WHERE container_id = 'ml-scrap-1' AND kind IN ('device_fire_alarm', 'outside_geofence')").await == 2
    })
    .await;
    // 0.01 degree of latitude is 1,111.95 m on the mean-radius sphere.
    let distance = db.count("SELECT round(open_value)::int8 FROM events WHERE kind = 'outside_geofence'").await;
    assert_eq!(distance, 1112);
    let load = db.count("SELECT round(load_kg)::int8 FROM live_containers WHERE container_id = 'ml-scrap-1'").await;
    assert_eq!(load, 2100);
    // The view computes the same distance for the dashboards.
    let shown = db
        .count("SELECT round(distance_from_site_m)::int8 FROM live_containers WHERE container_id = 'ml-scrap-1'")
        .await;
    assert_eq!(shown, 1112);
    // A container that never reported a position has no distance (not half the globe).
    let c = db.client().await;
    c.execute(
        "INSERT INTO container_live (container_id, company_id, state, open_events, updated_at)
         VALUES ('ml-oil-1', 'metallerie-lievin', '{\"fill_pct\": 10.0}', '{}', now())
         ON CONFLICT (container_id) DO UPDATE SET state = EXCLUDED.state",
        &[],
    )
    .await
    .unwrap();
    let none: Option<f64> = c
        .query_one("SELECT distance_from_site_m FROM live_containers WHERE container_id = 'ml-oil-1'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(none, None);
    daemon.terminate().await;
}
