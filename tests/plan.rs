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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_truck_serves_several_companies_within_its_capacity() {
    let db = TestDb::new().await;
    let settings = Settings {
        database: DatabaseSettings { url: db.url.clone(), ..DatabaseSettings::default() },
        ..Settings::default()
    };
    prepare(&settings, &Zone::load(&zone_file()).unwrap(), true).await.expect("prepare");
    let c = db.client().await;
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

    // At 60 %, 2 points an hour: 90 % after 15 h, Monday 15:00; less the 4 h margin, 11:00;
    // the last opening before is Monday 07:00, holding 60 + 7 x 2 = 74 %. ba-mixed-1: 10 m3
    // x 74 % = 7.4 m3, 5000 kg x 74 % = 3.7 t; la-mineral-1 and ml-scrap-1: 8 m3 -> 5.92 m3,
    // 12000 kg -> 8.88 t; ms-wood-1: 30 m3 -> 22.2 m3, 8000 kg -> 5.92 t; la-cardboard-1:
    // 20 m3 -> 14.8 m3, 6000 kg -> 4.44 t.
    // ml-sand-1 at 50 %, 0.5 point an hour: 90 % after 80 h, Thursday 08:00, by 04:00: the
    // last opening is Wednesday 07:00, holding 50 + 55 x 0.5 = 77.5 %: 7.75 m3, 11.625 t.
    // Transports d'Artois on Monday, by destination (beton-artois, ferrailles-lens,
    // isdnd-artois): la-mineral-1 + ml-scrap-1 = 11.84 m3; with ba-mixed-1 19.24 m3 > 15: a
    // second trip. Bennes Liénard: 14.8 + 22.2 = 37 m3 <= 60, one trip for both companies.
    let monday_7 = "2026-12-07T07:00:00+01:00";
    let want = vec![
        shape("bennes-lienard", monday_7, &[("la-cardboard-1", 74.0, 14.8, 4.44), ("ms-wood-1", 74.0, 22.2, 5.92)]),
        shape("transports-artois", monday_7, &[("la-mineral-1", 74.0, 5.92, 8.88), ("ml-scrap-1", 74.0, 5.92, 8.88)]),
        shape("transports-artois", monday_7, &[("ba-mixed-1", 74.0, 7.4, 3.7)]),
        shape("transports-artois", "2026-12-09T07:00:00+01:00", &[("ml-sand-1", 77.5, 7.75, 11.625)]),
    ];
    assert_eq!(trips(&plan), want, "{plan:#}");
    // Six pick-ups (the rubble roll-off has no carrier). Each company its own truck: beton-artois 1 (Monday), logistique-a21 2 (two carriers),
    // metallerie-lievin 2 (Monday, Wednesday), menuiserie-souchez 1: 6. The plan: 4, 2 saved.
    assert_eq!((plan["pickups"].as_u64(), plan["trips_total"].as_u64()), (Some(6), Some(4)), "{plan:#}");
    assert_eq!((plan["own_trips"].as_u64(), plan["trips_saved"].as_u64()), (Some(6), Some(2)), "{plan:#}");
    let companies = &plan["trips"][1]["companies"];
    assert_eq!(companies, &serde_json::json!(["logistique-a21", "metallerie-lievin"]), "{plan:#}");

    // A 20 m3 vehicle takes the three Monday skips (19.24 m3) in one trip: 3 trips, 3 saved.
    c.batch_execute("UPDATE transporters SET vehicle_volume_m3 = 20 WHERE id = 'transports-artois'").await.unwrap();
    let plan = plan_json(&env, &["--join", "2"]);
    assert_eq!((plan["trips_total"].as_u64(), plan["trips_saved"].as_u64()), (Some(3), Some(3)), "{plan:#}");
    assert!((plan["trips"][1]["volume_m3"].as_f64().unwrap() - 19.24).abs() < 1e-9, "{plan:#}");

    // Joining earlier trips (--join 0.75: 67.5 % of a 90 % threshold): on Monday 07:00
    // ml-sand-1 holds 50 + 7 x 0.5 = 53.5 %, too little; it stays on Wednesday.
    let plan = plan_json(&env, &["--join", "0.75"]);
    assert_eq!(plan["trips_total"].as_u64(), Some(3), "{plan:#}");

    // The text form names each carrier, destination and pick-up with its tonnes.
    let out = env
        .command()
        .args(["plan", "--date", "2026-12-07", "--margin", "4h", "--rate-factor", "1", "--join", "2"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("6 pick-up(s) in 3 trip(s); 6 if every company called its own truck: 3 trip(s) saved"),
        "{text}"
    );
    assert!(text.contains("    -> beton-artois: 8.88 t"), "{text}");
    assert!(text.contains("ml-sand-1        metallerie-lievin     77.5 %    7.8 m3  11.62 t"), "{text}");
}
