//! `wasteflow plan` as a carrier would follow it (issue 28), on a database fixture computed by
//! hand: the expected mass from the container's latest weighings (which lets two skips share
//! a 19 t truck that `max_load_kg x fill` kept apart), times rounded to the quarter hour, the
//! fill as `live_containers` shows it, and what pooling saves in words.

mod common;
use common::schema::insert_readings as readings;
use common::*;
use wasteflow::config::{DatabaseSettings, Settings};
use wasteflow::store::{prepare, MIGRATIONS};
use wasteflow::zone::Zone;

/// Monday 7 December 2026, 00:00 in Paris (+01:00).
const MONDAY: &str = "2026-12-06T23:00:00Z";

/// The test's database, migrated, with the example zone; every site open mon-fri
/// 07:00-16:00, no container window; the carriers' vehicles as in config/zone.toml
/// (Transports d'Artois: 40 m3, 19 t).
async fn fixture(db: &TestDb) -> tokio_postgres::Client {
    let settings = Settings {
        database: DatabaseSettings { url: db.url.clone(), ..DatabaseSettings::default() },
        ..Settings::default()
    };
    prepare(&settings, &Zone::load(&zone_file()).unwrap(), true).await.expect("prepare");
    let c = db.client().await;
    c.batch_execute(
        "UPDATE sites SET collection_days = '{mon,tue,wed,thu,fri}', collection_from = '07:00', collection_to = '16:00';
         UPDATE containers SET collection_days = NULL, collection_from = NULL, collection_to = NULL;",
    )
    .await
    .unwrap();
    c
}

/// Live state at Monday 00:00: (container, fill %, points per hour); each container's latest
/// weighings in its state, computed from the readings inserted before, as migration 23
/// computes them for a database upgraded with history (the live stage keeps them from then on).
async fn live(c: &tokio_postgres::Client, rows: &[(&str, f64, f64)]) {
    for (id, fill, rate) in rows {
        c.execute(
            "INSERT INTO container_live (container_id, company_id, state, fill_pct, fill_rate_per_hour, seconds_to_full, last_reading_at)
             SELECT id, company_id, '{}', $2, $3, greatest(overflow_threshold_pct - $2, 0) / $3 * 3600, $4::text::timestamptz
             FROM containers WHERE id = $1",
            &[id, fill, rate, &MONDAY],
        )
        .await
        .unwrap();
    }
    let (_, _, weighings) = MIGRATIONS.iter().find(|m| m.0 == 23).expect("migration 23");
    c.batch_execute(weighings).await.expect("the latest weighings, as migration 23 computes them");
}

fn plan(env: &Env, json: bool) -> String {
    let mut args = vec!["plan", "--date", "2026-12-07", "--margin", "2h", "--rate-factor", "1"];
    if json {
        args.push("--json");
    }
    let out = env.command().args(&args).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    text
}

