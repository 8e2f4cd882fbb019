//! The example zone's places and factors (config/zone.toml) as the evaluation reads them, and
//! its totals as the sums of its trips.

use super::*;
use crate::plan::{test_trip, trip_footprint, Amount, ReplayOutcome};

fn example() -> Zone {
    Zone::load(concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml")).expect("example zone")
}

fn outcome(trips: Vec<crate::plan::Trip>) -> ReplayOutcome {
    ReplayOutcome { trips: trips.len(), own_trips_driven: trips.clone(), trips_driven: trips, ..Default::default() }
}

fn close(got: f64, want: f64) {
    assert!((got - want).abs() < 1e-3, "got {got}, want {want}");
}

#[test]
fn the_example_zones_trips_add_up_to_the_policys_figures() {
    // Bennes Liénard (depot: Liévin, 50.4228 2.7786) collects la-pallets-1 at la-lievin
    // (50.4330 2.7730) for tri-gohelle (Liévin, 50.4228 2.7786): 1.20156 km there, as much
    // back (haversine), 2.40312 km, x 1.2 = 2.88374 km, x 1.22912 kg = 3.54447 kg CO2e.
    // Transports d'Artois (depot: Lens, 50.4322 2.8333) collects ml-scrap-1 at ml-lievin
    // (50.4281 2.7702), la-mineral-1 at la-lievin, unloads at ferrailles-lens (Lens) then at
    // beton-artois, a company of the zone, at its site ba-lievin (50.4312 2.7645), back to
    // Lens: 4.4928 + 0.5798 + 4.2720 + 4.8744 + 4.8744 = 19.0934 km, x 1.2 = 22.9121 km.
    let zone = example();
    let pallets = test_trip("bennes-lienard", &[("la-pallets-1", "tri-gohelle")]);
    let skips = test_trip("transports-artois", &[("ml-scrap-1", "ferrailles-lens"), ("la-mineral-1", "beton-artois")]);
    let (places, rates) = (places(&zone), rates(&zone));
    let each = [&pallets, &skips].map(|t| trip_footprint(t, &places, &rates, 1.2));
    close(each[0].km.value().unwrap(), 2.88374);
    close(each[0].kg_co2e.value().unwrap(), 3.54447);
    close(each[1].km.value().unwrap(), 22.9121);
    assert_eq!(each[1].eur, Amount::NotConfigured, "no cost per km is configured in the example");
    let plan = outcome(vec![pallets, skips]);
    let none = outcome(vec![]);
    let f = Footprints::of(&zone, 1.2, [&none, &none, &plan]);
    let by = &f.plan.by_carrier;
    close(by["bennes-lienard"].km.value().unwrap(), 2.88374);
    close(by["transports-artois"].km.value().unwrap(), 22.9121);
    let (plan_total, own_total) = (f.plan.total, f.plan_own_trucks.total);
    // 2.88374 + 22.9121 = 25.7958 km; (3.54447 + 22.9121 x 1.22912) / 1000 = 0.031706 t.
    close(plan_total.km.value().unwrap(), each[0].km.value().unwrap() + each[1].km.value().unwrap());
    close(plan_total.km.value().unwrap(), 25.7958);
    let kg: f64 = each.iter().map(|e| e.kg_co2e.value().unwrap()).sum();
    close(plan_total.t_co2e.value().unwrap(), kg / 1000.0);
    close(plan_total.t_co2e.value().unwrap(), 0.031706);
    assert_eq!((plan_total.trips, own_total.trips, f.simulator.total.km), (2, 2, Amount::Known(0.0)));
    let row = "plan                                              2       25.8    0.032  not configured";
    assert!(f.text(1.2).contains(row), "{}", f.text(1.2));
}

#[test]
fn an_operator_without_coordinates_leaves_its_trips_kilometres_unknown() {
    let mut zone = example();
    let op = zone.file.operators.iter_mut().find(|o| o.id == "tri-gohelle").unwrap();
    (op.latitude, op.longitude) = (None, None);
    let plan = outcome(vec![
        test_trip("bennes-lienard", &[("la-pallets-1", "tri-gohelle")]),
        test_trip("bennes-lienard", &[("la-cardboard-1", "cartonnages-lens")]),
    ]);
    let f = Footprints::of(&zone, 1.2, [&plan, &plan, &plan]).plan.total;
    assert_eq!((f.trips, f.km, f.trips_without_km, f.t_co2e), (2, Amount::Unknown, 1, Amount::Unknown));
    let text = Footprints::of(&zone, 1.2, [&plan, &plan, &plan]).text(1.2);
    assert!(
        text.contains("unknown kilometres (a site, destination or depot without coordinates): simulator"),
        "{text}"
    );
}
