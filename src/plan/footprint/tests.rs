//! Tests of `footprint.rs`: a trip's route and kilometres on places whose distances are written
//! out, a missing coordinate or factor, and totals that are the sums over the trips.

use super::*;
use crate::calendar::Timestamp;
use crate::plan::{MassBasis, Pickup};

/// 0.1° of latitude along the meridian 3°E: R x π / 180 x 0.1 = 6,371.0088 x 0.00174533 =
/// 11.119508 km (along a meridian the great circle is the meridian itself).
const TENTH_OF_A_DEGREE_KM: f64 = 11.119_508;

fn at(lat: f64) -> Option<Point> {
    Some(Point { lat, lon: 3.0 })
}

fn pickup(container: &str, destination: &str, transporter: &str) -> Pickup {
    Pickup {
        container: container.into(),
        company: format!("co-{container}"),
        destination: destination.into(),
        transporter: transporter.into(),
        at: Timestamp::EPOCH,
        overflow: Timestamp::EPOCH,
        fill_pct: 80.0,
        volume_m3: 8.0,
        mass_kg: 1000.0,
        mass_basis: MassBasis::MaxLoad,
        read_fill_pct: 60.0,
        read_at: Timestamp::EPOCH,
        late: false,
    }
}

/// A trip of `transporter` with its pick-ups `(container, destination)`, in that order.
pub(crate) fn trip(transporter: &str, pickups: &[(&str, &str)]) -> Trip {
    Trip {
        transporter: transporter.into(),
        day: 0,
        at: Timestamp::EPOCH,
        pickups: pickups.iter().map(|(c, d)| pickup(c, d, transporter)).collect(),
    }
}

/// Depot of `t` at 50.0°N, sites of a1 and b1 at 50.1° and 50.2°, destinations op at 50.3° and
/// near at 50.2° (b1's site); all on 3°E. Carrier `u` has no depot, container `x1` no site.
fn places() -> Places {
    let map = |pairs: &[(&str, Option<Point>)]| pairs.iter().map(|(k, p)| (k.to_string(), *p)).collect();
    Places {
        containers: map(&[("a1", at(50.1)), ("b1", at(50.2)), ("x1", None)]),
        destinations: map(&[("op", at(50.3)), ("near", at(50.2))]),
        depots: map(&[("t", at(50.0)), ("u", None)]),
    }
}

fn rates() -> BTreeMap<String, PerKm> {
    BTreeMap::from([("t".to_string(), PerKm { kg_co2e: Some(1.229), eur: None })])
}

fn close(got: f64, want: f64) {
    assert!((got - want).abs() < 1e-3, "got {got}, want {want}");
}

#[test]
fn a_trip_goes_from_the_depot_through_its_sites_and_destinations_back_to_the_depot() {
    // depot 50.0 -> a1 50.1 -> b1 50.2 -> op 50.3 -> depot 50.0: 0.1 + 0.1 + 0.1 + 0.3 = 0.6°,
    // 6 x 11.119508 = 66.717 km in straight lines; by road x 1.2: 80.061 km.
    let t = trip("t", &[("a1", "op"), ("b1", "op")]);
    assert_eq!(route(&t, &places()).unwrap().len(), 5, "one stop per destination");
    close(trip_km(&t, &places(), 1.0).unwrap(), 6.0 * TENTH_OF_A_DEGREE_KM);
    close(trip_km(&t, &places(), 1.2).unwrap(), 6.0 * TENTH_OF_A_DEGREE_KM * 1.2);
    close(trip_km(&t, &places(), 1.2).unwrap(), 80.061);
    // Two destinations, in the order their first load was picked up: depot 50.0 -> b1 50.2 ->
    // a1 50.1 -> near 50.2 -> op 50.3 -> depot 50.0: 0.2 + 0.1 + 0.1 + 0.1 + 0.3 = 0.8°, x 1.2 =
    // 106.747 km (the round's order is kept, not shortened).
    let two = trip("t", &[("b1", "near"), ("a1", "op")]);
    close(trip_km(&two, &places(), 1.2).unwrap(), 8.0 * TENTH_OF_A_DEGREE_KM * 1.2);
    close(trip_km(&two, &places(), 1.2).unwrap(), 106.747);
    // The emissions: 80.061 km x 1.229 kg CO2e/km = 98.394 kg; no cost per km: not configured.
    let f = trip_footprint(&t, &places(), &rates(), 1.2);
    close(f.kg_co2e.value().unwrap(), 80.061 * 1.229);
    assert_eq!(f.eur, Amount::NotConfigured);
}

