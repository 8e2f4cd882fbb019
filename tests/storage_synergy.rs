//! Storage suite: synergy opportunities (`synergy_opportunities`) and savings
//! (`savings_monthly`) on a hand-computed fixture, with the formulas of docs/kpis.md. Every
//! expected number is worked out by hand in the comments. The cost and emission factors below
//! are test values, not real prices or factors.

mod common;
use common::storage::{weighing, StorageTarget};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use wasteflow::wire::ValidReading;
use wasteflow::zone::Zone;

/// The example zone (whose companies accept mineral waste, wood and cardboard) plus: mineral
/// mix of Logistique A21 landfilled (D1), foundry sand Béton d'Artois stores in its quarry (D1:
/// disposal, but already at the accepter), and Béton d'Artois' own demolition concrete landfilled
/// (a code it accepts itself: never an opportunity); test factors for 2027.
const EXTRA: &str = r#"
[[streams]]
id = "demolition-concrete"
ewc = "17 01 01"
description = "Concrete from demolished yard slabs"

[[containers]]
id = "la-mineral-landfill"
company = "logistique-a21"
site = "la-lievin"
type = "roll-off"
volume_m3 = 30.0
max_load_kg = 30000.0
stream = "mineral-mix"
treatment = "D1"
destination = "isdnd-artois"
transporter = "transports-artois"

[[containers]]
id = "ba-demolition-landfill"
company = "beton-artois"
site = "ba-lievin"
type = "skip"
volume_m3 = 10.0
max_load_kg = 15000.0
stream = "demolition-concrete"
treatment = "D1"
destination = "isdnd-artois"
transporter = "transports-artois"

[[containers]]
id = "ml-sand-quarry"
company = "metallerie-lievin"
site = "ml-lievin"
type = "skip"
volume_m3 = 10.0
max_load_kg = 15000.0
stream = "foundry-sand"
treatment = "D1"
destination = "beton-artois"
transporter = "transports-artois"

[[gateways]]
id = "gw-ml-02"
company = "metallerie-lievin"
site = "ml-lievin"
sensors = [{ number = 1, container = "ml-sand-quarry" }]

[[gateways]]
id = "gw-la-02"
company = "logistique-a21"
site = "la-lievin"
sensors = [{ number = 1, container = "la-mineral-landfill" }]

[[gateways]]
id = "gw-ba-02"
company = "beton-artois"
site = "ba-lievin"
sensors = [{ number = 1, container = "ba-demolition-landfill" }]

[[factors.tgap]]
year = 2027
landfill_eur_per_tonne = 70.0
incineration_eur_per_tonne = 20.0
source = "test value"

[[factors.costs]]
treatment = "D1"
eur_per_tonne = 50.0
source = "test value"

[[factors.costs]]
treatment = "R5"
destination = "beton-artois"
eur_per_tonne = 10.0
source = "test value"

[[factors.costs]]
treatment = "R5"
eur_per_tonne = 15.0
source = "test value"

[[factors.costs]]
treatment = "R4"
eur_per_tonne = -30.0
source = "test value: scrap sold"

[[factors.costs]]
treatment = "R1"
eur_per_tonne = 20.0
source = "test value"

[[factors.emissions]]
stream = "mineral-mix"
kg_co2e_per_tonne = 5.0
source = "test value"

[[factors.emissions]]
stream = "foundry-sand"
kg_co2e_per_tonne = 20.0
source = "test value"

[[factors.emissions]]
stream = "steel-scrap"
kg_co2e_per_tonne = 1500.0
source = "test value"
"#;

const HOUR: u64 = 3_600_000;
const DAY: u64 = 86_400_000;
/// 2027-03-01T00:00:00Z; Paris is UTC+1 until 28 March: local March starts 1 hour earlier.
const MAR1: u64 = 1_803_859_200_000;
/// 2027-04-01T00:00:00Z; Paris is UTC+2: local April starts 2 hours earlier.
const APR1: u64 = MAR1 + 31 * DAY;
/// 2031-01-01T00:00:00Z (UTC+1): past the TGAP trajectory shipped in data/reference-factors.toml
/// (2025 to 2030), and the zone gives no rate for 2031.
const JAN1_2031: u64 = 1_924_992_000_000;

