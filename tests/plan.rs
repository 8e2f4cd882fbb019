//! `wasteflow plan`: the collection plan read from a database (registry tables and the shared
//! live state), on a hand-computed fixture: the grouping into trips across companies, the
//! vehicles' capacity, and the trips saved.

mod common;
use common::*;
use wasteflow::config::{DatabaseSettings, Settings};
use wasteflow::store::prepare;
use wasteflow::zone::Zone;

/// Monday 7 December 2026, 00:00 in Paris (+01:00).
const MONDAY: &str = "2026-12-06T23:00:00Z";

fn plan_json(env: &Env, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["plan", "--date", "2026-12-07", "--horizon", "3d", "--margin", "4h", "--rate-factor", "1"];
    args.extend_from_slice(extra);
    args.push("--json");
    let out = env.command().args(&args).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Each trip as (carrier, first pick-up time, [(container, fill %, m3, t)]).
type TripShape = (String, String, Vec<(String, f64, f64, f64)>);

fn trips(plan: &serde_json::Value) -> Vec<TripShape> {
    let round = |v: &serde_json::Value| (v.as_f64().unwrap() * 1000.0).round() / 1000.0;
    plan["trips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let pickups = t["pickups"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    let id = p["container"].as_str().unwrap().to_string();
                    (id, round(&p["fill_pct"]), round(&p["volume_m3"]), round(&p["tonnes"]))
                })
                .collect();
            (t["transporter"].as_str().unwrap().to_string(), t["at"].as_str().unwrap().to_string(), pickups)
        })
        .collect()
}

fn shape(carrier: &str, at: &str, pickups: &[(&str, f64, f64, f64)]) -> TripShape {
    (carrier.into(), at.into(), pickups.iter().map(|(c, f, v, t)| (c.to_string(), *f, *v, *t)).collect())
}

