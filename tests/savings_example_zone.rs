//! Storage suite: the example zone (config/zone.toml, which gives no cost, TGAP or emission
//! factor of its own) over a simulated fortnight of 2026, with only the shipped reference
//! estimates of data/reference-factors.toml (docs/kpis.md "Shipped factors and their sources").
//! The realistic simulator's readings are validated and written as the daemon would; then every
//! figure of `savings_monthly` is held to the flows it counts, tonne by tonne: which tonnes the
//! reference estimates price and factor, which stay unpriced, and why.
//!
//! What prices what, in 2026 (hand-computed from the shipped figures):
//! - non-hazardous baseline D1: 95 EUR/t (FNADE model, TGAP excluded) + TGAP 2026
//!   non-hazardous-landfill 69 EUR/t = 164 EUR/t;
//! - hazardous baseline D10: 315 EUR/t (ADEME SelecDEPOL proxy) + TGAP 2026
//!   hazardous-incineration 15.18 EUR/t = 330.18 EUR/t;
//! - actual costs, by treatment and material, so EUR avoided per tonne:
//!   - used oil re-refined, R9, 0 (free under the oils' producer responsibility): 330.18 - 0 = 330.18;
//!   - steel scrap sold, R4, -145: 164 + 145 = 309;
//!   - concrete, mineral mix and foundry sand, R5, 20: 164 - 20 = 144;
//!   - cardboard sold, R3, -30: 164 + 30 = 194;
//!   - plastic regrind, R3, -90 (a proxy): 164 + 90 = 254;
//!   - wood offcuts burnt, R1, 60: 164 - 60 = 104;
//!   - wood offcuts re-used in house, R0, 0: 164;
//!   - solvents regenerated, R2: no reference cost, unpriced;
//! - CO2e avoided per tonne recycled (kg): steel 1,273; cardboard 1,261.41472; plastics
//!   1,601.40569; concrete, mineral mix and foundry sand 4.82974; used oil 725; solvents 2,000.
//!   Every stream recycled has a factor; R0 and R1 are not recycling and get none.

mod common;
use common::storage::{any_time_limits, StorageTarget};
use wasteflow::batch::Batch;
use wasteflow::calendar::Timestamp;
use wasteflow::simulate::{Faults, ZoneSim};
use wasteflow::source::{AckToken, Delivery};
use wasteflow::validate::check_message;
use wasteflow::wire::TopicLayout;

/// 2026-11-23T00:00:00Z to 2026-12-07T00:00:00Z: the demo's fortnight up to 7 December 2026,
/// across two local months.
const START_MS: i64 = 1_795_392_000_000;
const END_MS: i64 = START_MS + 14 * 86_400_000;

/// Baselines of 2026, from the shipped figures.
const D1_BASELINE: f64 = 95.0 + 69.0;
const D10_BASELINE: f64 = 315.0 + 15.18;

/// The shipped reference cost of a recovered flow, EUR/t (None: unpriced).
fn actual_cost(treatment: &str, stream: &str) -> Option<f64> {
    match (treatment, stream) {
        ("R9", "waste-oil") => Some(0.0),
        ("R4", "steel-scrap") => Some(-145.0),
        ("R5", "concrete" | "mineral-mix" | "foundry-sand") => Some(20.0),
        ("R3", "cardboard") => Some(-30.0),
        ("R3", "plastic-regrind") => Some(-90.0),
        ("R1", "wood-offcuts") => Some(60.0),
        ("R0", _) => Some(0.0),
        _ => None,
    }
}