fn fixture(zone: &Zone) -> Vec<ValidReading> {
    let w =
        |company: &str, gateway: &str, sensor: u16, kg: f32, at: u64| weighing(zone, company, gateway, sensor, kg, at);
    let (ba, ml, la, ms) = ("beton-artois", "metallerie-lievin", "logistique-a21", "menuiserie-souchez");
    let t = MAR1 + 2 * DAY + 10 * HOUR;
    vec![
        // March 2027.
        w(ba, "gw-ba-01", 1, 10_000.0, t), // own concrete, R5 in house: 10 t recovered
        w(ba, "gw-ba-01", 2, 2_000.0, t),  // mixed waste D1: disposal, no one accepts 20 03 01
        w(ba, "gw-ba-02", 1, 4_000.0, t),  // own 17 01 01 D1: Béton accepts it, but it is the producer
        w(ml, "gw-ml-01", 1, 3_000.0, t),  // scrap R4 to an operator: 3 t recovered
        w(ml, "gw-ml-01", 3, 4_000.0, t),  // foundry sand R5 to Béton: a running exchange
        w(ml, "gw-ml-02", 1, 1_000.0, t),  // sand D1 at Béton: disposal, but already at its accepter
        w(la, "gw-la-01", 1, 1_500.0, t),  // cardboard R3 to the mill: a running exchange
        w(la, "gw-la-01", 2, 12_000.0, t), // mineral mix R5 to Béton: 12 + 12 + 1 = 25 t received
        w(la, "gw-la-01", 2, 12_000.0, t + HOUR),
        w(la, "gw-la-01", 2, 1_000.0, t + 2 * HOUR),
        w(la, "gw-la-01", 4, 3_000.0, t), // pallets R13 to the transfer station: 3 + 3 + 2 = 8 t
        w(la, "gw-la-01", 4, 3_000.0, t + HOUR),
        w(la, "gw-la-01", 4, 2_000.0, t + 2 * HOUR),
        w(la, "gw-la-02", 1, 25_000.0, t), // mineral mix D1 to landfill: 25 + 25 = 50 t
        w(la, "gw-la-02", 1, 25_000.0, t + HOUR),
        w(ms, "gw-ms-01", 1, 2_500.0, t), // offcuts R1 to the boiler: a running exchange
        // April 2027: mineral mix landfilled, 25 + 25 + 20 = 70 t, nothing sent to Béton. The
        // 20 t are weighed at 00:30 local on 1 April (31 March 22:30 UTC, Paris being UTC+2):
        // they belong to local April; UTC months would give March 70 t and April 50 t.
        w(la, "gw-la-02", 1, 25_000.0, APR1 + 9 * DAY),
        w(la, "gw-la-02", 1, 25_000.0, APR1 + 9 * DAY + HOUR),
        w(la, "gw-la-02", 1, 20_000.0, APR1 - 2 * HOUR + 30 * 60_000),
        // January 2031: no TGAP rate for 2031, neither the zone's nor a reference one.
        w(ba, "gw-ba-01", 1, 10_000.0, JAN1_2031 + 9 * DAY),
    ]
}

/// A row of `savings_monthly`: company (None: the zone); tonnes recovered and of which through
/// exchanges; baseline EUR/t, cost avoided and of which through exchanges; unpriced tonnes and
/// the cost status; tonnes recycled; CO2e avoided and of which through exchanges, tonnes; tonnes
/// recycled without a factor and the CO2e status.
#[derive(Debug)]
struct Savings {
    company: Option<String>,
    recovered: [f64; 2],
    eur: [Option<f64>; 3],
    unpriced: f64,
    cost_status: String,
    recycled: f64,
    co2e: [Option<f64>; 2],
    unfactored: f64,
    co2e_status: String,
}

impl Savings {
    fn matches(&self, w: &Savings) -> bool {
        let pairs = [
            (self.recovered[0], w.recovered[0]),
            (self.recovered[1], w.recovered[1]),
            (self.unpriced, w.unpriced),
            (self.recycled, w.recycled),
            (self.unfactored, w.unfactored),
        ];
        self.company == w.company
            && pairs.iter().all(|(a, b)| close(Some(*a), Some(*b)))
            && self.eur.iter().zip(&w.eur).all(|(a, b)| close(*a, *b))
            && self.co2e.iter().zip(&w.co2e).all(|(a, b)| close(*a, *b))
            && self.cost_status == w.cost_status
            && self.co2e_status == w.co2e_status
    }
}