#[test]
fn a_missing_coordinate_makes_the_trips_kilometres_unknown_never_0() {
    let (places, rates) = (places(), rates());
    let no_site = trip("t", &[("a1", "op"), ("x1", "op")]);
    let no_depot = trip("u", &[("a1", "op")]);
    let no_destination = trip("t", &[("a1", "elsewhere")]);
    for t in [&no_site, &no_depot, &no_destination] {
        assert_eq!(trip_km(t, &places, 1.2), None, "{t:?}");
        assert_eq!(trip_footprint(t, &places, &rates, 1.2).km, Amount::Unknown);
    }
    // Carrier t declares kg CO2e per km, but the km are unknown: unknown. Carrier u declares
    // no factor: not configured, whatever its km.
    assert_eq!(trip_footprint(&no_site, &places, &rates, 1.2).kg_co2e, Amount::Unknown);
    assert_eq!(trip_footprint(&no_depot, &places, &rates, 1.2).kg_co2e, Amount::NotConfigured);
    let total = footprint(&[trip("t", &[("a1", "op")]), no_site], &places, &rates, 1.2);
    assert_eq!((total.trips, total.km, total.trips_without_km), (2, Amount::Unknown, 1));
    assert_eq!(total.t_co2e, Amount::Unknown);
    assert_eq!(serde_json::to_value(total).unwrap()["km"], "unknown");
}

#[test]
fn the_totals_are_the_sums_over_the_trips() {
    // Three trips of t: [a1 -> op] 0.1 + 0.2 + 0.3 = 0.6°; [b1 -> near] 0.2 + 0 + 0.2 = 0.4°;
    // [a1, b1 -> op] 0.6° (above). 1.6° = 16 x 11.119508 x 1.2 = 213.495 km; x 1.229 kg =
    // 262.385 kg = 0.262385 t.
    let (places, rates) = (places(), rates());
    let trips = [trip("t", &[("a1", "op")]), trip("t", &[("b1", "near")]), trip("t", &[("a1", "op"), ("b1", "op")])];
    let total = footprint(&trips, &places, &rates, 1.2);
    let each: Vec<TripFootprint> = trips.iter().map(|t| trip_footprint(t, &places, &rates, 1.2)).collect();
    let km: f64 = each.iter().map(|f| f.km.value().unwrap()).sum();
    let kg: f64 = each.iter().map(|f| f.kg_co2e.value().unwrap()).sum();
    close(total.km.value().unwrap(), km);
    close(total.t_co2e.value().unwrap(), kg / 1000.0);
    close(km, 16.0 * TENTH_OF_A_DEGREE_KM * 1.2);
    close(km, 213.495);
    close(total.t_co2e.value().unwrap(), 0.262_385);
    assert_eq!((total.trips, total.trips_without_km, total.eur), (3, 0, Amount::NotConfigured));
    let json = serde_json::to_value(total).unwrap();
    assert_eq!((json["trips"].as_u64(), json["eur"].as_str()), (Some(3), Some("not configured")));
    // No trips: 0 km, 0 t and 0 EUR are known, not missing.
    let none = footprint(&[], &places, &rates, 1.2);
    assert_eq!((none.km, none.t_co2e, none.eur), (Amount::Known(0.0), Amount::Known(0.0), Amount::Known(0.0)));
}