/// The shipped reference factor of a stream recycled, kg CO2e per tonne.
fn kg_co2e(stream: &str) -> Option<f64> {
    match stream {
        "steel-scrap" => Some(1273.0),
        "cardboard" => Some(1261.41472),
        "plastic-regrind" => Some(1601.40569),
        "concrete" | "mineral-mix" | "foundry-sand" => Some(4.82974),
        "waste-oil" => Some(725.0),
        "solvents" => Some(2000.0),
        _ => None,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

/// The fortnight, simulated with the seed the demo uses, validated and written as the daemon
/// would (no faults: every reading is stored).
async fn fill_fortnight(target: &StorageTarget, zone: &wasteflow::zone::Zone) {
    let layout = TopicLayout::parse("zone/+/+/up").unwrap();
    let limits = any_time_limits();
    let received = Timestamp::from_millis(END_MS);
    let mut sim = ZoneSim::new(
        zone,
        &layout,
        2026,
        Timestamp::from_millis(START_MS),
        Timestamp::from_millis(END_MS),
        Faults::default(),
    );
    let mut writer = target.writer();
    let mut batch = Batch::default();
    let mut pkid = 0u16;
    while let Some(m) = sim.next_message() {
        let payload = bytes::Bytes::from(m.payload);
        let c = check_message(&m.topic, &payload, received, &layout, zone, &limits);
        assert!(c.rejects.is_empty(), "{:?}", c.rejects);
        pkid = pkid.wrapping_add(1).max(1);
        let ack = AckToken { generation: 0, pkid, qos: rumqttc::v5::mqttbytes::QoS::AtLeastOnce, bytes: 0 };
        batch.push_checked(Delivery { topic: m.topic, payload, received, retain: false, ack }, c);
        if batch.readings.len() >= 5_000 {
            writer.write(&batch).await.expect("write simulated batch");
            batch = Batch::default();
        }
    }
    writer.write(&batch).await.expect("write simulated batch");
    writer.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_zone_s_fortnight_is_priced_but_for_its_solvents_and_factored_throughout_by_the_shipped_estimates()
{
    let target = StorageTarget::new().await;
    let zone = common::storage::example_zone_with("");
    let (zone, db) = target.with_fixture(zone, |_| Vec::new()).await;
    fill_fortnight(&target, &zone).await;
    let c = &db.client;

    // The recovered flows of each month and company, by what prices and factors them.
    let flows = c
        .query(
            "SELECT period_start, company_id, treatment, stream_id, hazardous,
                    treatment_mode IN ('re-use', 'recycling') AND treatment <> 'R0' AS recycled,
                    sum(mass_g)::float8 / 1e6 AS tonnes
             FROM flows_by_period
             WHERE period = 'month' AND treatment_class IN ('re-use', 'recycling', 'energy-recovery', 'other-recovery')
             GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4",
            &[],
        )
        .await
        .unwrap();
    assert!(!flows.is_empty(), "the fortnight recovered something");
    type Key = (std::time::SystemTime, Option<String>);
    #[derive(Default, Debug)]
    struct Want {
        recovered: f64,
        priced: f64,
        eur: f64,
        recycled: f64,
        factored: f64,
        co2e_t: f64,
        hazardous: bool,
        non_hazardous: bool,
    }
    let mut want: std::collections::BTreeMap<Key, Want> = Default::default();
    let mut treatments = std::collections::BTreeSet::new();
    for f in &flows {
        let (month, company, treatment, stream, hazardous, recycled, tonnes): (
            std::time::SystemTime,
            String,
            String,
            String,
            bool,
            bool,
            f64,
        ) = (f.get(0), f.get(1), f.get(2), f.get(3), f.get(4), f.get(5), f.get(6));
        eprintln!(
            "flow {month:?} {company} {treatment} {stream} hazardous={hazardous} recycled={recycled}: {tonnes:.3} t"
        );
        treatments.insert(treatment.clone());
        let baseline = if hazardous { D10_BASELINE } else { D1_BASELINE };
        for key in [(month, Some(company.clone())), (month, None)] {
            let w = want.entry(key).or_default();
            w.recovered += tonnes;
            if let Some(cost) = actual_cost(&treatment, &stream) {
                w.priced += tonnes;
                w.eur += tonnes * (baseline - cost);
            }
            if recycled {
                w.recycled += tonnes;
                if let Some(kg) = kg_co2e(&stream) {
                    w.factored += tonnes;
                    w.co2e_t += tonnes * kg / 1000.0;
                }
            }
            w.hazardous |= hazardous;
            w.non_hazardous |= !hazardous;
        }
    }
    // The fortnight exercises the flows this test is about: every recovery treatment of the
    // example zone, the regenerated solvents (unpriced) among them.
    for t in ["R9", "R4", "R5", "R3", "R2", "R1", "R0"] {
        assert!(treatments.contains(t), "no {t} flow in the fortnight: {treatments:?}");
    }

    let rows = c
        .query(
            "SELECT month, company_id, recovered_t, baseline_eur_per_t, cost_avoided_eur, unpriced_t, cost_status,
                    recycled_t, co2e_avoided_t, unfactored_t, co2e_status,
                    priced_zone_t, priced_reference_t, factored_zone_t, factored_reference_t
             FROM savings_monthly ORDER BY month, company_id NULLS LAST",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), want.len(), "one row per month and company that recovered something, and the zone's");
    for r in &rows {
        let key: Key = (r.get(0), r.get(1));
        let w = want.get(&key).unwrap_or_else(|| panic!("unexpected savings row {key:?}"));
        let who = format!("{:?} {}", key.0, key.1.as_deref().unwrap_or("(zone)"));
        let recovered: f64 = r.get(2);
        let baseline: Option<f64> = r.get(3);
        let eur: Option<f64> = r.get(4);
        let unpriced: f64 = r.get(5);
        let cost_status: String = r.get(6);
        let recycled: f64 = r.get(7);
        let co2e: Option<f64> = r.get(8);
        let unfactored: f64 = r.get(9);
        let co2e_status: String = r.get(10);
        let by_origin: [f64; 4] = [r.get(11), r.get(12), r.get(13), r.get(14)];
        eprintln!(
            "savings {who}: recovered {recovered:.3} t, baseline {baseline:?} EUR/t, avoided {eur:?} EUR, \
             unpriced {unpriced:.3} t ({cost_status}); recycled {recycled:.3} t, CO2e {co2e:?} t, \
             unfactored {unfactored:.3} t ({co2e_status}); priced zone/reference, factored zone/reference {by_origin:?}"
        );
        assert!(close(recovered, w.recovered), "{who}: recovered {recovered}, want {w:?}");
        // Every recovered flow has a baseline in 2026: the highest is the hazardous one where a
        // hazardous flow is recovered.
        let want_baseline = if w.hazardous { D10_BASELINE } else { D1_BASELINE };
        assert!(baseline.is_some_and(|b| close(b, want_baseline)), "{who}: baseline {baseline:?}");
        // Priced by reference estimates only (the zone gives none): every recovered tonne but
        // the regenerated solvents'.
        assert!(close(unpriced, w.recovered - w.priced), "{who}: unpriced {unpriced}, want {w:?}");
        assert!(close(by_origin[0], 0.0) && close(by_origin[1], w.priced), "{who}: {by_origin:?}");
        match eur {
            Some(eur) => assert!(w.priced > 0.0 && (eur - w.eur).abs() < 1e-4, "{who}: {eur}, want {w:?}"),
            None => assert_eq!(w.priced, 0.0, "{who}"),
        }
        let status = |done: f64, of: f64, none: &str| {
            if of == 0.0 {
                none.to_string()
            } else if done == 0.0 {
                "not configured".to_string()
            } else if close(done, of) {
                "configured".to_string()
            } else {
                "partly configured".to_string()
            }
        };
        assert_eq!(cost_status, status(w.priced, w.recovered, "-"), "{who}");
        // Every tonne recycled is factored, by the reference factors.
        assert!(close(recycled, w.recycled), "{who}: recycled {recycled}, want {w:?}");
        assert!(close(w.factored, w.recycled), "{who}: a recycled stream without a reference factor: {w:?}");
        assert!(close(unfactored, 0.0), "{who}: unfactored {unfactored}, want {w:?}");
        assert!(close(by_origin[2], 0.0) && close(by_origin[3], w.factored), "{who}: {by_origin:?}");
        match co2e {
            Some(t) => assert!((t - w.co2e_t).abs() < 1e-6, "{who}: {t}, want {w:?}"),
            None => assert!(w.recycled == 0.0, "{who}: {w:?}"),
        }
        assert_eq!(co2e_status, status(w.factored, w.recycled, "nothing recycled"), "{who}");
    }
    // The zone's rows of the fortnight show euros and tCO2e, both estimates resting on the
    // reference figures.
    let zone_rows: Vec<_> = rows.iter().filter(|r| r.get::<_, Option<String>>(1).is_none()).collect();
    assert!(zone_rows.iter().any(|r| r.get::<_, Option<f64>>(4).is_some()), "the zone's euros");
    assert!(zone_rows.iter().any(|r| r.get::<_, Option<f64>>(8).is_some()), "the zone's tCO2e");

    // The Métallerie's year names every figure that priced or factored its tonnes, with its
    // origin and source.
    let year = wasteflow::report::company_year::read(c, "metallerie-lievin", 2026).await.expect("report");
    let page = wasteflow::report::company_year::render(&year);
    for line in [
        "[reference] TGAP 2026 non-hazardous-landfill: 69 EUR/t; Loi n° 2026-103",
        "[reference] TGAP 2026 hazardous-incineration: 15.18 EUR/t; Loi n° 2026-103",
        "[reference] cost D1: 95 EUR/t; FNADE and SN2E",
        "[reference] cost D10: 315 EUR/t; Proxy: ADEME and BRGM, SelecDEPOL",
        "[reference] cost R9: 0 EUR/t; Extended producer responsibility",
        "[reference] cost R4 for 12 01 01: -145 EUR/t; ferrous metals: Trade price, 2019",
        "[reference] cost R5 for 10 09 08: 20 EUR/t; foundry sand (proxy: inert mineral waste): Proxy",
        "[reference] CO2e 12 01 01: 1273 kg CO2e/t; ferrous metals: ADEME Base Carbone",
        "[reference] CO2e 13 02 05*: 725 kg CO2e/t; mineral oil (DESNZ 2025, UK): DESNZ",
        "[reference] CO2e 10 09 08: 4.82974 kg CO2e/t; foundry sand (proxy: aggregates, DESNZ 2025, UK): Proxy",
    ] {
        assert!(page.contains(line), "{line}\n{page}");
    }
    db.close().await;
}