#[allow(clippy::too_many_arguments)]
fn sav(
    company: Option<&str>,
    recovered: [f64; 2],
    eur: [Option<f64>; 3],
    unpriced: f64,
    cost_status: &str,
    recycled: f64,
    co2e: [Option<f64>; 2],
    unfactored: f64,
    co2e_status: &str,
) -> Savings {
    Savings {
        company: company.map(str::to_string),
        recovered,
        eur,
        unpriced,
        cost_status: cost_status.to_string(),
        recycled,
        co2e,
        unfactored,
        co2e_status: co2e_status.to_string(),
    }
}

fn at(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-6,
        (None, None) => true,
        _ => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opportunities_and_savings_equal_the_hand_computed_fixture() {
    let target = StorageTarget::new().await;
    let (_, db) = target.with_fixture(common::storage::example_zone_with(EXTRA), fixture).await;
    let c = &db.client;
    let (march, april, jan2031) = (at(MAR1 - HOUR), at(APR1 - 2 * HOUR), at(JAN1_2031 - HOUR));

    // Opportunities. March:
    // - Logistique A21's mineral mix (17 01 07), 50 t landfilled (D1, disposal): Béton d'Artois
    //   accepts 17 01 07 for R5 recycling, at most 60 t a month, and already receives 25 t of it
    //   from Logistique A21's other skip. Fits: min(50, 60 - 25) = 35 t. D1 -> R5 moves up.
    // - Not Logistique A21's pallets (15 01 03), 8 t to the transfer station (an operator, R13):
    //   the boiler accepts 15 01 03 for R1, but the station declares 25 % R3 and 10 % R4
    //   recycling for what it receives: burning the pallets would be a step down from today.
    // Not opportunities: the foundry sand, mineral mix, cardboard and offcuts already go to their
    // accepter, as does the sand Béton stores in its quarry (D1, disposal: Béton accepts 10 09 08
    // for R5, but the sand already goes there); Béton's own 17 01 01 (it is the producer); the mixed waste (no one accepts it).
    // April: 70 t landfilled, nothing received: fits min(70, 60) = 60 t.
    type Opp = (SystemTime, String, String, String, String, String, String, String, f64, f64, f64, f64);
    let rows = c
        .query(
            "SELECT month, company_id, stream_id, current_destination, change, accepter_id, coalesce(accepter_mode, ''),
                    hierarchy, available_t, max_tonnes_per_month, accepter_received_t, fits_t
             FROM synergy_opportunities ORDER BY month, company_id, stream_id, accepter_id",
            &[],
        )
        .await
        .unwrap();
    let got: Vec<Opp> = rows
        .iter()
        .map(|r| {
            (
                r.get(0),
                r.get(1),
                r.get(2),
                r.get(3),
                r.get(4),
                r.get(5),
                r.get(6),
                r.get(7),
                r.get(8),
                r.get(9),
                r.get(10),
                r.get(11),
            )
        })
        .collect();
    let s = |x: &str| x.to_string();
    let want: Vec<Opp> = vec![
        (
            march,
            s("logistique-a21"),
            s("mineral-mix"),
            s("isdnd-artois"),
            s("D1 -> R5"),
            s("beton-artois"),
            s("recycling"),
            s("up"),
            50.0,
            60.0,
            25.0,
            35.0,
        ),
        (
            april,
            s("logistique-a21"),
            s("mineral-mix"),
            s("isdnd-artois"),
            s("D1 -> R5"),
            s("beton-artois"),
            s("recycling"),
            s("up"),
            70.0,
            60.0,
            0.0,
            60.0,
        ),
    ];
    assert_eq!(got.len(), want.len(), "{got:#?}");
    for (g, w) in got.iter().zip(&want) {
        let same_text =
            (&g.0, &g.1, &g.2, &g.3, &g.4, &g.5, &g.6, &g.7) == (&w.0, &w.1, &w.2, &w.3, &w.4, &w.5, &w.6, &w.7);
        let same_numbers =
            [(g.8, w.8), (g.9, w.9), (g.10, w.10), (g.11, w.11)].iter().all(|(a, b)| close(Some(*a), Some(*b)));
        assert!(same_text && same_numbers, "got {g:?}, want {w:?}");
    }

    // What each opportunity is worth. Today: D1 at the landfill, 50 EUR/t (any destination) plus
    // the 2027 TGAP of the landfill's category (it declares none: D1 on non-hazardous waste is
    // non-hazardous-landfill, 70 EUR/t) = 120 EUR/t; at Béton R5, 10 EUR/t. March: 35 t fit,
    // 35 x (120 - 10) = 3850 EUR, 35 t x 5 kg = 0.175 t CO2e (D1 today, R5 recycling); April:
    // 60 x 110 = 6600 EUR, 60 x 5 kg = 0.3 t. All the zone's own factors.
    let worth = c
        .query(
            "SELECT current_basis, cost_avoided_eur, cost_origin, co2e_avoided_t, co2e_origin
             FROM synergy_opportunities ORDER BY month",
            &[],
        )
        .await
        .unwrap();
    /// Basis, euros and their origin, tCO2e and their origin.
    type Worth = (String, Option<f64>, Option<String>, Option<f64>, Option<String>);
    let worth: Vec<Worth> = worth.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4))).collect();
    for (w, (eur, co2e)) in worth.iter().zip([(3850.0, 0.175), (6600.0, 0.3)]) {
        assert!(w.0 == "weighed" && close(w.1, Some(eur)) && close(w.3, Some(co2e)), "{worth:?}");
        assert_eq!((w.2.as_deref(), w.4.as_deref()), (Some("zone"), Some("zone")), "{worth:?}");
    }

    // Savings, March 2027. Baseline: D1 for any destination, 50 EUR/t, plus the 2027 landfill
    // TGAP, 70 EUR/t: 120 EUR/t. Recovered flows (cost avoided = t x (120 - actual)):
    //   Béton own concrete R5 to itself, 10 t x (120 - 10) = 1100          10 t x 4.82974 kg = 0.0482974 t (reference)
    //   Métallerie sand R5 to Béton, 4 t x (120 - 10) = 440, exchange      4 t x 20 kg = 0.08 t CO2e
    //   Métallerie scrap R4, 3 t x (120 - -30) = 450                       3 t x 1500 kg = 4.5 t CO2e
    //   Logistique mineral R5 to Béton, 25 t x (120 - 10) = 2750, exchange 25 t x 5 kg = 0.125 t CO2e
    //   Logistique cardboard R3, 1.5 t, exchange: the zone gives no R3 cost, the reference one for
    //     cardboard (-30, sold) prices it: 1.5 t x (120 + 30) = 225;      1.5 t x 1,261.41472 kg = 1.89212208 t (reference)
    //   Menuiserie offcuts R1, 2.5 t x (120 - 20) = 250, exchange         energy recovery: no CO2e
    // Interim (pallets, R13) and disposal are not recovered.
    let want = [
        sav(
            Some("beton-artois"),
            [10.0, 0.0],
            [Some(120.0), Some(1100.0), Some(0.0)],
            0.0,
            "configured",
            10.0,
            [Some(0.0482974), Some(0.0)],
            0.0,
            "configured",
        ),
        // 2750 + 225 = 2975 EUR; 0.125 + 1.89212208 = 2.01712208 t CO2e, all through exchanges.
        sav(
            Some("logistique-a21"),
            [26.5, 26.5],
            [Some(120.0), Some(2975.0), Some(2975.0)],
            0.0,
            "configured",
            26.5,
            [Some(2.01712208), Some(2.01712208)],
            0.0,
            "configured",
        ),
        sav(
            Some("menuiserie-souchez"),
            [2.5, 2.5],
            [Some(120.0), Some(250.0), Some(250.0)],
            0.0,
            "configured",
            0.0,
            [Some(0.0), Some(0.0)],
            0.0,
            "nothing recycled",
        ),
        sav(
            Some("metallerie-lievin"),
            [7.0, 4.0],
            [Some(120.0), Some(890.0), Some(440.0)],
            0.0,
            "configured",
            7.0,
            [Some(4.58), Some(0.08)],
            0.0,
            "configured",
        ),
        // The zone: 10 + 26.5 + 2.5 + 7 = 46 t recovered, 26.5 + 2.5 + 4 = 33 t through exchanges;
        // 1100 + 2975 + 250 + 890 = 5215 EUR, 2975 + 250 + 440 = 3665 EUR through exchanges;
        // 10 + 26.5 + 7 = 43.5 t recycled, 0.0482974 + 2.01712208 + 4.58 = 6.64541948 t CO2e,
        // 2.01712208 + 0.08 = 2.09712208 t through exchanges.
        sav(
            None,
            [46.0, 33.0],
            [Some(120.0), Some(5215.0), Some(3665.0)],
            0.0,
            "configured",
            43.5,
            [Some(6.64541948), Some(2.09712208)],
            0.0,
            "configured",
        ),
    ];
    let savings = |month: SystemTime| async move {
        c.query(
            "SELECT company_id, recovered_t, symbiosis_recovered_t, baseline_eur_per_t, cost_avoided_eur,
                    symbiosis_cost_avoided_eur, unpriced_t, cost_status, recycled_t, co2e_avoided_t,
                    symbiosis_co2e_avoided_t, unfactored_t, co2e_status
             FROM savings_monthly WHERE month = $1 ORDER BY company_id NULLS LAST",
            &[&month],
        )
        .await
        .unwrap()
    };
    let rows = savings(march).await;
    assert_eq!(rows.len(), want.len(), "one row per company that recovered something, and the zone");
    for (r, w) in rows.iter().zip(&want) {
        let got = Savings {
            company: r.get(0),
            recovered: [r.get(1), r.get(2)],
            eur: [r.get(3), r.get(4), r.get(5)],
            unpriced: r.get(6),
            cost_status: r.get(7),
            recycled: r.get(8),
            co2e: [r.get(9), r.get(10)],
            unfactored: r.get(11),
            co2e_status: r.get(12),
        };
        assert!(got.matches(w), "got {got:?}, want {w:?}");
    }

    // By whose factors: the zone's own price 46 - 1.5 = 44.5 t, the reference cost of cardboard
    // the 1.5 t of cardboard; the zone's own factors 4 + 3 + 25 = 32 t (the shipped reference
    // factor for ferrous scrap is overridden by the zone's), the reference ones the concrete and
    // the cardboard, 10 + 1.5 = 11.5 t.
    let zone_march = c
        .query_one(
            "SELECT priced_zone_t, priced_reference_t, factored_zone_t, factored_reference_t
             FROM savings_monthly WHERE month = $1 AND company_id IS NULL",
            &[&march],
        )
        .await
        .unwrap();
    let by_origin: [f64; 4] = [zone_march.get(0), zone_march.get(1), zone_march.get(2), zone_march.get(3)];
    assert!(by_origin.iter().zip([44.5, 1.5, 32.0, 11.5]).all(|(a, b)| close(Some(*a), Some(b))), "{by_origin:?}");

    // April: nothing recovered, no savings row. January 2031: no TGAP for 2031, so no baseline:
    // Béton's 10 t are unpriced and the cost avoided is not configured (NULL, never 0).
    assert!(savings(april).await.is_empty());
    let rows = savings(jan2031).await;
    let zone_row = rows.iter().find(|r| r.get::<_, Option<String>>(0).is_none()).expect("a zone row");
    assert_eq!(zone_row.get::<_, Option<f64>>(3), None, "no baseline without the year's TGAP");
    assert_eq!(zone_row.get::<_, Option<f64>>(4), None);
    assert!(close(Some(zone_row.get::<_, f64>(6)), Some(10.0)));
    assert_eq!(zone_row.get::<_, String>(7), "not configured");

    // The read-only role reads both views.
    c.batch_execute("SET ROLE wasteflow_grafana").await.unwrap();
    c.query("SELECT * FROM synergy_opportunities", &[]).await.expect("granted");
    c.query("SELECT * FROM savings_monthly", &[]).await.expect("granted");
    c.batch_execute("RESET ROLE").await.unwrap();
    db.close().await;
}
