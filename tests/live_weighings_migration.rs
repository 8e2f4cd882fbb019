//! Migration 23 on a database that has history: each container's latest weighings and fill
//! reading, computed from the readings stored before it, in its live state
//! (`container_live.state`), where `wasteflow plan` reads them and the live stage goes on
//! keeping them (src/live/state/recent_weighings.rs).

mod common;
use common::schema::insert_readings as readings;
use common::*;
use std::time::Duration;
use wasteflow::calendar::Timestamp;
use wasteflow::config::Settings;
use wasteflow::live::{ContainerState, RecentWeighing};
use wasteflow::store::{migrate, sync_registry, MIGRATIONS};
use wasteflow::zone::Zone;

const LIMIT: Duration = Duration::from_secs(60);

/// The instant of an RFC 3339 time.
fn at(text: &str) -> Timestamp {
    Timestamp::from_millis(text.parse::<jiff::Timestamp>().unwrap().as_millisecond())
}

/// The schema as migration 22 left it (the TimescaleDB extension first, when the server has
/// it, as `wasteflow migrate` does), the example zone's registry synchronised into it.
async fn at_migration_22(c: &mut tokio_postgres::Client) {
    let timescale =
        c.query_opt("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'", &[]).await.unwrap().is_some();
    if timescale {
        c.batch_execute("CREATE EXTENSION IF NOT EXISTS timescaledb").await.unwrap();
    }
    common::schema::apply_migrations_through(c, 22).await;
    let zone = Zone::load(&zone_file()).unwrap();
    sync_registry(c, &zone, &Settings::default().zone.time_zone, LIMIT).await.expect("registry sync");
}

/// A container's live row, with `state` as an earlier build wrote it.
async fn live(c: &tokio_postgres::Client, container: &str, state: &str) {
    c.execute(
        "INSERT INTO container_live (container_id, company_id, state)
         SELECT id, company_id, $2::text::jsonb FROM containers WHERE id = $1",
        &[&container, &state],
    )
    .await
    .unwrap();
}

