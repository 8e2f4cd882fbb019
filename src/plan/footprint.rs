//! What trips drive, emit and cost: a trip's kilometres (depot, each pick-up's site in the
//! round's order, each destination, depot; docs/planning.md "Kilometres, tCO2e and euros"), and
//! its carrier's kg CO2e and euros per kilometre. A figure that rests on a missing coordinate is
//! unknown, one whose factor the carrier does not declare is not configured: never 0.

use super::distance::{road_km, Point};
use super::trips::Trip;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

/// Where things are; `None` where the registry gives no coordinates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Places {
    /// Each container's site, by container id.
    pub containers: BTreeMap<String, Option<Point>>,
    /// Each destination, by id: an operator's plant, or a company of the zone at its site.
    pub destinations: BTreeMap<String, Option<Point>>,
    /// Each carrier's depot, by transporter id.
    pub depots: BTreeMap<String, Option<Point>>,
}

/// What one kilometre of a carrier's vehicle emits (kg CO2e) and costs (EUR), as declared.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PerKm {
    pub kg_co2e: Option<f64>,
    pub eur: Option<f64>,
}

/// A figure that may be missing, and why: a coordinate is missing (`Unknown`), or the factor
/// per km is not declared (`NotConfigured`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Amount {
    Known(f64),
    Unknown,
    NotConfigured,
}

impl Amount {
    /// The sum of figures: not configured if any is, else unknown if any is, else the sum.
    pub fn sum(figures: impl IntoIterator<Item = Amount>) -> Amount {
        figures.into_iter().fold(Amount::Known(0.0), |acc, a| match (acc, a) {
            (Amount::NotConfigured, _) | (_, Amount::NotConfigured) => Amount::NotConfigured,
            (Amount::Unknown, _) | (_, Amount::Unknown) => Amount::Unknown,
            (Amount::Known(x), Amount::Known(y)) => Amount::Known(x + y),
        })
    }

    pub fn value(self) -> Option<f64> {
        match self {
            Amount::Known(v) => Some(v),
            Amount::Unknown | Amount::NotConfigured => None,
        }
    }

    /// With `decimals` decimals, or the word that says why it is missing.
    pub fn text(self, decimals: usize) -> String {
        match self {
            Amount::Known(v) => format!("{v:.decimals$}"),
            Amount::Unknown => "unknown".into(),
            Amount::NotConfigured => "not configured".into(),
        }
    }

    fn map(self, f: impl FnOnce(f64) -> f64) -> Amount {
        match self {
            Amount::Known(v) => Amount::Known(f(v)),
            other => other,
        }
    }
}

/// A number, or "unknown" / "not configured".
impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Amount::Known(v) => s.serialize_f64(*v),
            Amount::Unknown => s.serialize_str("unknown"),
            Amount::NotConfigured => s.serialize_str("not configured"),
        }
    }
}

/// The stops of a trip: its carrier's depot, each pick-up's site in the round's order, each
/// destination in the order its first load was picked up, the depot again. None: a place has
/// no coordinates.
pub fn route(trip: &Trip, places: &Places) -> Option<Vec<Point>> {
    let depot = (*places.depots.get(&trip.transporter)?)?;
    let mut stops = vec![depot];
    for p in &trip.pickups {
        stops.push((*places.containers.get(&p.container)?)?);
    }
    let mut seen: Vec<&str> = Vec::new();
    for p in &trip.pickups {
        if !seen.contains(&p.destination.as_str()) {
            seen.push(&p.destination);
            stops.push((*places.destinations.get(&p.destination)?)?);
        }
    }
    stops.push(depot);
    Some(stops)
}

/// A trip's estimated road kilometres along [`route`], each leg the great-circle distance times
/// `detour`; None when a place has no coordinates.
pub fn trip_km(trip: &Trip, places: &Places, detour: f64) -> Option<f64> {
    let stops = route(trip, places)?;
    Some(stops.windows(2).map(|leg| road_km(leg[0], leg[1], detour)).sum())
}

/// One trip's kilometres, kg CO2e and euros.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TripFootprint {
    pub km: Amount,
    pub kg_co2e: Amount,
    pub eur: Amount,
}

/// A trip's kilometres and, at its carrier's figures per km, its emissions and cost.
pub fn trip_footprint(trip: &Trip, places: &Places, rates: &BTreeMap<String, PerKm>, detour: f64) -> TripFootprint {
    let km = trip_km(trip, places, detour).map_or(Amount::Unknown, Amount::Known);
    let rate = rates.get(&trip.transporter).copied().unwrap_or_default();
    let per_km = |factor: Option<f64>| factor.map_or(Amount::NotConfigured, |f| km.map(|km| km * f));
    TripFootprint { km, kg_co2e: per_km(rate.kg_co2e), eur: per_km(rate.eur) }
}

/// Trips' totals: how many, their kilometres (and how many trips have none), tCO2e and euros.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Footprint {
    pub trips: usize,
    pub km: Amount,
    /// Trips whose kilometres are unknown (a place without coordinates).
    pub trips_without_km: usize,
    pub t_co2e: Amount,
    pub eur: Amount,
}

/// The totals of `trips`: each figure the sum of the trips' ([`trip_footprint`], [`Amount::sum`]).
pub fn footprint(trips: &[Trip], places: &Places, rates: &BTreeMap<String, PerKm>, detour: f64) -> Footprint {
    let each: Vec<TripFootprint> = trips.iter().map(|t| trip_footprint(t, places, rates, detour)).collect();
    Footprint {
        trips: trips.len(),
        km: Amount::sum(each.iter().map(|f| f.km)),
        trips_without_km: each.iter().filter(|f| f.km == Amount::Unknown).count(),
        t_co2e: Amount::sum(each.iter().map(|f| f.kg_co2e)).map(|kg| kg / 1000.0),
        eur: Amount::sum(each.iter().map(|f| f.eur)),
    }
}

/// [`footprint`] of each carrier's trips, by transporter id.
pub fn by_carrier(
    trips: &[Trip],
    places: &Places,
    rates: &BTreeMap<String, PerKm>,
    detour: f64,
) -> BTreeMap<String, Footprint> {
    let mut carriers: BTreeMap<&str, Vec<Trip>> = BTreeMap::new();
    for t in trips {
        carriers.entry(t.transporter.as_str()).or_default().push(t.clone());
    }
    carriers.into_iter().map(|(id, own)| (id.to_string(), footprint(&own, places, rates, detour))).collect()
}

#[cfg(test)]
pub(crate) mod tests;
