//! The checks of single fields of the registry that several entries share: a destination's
//! final operations, a date, an id, a position, a site's geofence.

use super::field_error::FieldError;
use super::file::{FinalOperation, SiteEntry};
use super::treatment::{check_treatment_code, treatment_class, treatment_mode, TreatmentClass};
use std::collections::HashSet;

/// How far a declaration's shares may be from summing to 1.
const SHARE_TOLERANCE: f64 = 0.001;

/// Checks a destination's `final_operations`: final codes (not interim, not prohibited), each
/// mode as for a container's treatment, shares above 0 summing to 1 (within 0.001), no
/// operation and mode twice. Reports `(field, why)`, the field naming the entry's index
/// (`final_operations[1].mode`).
pub(super) fn check_final_operations(ops: &[FinalOperation], err: &mut dyn FnMut(String, String)) {
    let mut seen = HashSet::new();
    for (i, op) in ops.iter().enumerate() {
        let field = |name: &str| format!("final_operations[{i}].{name}");
        match check_treatment_code(&op.code) {
            Err(why) => err(field("code"), why.to_string()),
            Ok(()) if treatment_class(&op.code) == Ok(TreatmentClass::Interim) => err(
                field("code"),
                format!(
                    "{} is an interim operation: declare the final operations the interim mass goes to{}",
                    op.code,
                    if op.code == "D9" { " (write D9F if this D9 is final)" } else { "" }
                ),
            ),
            Ok(()) => match treatment_mode(&op.code, op.mode) {
                Err(why) => err(field("mode"), why.to_string().replace("treatment_mode", "mode")),
                Ok(mode) => {
                    if !seen.insert((op.code.as_str(), mode.map(|m| m.name()))) {
                        err(field("code"), format!("{} is declared twice with the same mode; add the shares", op.code));
                    }
                }
            },
        }
        if !(op.share > 0.0 && op.share <= 1.0) {
            err(field("share"), format!("{}: a share is a fraction above 0 and at most 1", op.share));
        }
    }
    let sum: f64 = ops.iter().map(|op| op.share).sum();
    if !ops.is_empty() && sum.is_finite() && (sum - 1.0).abs() > SHARE_TOLERANCE {
        err(
            "final_operations".into(),
            format!(
                "the shares sum to {}, not 1: they split all of the interim mass the destination receives",
                (sum * 1e6).round() / 1e6
            ),
        );
    }
}

/// A calendar date ([`crate::calendar::parse_date`]: the one parser and its range rule).
pub(super) fn check_date(s: &str) -> Result<(), FieldError> {
    crate::calendar::parse_date(s).map(|_| ()).map_err(FieldError::from)
}

/// Ids appear in MQTT topics and tables: lower-case ASCII letters, digits and `-`, 1 to 64 long.
pub fn check_id(id: &str) -> Result<(), FieldError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(FieldError::NotAnId(id.to_string()))
    }
}

/// A site's centre and geofence: its position ([`check_position`]), and a radius a GPS can
/// tell apart (its error is metres to tens of metres) and no larger than a zone.
pub(super) fn check_site_position(s: &SiteEntry, err: &mut dyn FnMut(&str, String)) {
    check_position(("latitude", s.latitude), ("longitude", s.longitude), err);
    if !(20.0..=20_000.0).contains(&s.geofence_radius_m) {
        err(
            "geofence_radius_m",
            format!("{} m: must be from 20 m (a GPS's error) to 20,000 m (e.g. 200)", s.geofence_radius_m),
        );
    }
}

/// A position given by two keys (a site's or an operator's `latitude` and `longitude`, a
/// carrier's `depot_latitude` and `depot_longitude`): WGS 84 decimal degrees, both or neither.
pub(super) fn check_position(
    (lat_key, lat): (&str, Option<f64>),
    (lon_key, lon): (&str, Option<f64>),
    err: &mut dyn FnMut(&str, String),
) {
    let both = format!("missing: give both {lat_key} and {lon_key}, or neither");
    match (lat, lon) {
        (Some(_), None) => err(lon_key, both),
        (None, Some(_)) => err(lat_key, both),
        _ => {}
    }
    if let Some(lat) = lat.filter(|l| !(-90.0..=90.0).contains(l)) {
        err(lat_key, format!("{lat} is not a latitude: WGS 84 decimal degrees from -90 to 90 (Liévin is about 50.42)"));
    }
    if let Some(lon) = lon.filter(|l| !(-180.0..=180.0).contains(l)) {
        err(
            lon_key,
            format!("{lon} is not a longitude: WGS 84 decimal degrees from -180 to 180 (Liévin is about 2.78)"),
        );
    }
}
