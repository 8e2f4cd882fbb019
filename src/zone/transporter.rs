//! A waste carrier (`[[transporters]]`): what the waste register names, what its vehicle
//! carries (collection planning), where its depot is and what a kilometre of its vehicle emits
//! and costs (the plan's kilometres, docs/planning.md "Kilometres, tCO2e and euros"); and the
//! checks of those fields.

use super::check_fields::{check_date, check_id, check_position};
use super::codes::{check_siret, split_address};
use super::field_error::FieldError;
use super::known::{Known, Problems};
use serde::Deserialize;

/// A waste carrier (transporteur), named by the containers it collects.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransporterEntry {
    pub id: String,
    pub name: String,
    /// Establishment number of the carrier.
    pub siret: String,
    /// Postal address, written "street, postcode town".
    pub address: String,
    /// Number of the prefecture's receipt (récépissé de déclaration de transport de déchets,
    /// art. R. 541-50 of the code de l'environnement). Required by the waste register unless
    /// `receipt_exempt`.
    #[serde(default)]
    pub receipt_number: Option<String>,
    /// Department that issued the receipt (e.g. "62"), as tracking slips ask.
    #[serde(default)]
    pub receipt_department: Option<String>,
    /// Last day the receipt is valid, `YYYY-MM-DD`; a shipment after it is incomplete.
    #[serde(default)]
    pub receipt_valid_until: Option<String>,
    /// Exempt from the receipt (art. R. 541-50: e.g. a producer carrying its own waste in
    /// small quantities).
    #[serde(default)]
    pub receipt_exempt: bool,
    /// What one vehicle carries, in cubic metres of waste (containers' volume x fill). Absent:
    /// no volume limit in the collection plan.
    #[serde(default)]
    pub vehicle_volume_m3: Option<f64>,
    /// What one vehicle carries, in kg of waste. Absent: no mass limit in the collection plan.
    #[serde(default)]
    pub vehicle_mass_kg: Option<f64>,
    /// Where its trucks start and end a trip, WGS 84 decimal degrees: both or neither. Absent:
    /// the kilometres of its trips are unknown.
    #[serde(default)]
    pub depot_latitude: Option<f64>,
    #[serde(default)]
    pub depot_longitude: Option<f64>,
    /// What one kilometre of its vehicle emits, kg CO2e, with where the figure comes from
    /// (`kg_co2e_per_km_source`, required with it). Absent: the trips' tCO2e are "not
    /// configured".
    #[serde(default)]
    pub kg_co2e_per_km: Option<f64>,
    #[serde(default)]
    pub kg_co2e_per_km_source: Option<String>,
    /// What one kilometre of its vehicle costs with its driver, EUR, with its source
    /// (`eur_per_km_source`, required with it). Absent: the trips' euros are "not configured".
    #[serde(default)]
    pub eur_per_km: Option<f64>,
    #[serde(default)]
    pub eur_per_km_source: Option<String>,
}

/// Checks every carrier and keeps its id for the containers that name it.
pub(super) fn check_transporters<'a>(transporters: &'a [TransporterEntry], known: &mut Known<'a>, p: &mut Problems) {
    for t in transporters {
        let entry = format!("transporter {:?}", t.id);
        let mut err = |field: &str, why: String| p.add(entry.clone(), field, why);
        check_id(&t.id).unwrap_or_else(|why| err("id", why.to_string()));
        if t.name.trim().is_empty() {
            err("name", "must not be empty (the register shows the carrier's trading name)".into());
        }
        check_siret(&t.siret).unwrap_or_else(|why| err("siret", why.to_string()));
        split_address(&t.address).map(drop).unwrap_or_else(|why| err("address", why.to_string()));
        check_receipt(t, &mut err);
        for (field, value, unit) in
            [("vehicle_volume_m3", t.vehicle_volume_m3, "cubic metres"), ("vehicle_mass_kg", t.vehicle_mass_kg, "kg")]
        {
            if let Some(v) = value.filter(|v| !(*v > 0.0 && v.is_finite())) {
                err(
                    field,
                    format!(
                        "{v}: what one vehicle carries must be a positive number of {unit}; \
                         leave the field out if the carrier sets no limit"
                    ),
                );
            }
        }
        check_position(("depot_latitude", t.depot_latitude), ("depot_longitude", t.depot_longitude), &mut err);
        check_per_km(("kg_co2e_per_km", t.kg_co2e_per_km), t.kg_co2e_per_km_source.as_deref(), "kg CO2e", &mut err);
        check_per_km(("eur_per_km", t.eur_per_km), t.eur_per_km_source.as_deref(), "EUR", &mut err);
        if !known.transporters.insert(t.id.as_str()) {
            p.add(entry, "id", "defined twice".into());
        }
    }
}

/// A figure per kilometre and its source: a positive number, always with a source naming where
/// it comes from; a source alone names no figure.
fn check_per_km(
    (field, value): (&str, Option<f64>),
    source: Option<&str>,
    unit: &str,
    err: &mut dyn FnMut(&str, String),
) {
    let source_field = format!("{field}_source");
    match (value, source.map(str::trim)) {
        (Some(v), _) if !(v > 0.0 && v.is_finite()) => err(
            field,
            format!(
                "{v}: {unit} per km of the vehicle must be a positive number; leave the field out if it is not known"
            ),
        ),
        (Some(_), None | Some("")) => err(&source_field, FieldError::NoSource.to_string()),
        (None, Some(_)) => {
            err(&source_field, format!("a source without `{field}`: give the figure or remove the source"))
        }
        _ => {}
    }
}

/// A carrier's receipt: a number (or the exemption, not both), its department and validity.
fn check_receipt(t: &TransporterEntry, err: &mut dyn FnMut(&str, String)) {
    match (&t.receipt_number, t.receipt_exempt) {
        (Some(_), true) => err("receipt_number", "given for a carrier declared `receipt_exempt`; keep one".into()),
        (Some(n), false) if !(5..=50).contains(&n.trim().chars().count()) => err(
            "receipt_number",
            format!("{n:?}: a receipt number has 5 to 50 characters (the national register refuses others)"),
        ),
        _ => {}
    }
    if let Some(d) = &t.receipt_department {
        let ok = matches!(d.len(), 2 | 3) && (d.bytes().all(|b| b.is_ascii_digit()) || d == "2A" || d == "2B");
        if !ok {
            err(
                "receipt_department",
                format!("{d:?} is not a French department number (e.g. \"62\", \"2A\", \"971\")"),
            );
        }
    }
    if let Some(v) = &t.receipt_valid_until {
        check_date(v).unwrap_or_else(|why| err("receipt_valid_until", why.to_string()));
    }
}

#[cfg(test)]
mod tests;