async fn state(c: &tokio_postgres::Client, container: &str) -> serde_json::Value {
    c.query_one("SELECT state FROM container_live WHERE container_id = $1", &[&container]).await.unwrap().get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_23_keeps_each_containers_latest_weighings_in_its_live_state() {
    let db = TestDb::new().await;
    let mut c = db.client().await;
    at_migration_22(&mut c).await;
    // ml-scrap-1: six weighings, each after fill readings.
    readings(
        &c,
        "ml-scrap-1",
        &[
            // 4,500 kg after 70 %: usable, but the fourth latest usable one: not kept.
            ("2026-11-10T05:45:00Z", 0, 70.0),
            ("2026-11-10T06:00:00Z", 1, 4500.0),
            // 4,670 kg after 72 % (a quarter of an hour older): kept.
            ("2026-11-20T05:45:00Z", 0, 72.0),
            ("2026-11-20T06:00:00Z", 1, 4670.0),
            // 9,000 kg, the latest fill reading 24 h before it: not less than 24 h older, skipped.
            ("2026-11-25T06:00:00Z", 0, 65.0),
            ("2026-11-26T06:00:00Z", 1, 9000.0),
            // 300 kg: the latest fill reading before it reads 0 % (the 75 % before that does
            // not count): skipped.
            ("2026-11-28T05:00:00Z", 0, 75.0),
            ("2026-11-28T05:45:00Z", 0, 0.0),
            ("2026-11-28T06:00:00Z", 1, 300.0),
            // 5,000 kg after 78 %, 5,200 kg after 80 %: kept.
            ("2026-11-30T05:45:00Z", 0, 78.0),
            ("2026-11-30T06:00:00Z", 1, 5000.0),
            ("2026-12-03T05:45:00Z", 0, 80.0),
            ("2026-12-03T06:00:00Z", 1, 5200.0),
            // Read again at 2 % after the last collection: the latest fill reading.
            ("2026-12-03T06:15:00Z", 0, 2.0),
        ],
    )
    .await;
    // la-mineral-1: fill readings only; la-cardboard-1: no reading at all.
    readings(&c, "la-mineral-1", &[("2026-12-01T08:00:00Z", 0, 40.0), ("2026-12-02T08:00:00Z", 0, 45.5)]).await;
    // (fill_ms: 06:15 on 3 December.)
    let earlier = r#"{"fill_pct": 2.0, "fill_ms": 1796278500000, "last_mass_kg": 5200.0}"#;
    live(&c, "ml-scrap-1", earlier).await;
    live(&c, "la-mineral-1", "{}").await;
    live(&c, "la-cardboard-1", r#"{"fill_pct": 61.5}"#).await;
    let cardboard_before = state(&c, "la-cardboard-1").await;

    let (_, applied) = migrate(&mut c, None, LIMIT).await.expect("migrate");
    assert_eq!(applied.first(), Some(&23), "{applied:?}");

    // ml-scrap-1: the 3 latest usable weighings, latest first: 5,200 kg at 80 %, 5,000 kg at
    // 78 %, 4,670 kg at 72 % (skipped: 9,000 kg and 300 kg; fourth: 4,500 kg). The plan's mass
    // per point from them: (5,200 + 5,000 + 4,670) / (80 + 78 + 72) = 14,870 / 230 = 64.65 kg.
    let scrap = state(&c, "ml-scrap-1").await;
    let s: ContainerState = serde_json::from_value(scrap.clone()).expect("the state the live stage reads back");
    let weighing = |kg, w: &str, fill_pct, f: &str| RecentWeighing { kg, at: at(w), fill_pct, fill_at: at(f) };
    assert_eq!(
        s.weighings,
        vec![
            weighing(5200.0, "2026-12-03T06:00:00Z", 80.0, "2026-12-03T05:45:00Z"),
            weighing(5000.0, "2026-11-30T06:00:00Z", 78.0, "2026-11-30T05:45:00Z"),
            weighing(4670.0, "2026-11-20T06:00:00Z", 72.0, "2026-11-20T05:45:00Z"),
        ],
        "{scrap}"
    );
    let kg: f64 = s.weighings.iter().map(|w| w.kg).sum();
    let fill: f64 = s.weighings.iter().map(|w| w.fill_pct).sum();
    assert_eq!((kg, fill), (14_870.0, 230.0));
    // The latest fill reading, 2 % at 06:15 on 3 December; the earlier keys as they were.
    assert_eq!(s.fill_reading.map(|f| (f.value, f.at)), Some((2.0, at("2026-12-03T06:15:00Z"))));
    assert_eq!(
        (s.fill_pct, s.fill_at, s.last_mass_kg),
        (Some(2.0), Timestamp::from_millis(1796278500000), Some(5200.0))
    );
    // What the live stage writes back reads the same.
    let back: ContainerState = serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
    assert_eq!(back, s);

    // la-mineral-1: its latest fill reading, no weighings (no key).
    let mineral = state(&c, "la-mineral-1").await;
    assert_eq!(mineral.get("weighings"), None, "{mineral}");
    let s: ContainerState = serde_json::from_value(mineral.clone()).unwrap();
    assert_eq!(s.fill_reading.map(|f| (f.value, f.at)), Some((45.5, at("2026-12-02T08:00:00Z"))), "{mineral}");
    // la-cardboard-1: nothing to add, the state untouched.
    assert_eq!(state(&c, "la-cardboard-1").await, cardboard_before);
}

/// Each container's (weighings, fill reading) as `container_live.state` holds them.
async fn kept(c: &tokio_postgres::Client) -> Vec<(String, String)> {
    let rows = c.query("SELECT container_id, state FROM container_live ORDER BY container_id", &[]).await.unwrap();
    rows.iter()
        .map(|r| {
            let s: ContainerState = serde_json::from_value(r.get("state")).unwrap();
            (r.get("container_id"), format!("{:?} {:?}", s.weighings, s.fill_reading))
        })
        .collect()
}

/// Folded in time order, the live stage keeps what migration 23 computes from the same
/// readings: after a simulated fortnight (collections weighed after fill readings, each
/// container's readings from one gateway, in order), the migration's SQL run again over the
/// stored readings gives every container the same weighings and fill reading.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_stage_keeps_what_migration_23_computes_from_the_same_readings() {
    let db = TestDb::new().await;
    let (env, _broker) = Env::with_private_broker(&db);
    let mut e = env.group_member(0, false);
    e.extra.push(("WASTEFLOW__LIVE__TICK".into(), "300ms".into()));
    let daemon = Daemon::start(&e).await;
    let start = ((now_ms() - 15 * 86_400_000) / 60_000 * 60_000).to_string();
    let summary = simulate(&env, &["--realistic", "--days", "14", "--seed", "5", "--start-ms", &start]);
    let expected = summary["readings"].as_i64().unwrap() - summary["rejected_expected"].as_i64().unwrap();
    wait_until(Duration::from_secs(180), "every reading stored and folded", || async {
        db.count("SELECT count(*) FROM readings").await == expected
            && db.count("SELECT count(*) FROM live_inbox").await == 0
            && db.count("SELECT count(*) FROM gateway_sequence WHERE pending_frames > 0").await == 0
    })
    .await;
    assert!(daemon.terminate().await.success());
    let c = db.client().await;
    let folded = kept(&c).await;
    let full = folded.iter().filter(|(_, k)| k.matches("RecentWeighing").count() == 3).count();
    println!("{} containers, {full} with 3 weighings kept; {expected} readings", folded.len());
    assert!(full >= 3, "the fortnight's collections fill some containers' lists: {folded:#?}");
    let (_, _, sql) = MIGRATIONS.iter().find(|m| m.0 == 23).unwrap();
    c.batch_execute(sql).await.unwrap();
    let migrated = kept(&c).await;
    for ((id, f), (_, m)) in folded.iter().zip(&migrated) {
        assert_eq!(f, m, "{id}: folded, then as migration 23 computes it");
    }
    assert_eq!(folded.len(), migrated.len());
}