fn pickup<'a>(plan: &'a serde_json::Value, container: &str) -> &'a serde_json::Value {
    let all = plan["trips"].as_array().unwrap().iter().flat_map(|t| t["pickups"].as_array().unwrap());
    all.into_iter().find(|p| p["container"] == container).unwrap_or_else(|| panic!("{container}: {plan:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_a_carrier_would_follow() {
    let db = TestDb::new().await;
    let c = fixture(&db).await;
    // ml-scrap-1 (8 m3, max_load 12,000 kg) was weighed at 4,670 kg after a fill reading of
    // 72 %, and at 5,000 kg after 78 %; an older weighing of 9,000 kg has no fill reading in
    // the day before it (the one of 18 November is older) and does not count.
    readings(
        &c,
        "ml-scrap-1",
        &[
            ("2026-11-18T05:45:00Z", 0, 50.0),
            ("2026-11-20T06:00:00Z", 1, 9000.0),
            ("2026-11-30T05:45:00Z", 0, 72.0),
            ("2026-11-30T06:00:00Z", 1, 4670.0),
            ("2026-12-03T05:45:00Z", 0, 78.0),
            ("2026-12-03T06:00:00Z", 1, 5000.0),
        ],
    )
    .await;
    live(
        &c,
        &[
            ("la-mineral-1", 60.0, 2.0),
            ("ml-scrap-1", 60.0, 2.0),
            ("ml-oil-1", 104.0, 1.0),
            ("la-cardboard-1", 61.5, 2.6),
        ],
    )
    .await;
    let env = Env::new(&db);
    let json: serde_json::Value = serde_json::from_str(&plan(&env, true)).unwrap();

    // la-mineral-1 and ml-scrap-1: 60 % at 2 %/h reach 90 % at Monday 15:00; less the 2 h
    // margin, 13:00, inside the window: 60 + 13 x 2 = 86 %. la-mineral-1 has no weighing:
    // 12,000 kg x 86 % = 10.32 t. ml-scrap-1: (4,670 + 5,000) / (72 + 78) = 64.467 kg a
    // point, x 86 = 5,544.1 kg (by max_load it would be 10.32 t too: 20.64 t > 19 t, two
    // trips). 10.32 + 5.544 = 15.864 t <= 19 t: one round for both companies.
    let scrap = pickup(&json, "ml-scrap-1");
    assert_eq!((scrap["mass_basis"].as_str(), scrap["weighings"].as_u64()), (Some("weighings"), Some(2)), "{json:#}");
    assert!((scrap["tonnes"].as_f64().unwrap() - 9.670 / 150.0 * 86.0).abs() < 1e-9, "{json:#}");
    assert_eq!(pickup(&json, "la-mineral-1")["mass_basis"], "max_load");
    let artois: Vec<&serde_json::Value> =
        json["trips"].as_array().unwrap().iter().filter(|t| t["transporter"] == "transports-artois").collect();
    assert_eq!(artois.len(), 1, "{json:#}");
    assert_eq!(artois[0]["at"], "2026-12-07T13:00:00+01:00");
    assert!((artois[0]["tonnes"].as_f64().unwrap() - (10.32 + 9.670 / 150.0 * 86.0)).abs() < 1e-9, "{json:#}");

    // la-cardboard-1: 61.5 % at 2.6 %/h reaches 90 % after 28.5 / 2.6 h = 10:57:42; by
    // 08:57:42 with the margin; the carrier comes at 08:45, the quarter hour before.
    let cardboard = pickup(&json, "la-cardboard-1");
    assert_eq!(cardboard["at"], "2026-12-07T08:45:00+01:00", "{json:#}");
    assert_eq!(cardboard["overflow_at"], "2026-12-07T10:57:42+01:00", "{json:#}");

    // Every pick-up's fill read is live_containers' fill; ml-oil-1, read at 104 % (above its
    // 85 % threshold), is collected at the first opening, 07:00, at 104 %, not 100 %.
    let rows = c.query("SELECT container_id, fill_pct FROM live_containers_all", &[]).await.unwrap();
    for r in &rows {
        let id: String = r.get("container_id");
        let read = pickup(&json, &id)["read_fill_pct"].as_f64();
        assert_eq!(read, Some(r.get::<_, f64>("fill_pct")), "{id}: {json:#}");
    }
    let oil = pickup(&json, "ml-oil-1");
    assert_eq!((oil["at"].as_str(), oil["fill_pct"].as_f64()), (Some("2026-12-07T07:00:00+01:00"), Some(104.0)));

    // Each company alone: logistique-a21 2 trips (two carriers), metallerie-lievin 2 (two
    // carriers): 4. Pooled: 3. In words:
    assert_eq!((json["trips_total"].as_u64(), json["own_trips"].as_u64()), (Some(3), Some(4)), "{json:#}");
    let text = plan(&env, false);
    assert!(
        text.contains("Pooling saves 1 of 4 trips (25 %): the 4 pick-ups take 3 trips, against 4 if every company called its own truck."),
        "{text}"
    );
    assert!(
        text.contains("13:00  ml-scrap-1       metallerie-lievin     86.0 %    6.9 m3   5.54 t by 2 weighing(s)"),
        "{text}"
    );
}

/// The weighings a forecast reads are the latest the live state keeps, from a year (366 days)
/// before the plan's first instant on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forecast_reads_the_weighings_of_the_year_before_the_plan() {
    let db = TestDb::new().await;
    let c = fixture(&db).await;
    // ml-scrap-1: the same two weighings as above, but in May 2026, 200 days before the plan:
    // within the year, they count.
    readings(
        &c,
        "ml-scrap-1",
        &[
            ("2026-05-18T05:45:00Z", 0, 72.0),
            ("2026-05-18T06:00:00Z", 1, 4670.0),
            ("2026-05-21T05:45:00Z", 0, 78.0),
            ("2026-05-21T06:00:00Z", 1, 5000.0),
        ],
    )
    .await;
    // la-mineral-1: one weighing 400 days before the plan, with its fill: kept in the live
    // state, but more than a year before the plan (Monday 00:00 less 366 days is 6 December
    // 2025, 00:00 in Paris), not read; the forecast is by the container's largest load.
    readings(&c, "la-mineral-1", &[("2025-11-02T05:45:00Z", 0, 80.0), ("2025-11-02T06:00:00Z", 1, 3000.0)]).await;
    live(&c, &[("la-mineral-1", 60.0, 2.0), ("ml-scrap-1", 60.0, 2.0)]).await;
    let kept: i32 = c
        .query_one(
            "SELECT jsonb_array_length(state -> 'weighings') FROM container_live WHERE container_id = 'la-mineral-1'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(kept, 1, "the live state keeps it");
    let json: serde_json::Value = serde_json::from_str(&plan(&Env::new(&db), true)).unwrap();
    // As in the first test: (4,670 + 5,000) / (72 + 78) kg a point, x 86 %.
    let scrap = pickup(&json, "ml-scrap-1");
    assert_eq!((scrap["mass_basis"].as_str(), scrap["weighings"].as_u64()), (Some("weighings"), Some(2)), "{json:#}");
    assert!((scrap["tonnes"].as_f64().unwrap() - 9.670 / 150.0 * 86.0).abs() < 1e-9, "{json:#}");
    assert_eq!(pickup(&json, "la-mineral-1")["mass_basis"], "max_load", "{json:#}");
}