/// The test's database, migrated, with the example zone synchronised; a client on it.
async fn migrated(db: &TestDb) -> tokio_postgres::Client {
    let settings = Settings {
        database: DatabaseSettings { url: db.url.clone(), ..DatabaseSettings::default() },
        ..Settings::default()
    };
    prepare(&settings, &Zone::load(&zone_file()).unwrap(), true).await.expect("prepare");
    db.client().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_truck_serves_several_companies_within_its_capacity() {
    let db = TestDb::new().await;
    let c = migrated(&db).await;
    // The fixture's planning fields: every site open mon-fri 07:00-16:00 (no container window);
    // Transports d'Artois' vehicle holds 15 m3, no mass limit; Bennes Liénard's 60 m3.
    c.batch_execute(
        "UPDATE sites SET collection_days = '{mon,tue,wed,thu,fri}', collection_from = '07:00', collection_to = '16:00';
         UPDATE containers SET collection_days = NULL, collection_from = NULL, collection_to = NULL;
         UPDATE transporters SET vehicle_volume_m3 = NULL, vehicle_mass_kg = NULL;
         UPDATE transporters SET vehicle_volume_m3 = 15 WHERE id = 'transports-artois';
         UPDATE transporters SET vehicle_volume_m3 = 60 WHERE id = 'bennes-lienard';",
    )
    .await
    .unwrap();
    // The live state at Monday 00:00 (fill %, points per hour), threshold 90 % for all. The
    // in-house rubble roll-off (no carrier) is never planned.
    let live = [
        ("ba-mixed-1", "beton-artois", 60.0, 2.0),
        ("la-mineral-1", "logistique-a21", 60.0, 2.0),
        ("ml-scrap-1", "metallerie-lievin", 60.0, 2.0),
        ("ml-sand-1", "metallerie-lievin", 50.0, 0.5),
        ("ms-wood-1", "menuiserie-souchez", 60.0, 2.0),
        ("la-cardboard-1", "logistique-a21", 60.0, 2.0),
        ("ba-rubble-1", "beton-artois", 85.0, 2.0),
    ];
    for (id, company, fill, rate) in live {
        let to_full = (90.0 - fill) / rate * 3600.0;
        c.execute(
            "INSERT INTO container_live (container_id, company_id, state, fill_pct, fill_rate_per_hour, seconds_to_full, last_reading_at)
             VALUES ($1, $2, '{}', $3, $4, $5, $6::text::timestamptz)",
            &[&id, &company, &fill, &rate, &to_full, &MONDAY],
        )
        .await
        .unwrap();
    }
    let env = Env::new(&db);
    let plan = plan_json(&env, &["--join", "2"]);

    // At 60 %, 2 points an hour: 90 % after 15 h, Monday 15:00; less the 4 h margin, 11:00,
    // inside Monday's 07:00-16:00 window: collected at 11:00, holding 60 + 11 x 2 = 82 %.
    // ba-mixed-1: 10 m3 x 82 % = 8.2 m3, 5000 kg x 82 % = 4.1 t; la-mineral-1 and ml-scrap-1:
    // 8 m3 -> 6.56 m3, 12000 kg -> 9.84 t; ms-wood-1: 30 m3 -> 24.6 m3, 8000 kg -> 6.56 t;
    // la-cardboard-1: 20 m3 -> 16.4 m3, 6000 kg -> 4.92 t.
    // ml-sand-1 at 50 %, 0.5 point an hour: 90 % after 80 h, Thursday 08:00, by 04:00: the
    // last window opening before is Wednesday 07:00; that window closes at 16:00, before the
    // deadline: Wednesday 16:00 (hour 64), holding 50 + 64 x 0.5 = 82 %: 10 m3 -> 8.2 m3,
    // 15000 kg -> 12.3 t.
    // Transports d'Artois on Monday, by destination (beton-artois, ferrailles-lens,
    // isdnd-artois): la-mineral-1 + ml-scrap-1 = 13.12 m3; with ba-mixed-1 21.32 m3 > 15: a
    // second trip. Bennes Liénard: 16.4 + 24.6 = 41 m3 <= 60, one trip for both companies.
    let monday_11 = "2026-12-07T11:00:00+01:00";
    let want = vec![
        shape("bennes-lienard", monday_11, &[("la-cardboard-1", 82.0, 16.4, 4.92), ("ms-wood-1", 82.0, 24.6, 6.56)]),
        shape("transports-artois", monday_11, &[("la-mineral-1", 82.0, 6.56, 9.84), ("ml-scrap-1", 82.0, 6.56, 9.84)]),
        shape("transports-artois", monday_11, &[("ba-mixed-1", 82.0, 8.2, 4.1)]),
        shape("transports-artois", "2026-12-09T16:00:00+01:00", &[("ml-sand-1", 82.0, 8.2, 12.3)]),
    ];
    assert_eq!(trips(&plan), want, "{plan:#}");
    // Six pick-ups (the rubble roll-off has no carrier). Each company its own truck: beton-artois 1 (Monday), logistique-a21 2 (two carriers),
    // metallerie-lievin 2 (Monday, Wednesday), menuiserie-souchez 1: 6. The plan: 4, 2 saved.
    assert_eq!((plan["pickups"].as_u64(), plan["trips_total"].as_u64()), (Some(6), Some(4)), "{plan:#}");
    assert_eq!((plan["own_trips"].as_u64(), plan["trips_saved"].as_u64()), (Some(6), Some(2)), "{plan:#}");
    let companies = &plan["trips"][1]["companies"];
    assert_eq!(companies, &serde_json::json!(["logistique-a21", "metallerie-lievin"]), "{plan:#}");

    // A 22 m3 vehicle takes the three Monday skips (21.32 m3) in one trip: 3 trips, 3 saved.
    c.batch_execute("UPDATE transporters SET vehicle_volume_m3 = 22 WHERE id = 'transports-artois'").await.unwrap();
    let plan = plan_json(&env, &["--join", "2"]);
    assert_eq!((plan["trips_total"].as_u64(), plan["trips_saved"].as_u64()), (Some(3), Some(3)), "{plan:#}");
    assert!((plan["trips"][1]["volume_m3"].as_f64().unwrap() - 21.32).abs() < 1e-9, "{plan:#}");

    // Riding an earlier round (--join 0.75: 67.5 % of a 90 % threshold): Transports d'Artois
    // comes on Monday at 11:00, and ml-sand-1 is its only pick-up on Wednesday; at 11:00 on
    // Monday it would hold 50 + 11 x 0.5 = 55.5 %, too little; it stays on Wednesday.
    let plan = plan_json(&env, &["--join", "0.75"]);
    assert_eq!(plan["trips_total"].as_u64(), Some(3), "{plan:#}");
    // At --join 0.6 (54 %) it would ride the 11:00 round, but that round holds 21.32 m3, and
    // + 5.55 m3 = 26.87 m3 > 22: no room; it stays on Wednesday at 82 %. Each company its own
    // truck: metallerie-lievin's own 11:00 round has room (6.56 + 5.55 = 12.11 m3), so it goes
    // once, on Monday: 1 + 2 + 1 + 1 = 5, 2 saved.
    let plan = plan_json(&env, &["--join", "0.6"]);
    let sand_wed = shape("transports-artois", "2026-12-09T16:00:00+01:00", &[("ml-sand-1", 82.0, 8.2, 12.3)]);
    assert_eq!(trips(&plan)[2], sand_wed, "{plan:#}");
    assert_eq!((plan["trips_total"].as_u64(), plan["own_trips"].as_u64()), (Some(3), Some(5)), "{plan:#}");
    // A 30 m3 vehicle has room: ml-sand-1 rides Monday's 11:00 round at 55.5 %, 5.55 m3 and
    // 15000 kg x 55.5 % = 8.325 t: 2 trips, 3 saved.
    c.batch_execute("UPDATE transporters SET vehicle_volume_m3 = 30 WHERE id = 'transports-artois'").await.unwrap();
    let plan = plan_json(&env, &["--join", "0.6"]);
    let monday_round = &trips(&plan)[1];
    assert!(monday_round.2.contains(&("ml-sand-1".to_string(), 55.5, 5.55, 8.325)), "{plan:#}");
    assert_eq!((plan["trips_total"].as_u64(), plan["trips_saved"].as_u64()), (Some(2), Some(3)), "{plan:#}");
    c.batch_execute("UPDATE transporters SET vehicle_volume_m3 = 22 WHERE id = 'transports-artois'").await.unwrap();

    // The text form names each carrier, destination and pick-up with its tonnes.
    let out = env
        .command()
        .args(["plan", "--date", "2026-12-07", "--margin", "4h", "--rate-factor", "1", "--join", "2"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(
            "Pooling saves 3 of 6 trips (50 %): the 6 pick-ups take 3 trips, against 6 if every company called its own truck."
        ),
        "{text}"
    );
    assert!(text.contains("    -> beton-artois: 9.84 t"), "{text}");
    assert!(
        text.contains("16:00  ml-sand-1        metallerie-lievin     82.0 %    8.2 m3  12.30 t by max load; read 50.0 % at 2026-12-07 00:00"),
        "{text}"
    );
}

/// The `collections_due` view applies the planner's rule (docs/planning.md steps 1 to 3, with
/// the command's defaults: rate x1.25 once the rate spans a day, 2 h margin) at the database's
/// `now()`: each row's
/// `collect_at` equals what `plan::pickup` computes for the same live state, whatever the day
/// and hour the test runs. Windows: mon-fri 07:00-16:00 on the sites; ml-sand-1 its own
/// mon/wed/fri 18:00-24:00 (the 23:59 end); ms-wood-1's site none (any time).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collections_due_applies_the_planners_rule() {
    use wasteflow::calendar::{SignedDuration, Timestamp};
    use wasteflow::plan::{pickup, ExpectedMass, LocalClock, Params, PlannedContainer};
    use wasteflow::zone::CollectionWindow;
    let db = TestDb::new().await;
    let c = migrated(&db).await;
    c.batch_execute(
        "UPDATE sites SET collection_days = '{mon,tue,wed,thu,fri}', collection_from = '07:00', collection_to = '16:00';
         UPDATE containers SET collection_days = NULL, collection_from = NULL, collection_to = NULL;
         UPDATE containers SET collection_days = '{mon,wed,fri}', collection_from = '18:00', collection_to = '24:00' WHERE id = 'ml-sand-1';
         UPDATE sites SET collection_days = NULL, collection_from = NULL, collection_to = NULL
             WHERE id = (SELECT site_id FROM containers WHERE id = 'ms-wood-1');",
    )
    .await
    .unwrap();
    // Read 3 h ago: fill %, points per hour, and the hours the rate spans in the live state
    // (below 24 h, no rate factor; unknown: the factor). la-cardboard-1 is above its threshold
    // (due now).
    let live = [
        ("ba-mixed-1", 60.0, 2.0, Some(8.0)),
        ("la-mineral-1", 40.0, 0.5, Some(30.0)),
        ("ml-scrap-1", 85.0, 1.0, None),
        ("ml-sand-1", 50.0, 0.8, Some(12.0)),
        ("ms-wood-1", 30.0, 1.0, Some(50.0)),
        ("la-cardboard-1", 95.0, 1.0, None),
    ];
    for (id, fill, rate, span_h) in live {
        c.execute(
            "INSERT INTO container_live (container_id, company_id, state, fill_pct, fill_rate_per_hour, seconds_to_full, last_reading_at)
             SELECT id, company_id,
                    CASE WHEN $4::float8 IS NULL THEN '{}'::jsonb
                         ELSE jsonb_build_object('fill_ms', 1000000000000::int8, 'base', jsonb_build_array(0, 1000000000000 - ($4 * 3600000)::int8)) END,
                    $2, $3, greatest(overflow_threshold_pct - $2, 0) / $3 * 3600, date_trunc('second', now()) - interval '3 hours'
             FROM containers WHERE id = $1",
            &[&id, &fill, &rate, &span_h],
        )
        .await
        .unwrap();
    }
    // One statement, so one now() for the view and for the planner.
    let rows = c
        .query(
            "SELECT extract(epoch FROM now())::float8 AS now_s, d.container_id, extract(epoch FROM d.collect_at)::float8 AS at,
                    extract(epoch FROM d.overflow_at)::float8 AS overflow,
                    d.late, c.company_id, c.destination_id, c.transporter_id, c.volume_m3, c.max_load_kg,
                    c.overflow_threshold_pct, l.fill_pct, l.fill_rate_per_hour,
                    extract(epoch FROM l.last_reading_at)::int8 AS reading_at,
                    coalesce(c.collection_days, s.collection_days) AS days,
                    to_char(coalesce(c.collection_from, s.collection_from), 'HH24:MI') AS w_from,
                    to_char(coalesce(c.collection_to, s.collection_to), 'HH24:MI') AS w_to
             FROM collections_due d JOIN containers c ON c.id = d.container_id
             JOIN container_live l ON l.container_id = c.id LEFT JOIN sites s ON s.id = c.site_id",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), live.len(), "every live container with a carrier");
    let now_s: f64 = rows[0].get("now_s");
    let now_s = now_s.floor() as i64;
    let samples = c
        .query(
            "SELECT extract(epoch FROM h)::int8 AS utc,
                    extract(epoch FROM (h AT TIME ZONE 'Europe/Paris') - (h AT TIME ZONE 'UTC'))::int4 AS offset_s
             FROM generate_series(to_timestamp($1::int8), to_timestamp($2::int8), interval '1 hour') h",
            &[&(now_s - 3 * 86_400), &(now_s + 30 * 86_400)],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let offset = SignedDuration::from_secs(i64::from(r.get::<_, i32>("offset_s")));
            (Timestamp::from_secs(r.get::<_, i64>("utc")), offset)
        })
        .collect();
    let clock = LocalClock::from_samples(samples);
    let minutes = |s: Option<String>, default: u16| {
        s.map(|s| s[..2].parse::<u16>().unwrap() * 60 + s[3..].parse::<u16>().unwrap()).unwrap_or(default)
    };
    let now = Timestamp::from_secs(now_s);
    let params = Params {
        now,
        until: now + SignedDuration::from_secs(30 * 86_400),
        margin: SignedDuration::from_secs(2 * 3600),
        join_share: 2.0,
        rate_factor: 1.25,
        slot: SignedDuration::from_mins(15),
    };
    for r in &rows {
        let days: Option<Vec<String>> = r.get("days");
        let week = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let window = CollectionWindow {
            days: days.map_or(0x7f, |d| d.iter().map(|d| 1u8 << week.iter().position(|w| w == d).unwrap()).sum()),
            from_min: minutes(r.get("w_from"), 0),
            to_min: minutes(r.get("w_to"), 24 * 60),
        };
        let state = PlannedContainer {
            id: r.get("container_id"),
            company: r.get("company_id"),
            destination: r.get("destination_id"),
            transporter: r.get("transporter_id"),
            volume_m3: r.get("volume_m3"),
            mass: ExpectedMass::max_load(r.get("max_load_kg")),
            threshold_pct: r.get("overflow_threshold_pct"),
            fill_pct: r.get("fill_pct"),
            reading_at: Timestamp::from_secs(r.get("reading_at")),
            rate_per_hour: r.get("fill_rate_per_hour"),
            rate_span_h: live.iter().find(|l| l.0 == r.get::<_, &str>("container_id")).unwrap().3,
            window,
        };
        let p = pickup(&state, &clock, &params).unwrap_or_else(|| panic!("{state:?}"));
        let overflow: f64 = r.get("overflow");
        assert!((overflow - p.overflow.as_secs() as f64).abs() <= 1.0, "{}: view {overflow}, planner {p:?}", state.id);
        let at: f64 = r.get("at");
        assert!(
            (at - p.at.as_secs() as f64).abs() <= 1.0,
            "{}: view {at}, planner {} ({p:?})",
            state.id,
            p.at.as_secs()
        );
        assert_eq!(r.get::<_, bool>("late"), p.late, "{}", state.id);
    }
}

/// Migration 17's `container_live.fill_rate_span`, which `plan` and `collections_due` read
/// for the rate factor, is what the live stage's stored state says: fill readings at 20 % and
/// 50 % ten hours apart span 10 h; after an emptying, nothing until the next fill reading.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fill_rate_span_is_the_stored_live_states() {
    use wasteflow::calendar::Timestamp;
    use wasteflow::live::{ContainerState, LiveParams};
    use wasteflow::wire::MeasurementKind;
    let db = TestDb::new().await;
    let c = migrated(&db).await;
    let params = LiveParams::from(&Settings::default().live);
    let at = Timestamp::from_millis;
    let (t0, hour) = (1_800_000_000_000, 3_600_000);
    let mut filling = ContainerState::default();
    filling.apply(MeasurementKind::FillLevel, at(t0), 20.0, &params);
    filling.apply(MeasurementKind::FillLevel, at(t0 + 10 * hour), 50.0, &params);
    let mut emptied = filling.clone();
    emptied.apply(MeasurementKind::Emptied, at(t0 + 11 * hour), 1.0, &params);
    for (id, state) in [("ba-mixed-1", &filling), ("ml-scrap-1", &emptied)] {
        c.execute(
            "INSERT INTO container_live (container_id, company_id, state)
             SELECT id, company_id, $2 FROM containers WHERE id = $1",
            &[&id, &serde_json::to_value(state).unwrap()],
        )
        .await
        .unwrap();
    }
    let spans: Vec<(String, Option<f64>)> = c
        .query(
            "SELECT container_id, extract(epoch FROM fill_rate_span)::float8 AS span_s FROM container_live ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("container_id"), r.get("span_s")))
        .collect();
    assert_eq!(spans, [("ba-mixed-1".to_string(), Some(36_000.0)), ("ml-scrap-1".to_string(), None)]);
}
