//! What a register line is made of: one weighing spelled out (read by `queries`, written out
//! by `lines`).

use crate::calendar::{Date, Timestamp};

/// One weighing, with everything its register line is made of.
#[derive(Debug, Clone)]
pub struct Shipment {
    pub sensor_id: i32,
    /// When it was weighed (its reading's time).
    pub ts: Timestamp,
    /// The weighing's local day in the zone's time zone.
    pub local_day: Date,
    /// Net mass in grams, above zero (the query keeps no other weighing).
    pub grams: i64,
    /// The container's `max_load_kg`: a weighing above it is implausible (docs/kpis.md,
    /// "Plausibility"), and its line is incomplete until someone checks the scale.
    pub max_load_kg: Option<f64>,
    pub container_id: String,
    pub company_id: String,
    pub company_name: Option<String>,
    pub site_id: Option<String>,
    pub site_siret: Option<String>,
    pub site_address: Option<String>,
    pub stream_id: String,
    pub description: Option<String>,
    pub ewc: String,
    pub hazardous: bool,
    pub pop: bool,
    pub treatment: String,
    pub treatment_mode: Option<String>,
    pub destination_id: String,
    /// The destination's declared final operation with the largest share (`final_operations`),
    /// the planned next operation of interim waste it receives.
    pub next_treatment: Option<String>,
    /// Set when the destination is an outside operator.
    pub operator: Option<(String, Option<String>, Option<String>)>,
    /// Set when the destination is a company of the zone: its name and active sites
    /// (SIRET, address).
    pub dest_company: Option<(String, Vec<(String, String)>)>,
    pub transporter_id: Option<String>,
    pub transporter: Option<Transporter>,
    /// Whether the destination has a weighbridge in the registry (`[[weighbridges]]`).
    pub destination_weighs: bool,
    /// The destination's own weighing of this load, from its weighbridge's tickets.
    pub reception: Option<Reception>,
}

/// A load weighed on arrival by the destination's weighbridge (`reception_weighings`): the
/// first ticket for the container within 7 days after the producer's weighing and before its
/// next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reception {
    pub at: Timestamp,
    /// Its local day and `HH:MM` in the zone's time zone.
    pub local_day: Date,
    pub hour: String,
    pub grams: i64,
    pub weighbridge_id: String,
    pub slip_number: Option<String>,
}

impl Shipment {
    /// Treated on the site that produced it (its own company, which has that one site): the
    /// waste moves inside the site and no carrier takes it on the road.
    pub fn on_site(&self) -> bool {
        let one_site = self.dest_company.as_ref().is_some_and(|(_, sites)| sites.len() == 1);
        self.destination_id == self.company_id && one_site
    }
}

#[derive(Debug, Clone)]
pub struct Transporter {
    pub name: String,
    pub siret: String,
    pub address: String,
    pub receipt_number: Option<String>,
    pub receipt_valid_until: Option<Date>,
    pub receipt_exempt: bool,
}
