//! The evaluation's kilometres, tCO2e and euros (docs/planning.md "Kilometres, tCO2e and
//! euros"): where the registry puts each container's site, each destination and each carrier's
//! depot, the carriers' figures per km, and the table of the policies' trips.

use crate::plan::{by_carrier, footprint, Footprint, PerKm, Places, Point, ReplayOutcome, Trip};
use crate::zone::Zone;
use std::collections::BTreeMap;

/// Where things are, from the registry: a container at its site; a destination at its
/// operator's plant, or, a company of the zone, at its site (unknown if it has several); a
/// carrier at its depot.
pub fn places(zone: &Zone) -> Places {
    let f = &zone.file;
    let site_of =
        |id: &str| f.sites.iter().find(|s| s.id == id).and_then(|s| Point::from_pair(s.latitude, s.longitude));
    let company_site = |company: &str| {
        let mut sites = f.sites.iter().filter(|s| s.company == company);
        match (sites.next(), sites.next()) {
            (Some(only), None) => Point::from_pair(only.latitude, only.longitude),
            _ => None,
        }
    };
    let operators = f.operators.iter().map(|o| (o.id.clone(), Point::from_pair(o.latitude, o.longitude)));
    let companies = f.companies.iter().map(|c| (c.id.clone(), company_site(&c.id)));
    Places {
        containers: f.containers.iter().map(|c| (c.id.clone(), site_of(&c.site))).collect(),
        destinations: operators.chain(companies).collect(),
        depots: f
            .transporters
            .iter()
            .map(|t| (t.id.clone(), Point::from_pair(t.depot_latitude, t.depot_longitude)))
            .collect(),
    }
}

/// Each carrier's kg CO2e and euros per km, as its entry declares them.
pub fn rates(zone: &Zone) -> BTreeMap<String, PerKm> {
    let carriers = zone.file.transporters.iter();
    carriers.map(|t| (t.id.clone(), PerKm { kg_co2e: t.kg_co2e_per_km, eur: t.eur_per_km })).collect()
}

/// One policy's trips: their totals, and each carrier's.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PolicyFootprint {
    #[serde(flatten)]
    pub total: Footprint,
    pub by_carrier: BTreeMap<String, Footprint>,
}

/// The footprints of the evaluation: each policy's trips, and the plan's pick-ups with each
/// company calling its own truck.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Footprints {
    pub simulator: PolicyFootprint,
    pub threshold_call: PolicyFootprint,
    pub plan: PolicyFootprint,
    pub plan_own_trucks: PolicyFootprint,
}

impl Footprints {
    pub fn of(zone: &Zone, detour: f64, [simulator, reactive, plan]: [&ReplayOutcome; 3]) -> Footprints {
        let (places, rates) = (places(zone), rates(zone));
        let of = |trips: &[Trip]| PolicyFootprint {
            total: footprint(trips, &places, &rates, detour),
            by_carrier: by_carrier(trips, &places, &rates, detour),
        };
        Footprints {
            simulator: of(&simulator.trips_driven),
            threshold_call: of(&reactive.trips_driven),
            plan: of(&plan.trips_driven),
            plan_own_trucks: of(&plan.own_trips_driven),
        }
    }

    /// The table: trips, km, tCO2e and EUR per policy, then how the kilometres were estimated.
    pub fn text(&self, detour: f64) -> String {
        let rows = [
            ("simulator (own trucks)", &self.simulator.total),
            ("threshold call, in windows", &self.threshold_call.total),
            ("plan", &self.plan.total),
            ("plan's pick-ups, each company its own truck", &self.plan_own_trucks.total),
        ];
        let mut out = format!("{:<44} {:>6} {:>10} {:>8} {:>15}\n", "policy", "trips", "km", "tCO2e", "EUR");
        for (name, f) in rows {
            out += &format!(
                "{name:<44} {:>6} {:>10} {:>8} {:>15}\n",
                f.trips,
                f.km.text(1),
                f.t_co2e.text(3),
                f.eur.text(0)
            );
        }
        out += &format!(
            "kilometres: depot, each pick-up's site, each destination, depot; great-circle distance x {detour} (--detour)"
        );
        let without: Vec<String> = rows
            .iter()
            .filter(|(_, f)| f.trips_without_km > 0)
            .map(|(name, f)| format!("{name}: {} of {} trips", f.trips_without_km, f.trips))
            .collect();
        if !without.is_empty() {
            out += &format!(
                "\nunknown kilometres (a site, destination or depot without coordinates): {}",
                without.join("; ")
            );
        }
        out
    }
}

#[cfg(test)]
mod tests;
