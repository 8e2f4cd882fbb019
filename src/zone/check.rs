//! Checks a parsed registry as a whole; every problem is named `file: entry: field: why`.

use super::codes::{check_ewc_code, check_siren, check_siret, split_address, stream_code};
use super::file::{FinalOperation, ZoneFile};
use super::problem::ZoneProblem;
use super::treatment::{check_treatment_code, treatment_class, treatment_mode, TreatmentClass};
use super::window::parse_window;
use std::collections::{HashMap, HashSet};

/// Returns every problem of the registry (empty when it is valid).
pub fn check(path: &str, f: &ZoneFile) -> Vec<ZoneProblem> {
    let mut errs = Vec::new();
    let mut err = |entry: String, field: &str, why: String| {
        errs.push(ZoneProblem { file: path.to_string(), entry: Some(entry), field: Some(field.to_string()), why })
    };

    let mut companies = HashMap::new();
    for c in &f.companies {
        let entry = format!("company {:?}", c.id);
        check_id(&c.id).unwrap_or_else(|why| err(entry.clone(), "id", why));
        check_siren(&c.siren).unwrap_or_else(|why| err(entry.clone(), "siren", why));
        check_final_operations(&c.final_operations, &mut |field, why| err(entry.clone(), &field, why));
        if companies.insert(c.id.as_str(), c).is_some() {
            err(entry, "id", "defined twice".into());
        }
    }
    let mut sites = HashMap::new();
    for s in &f.sites {
        let entry = format!("site {:?}", s.id);
        check_id(&s.id).unwrap_or_else(|why| err(entry.clone(), "id", why));
        match companies.get(s.company.as_str()) {
            None => err(entry.clone(), "company", format!("no company {:?} in the registry", s.company)),
            Some(c) => match check_siret(&s.siret) {
                Err(why) => err(entry.clone(), "siret", why),
                Ok(()) if !s.siret.starts_with(&c.siren) => err(
                    entry.clone(),
                    "siret",
                    format!("{:?} does not start with the company's SIREN {}", s.siret, c.siren),
                ),
                Ok(()) => {}
            },
        }
        check_site_position(s, &mut |field, why| err(entry.clone(), field, why));
        if let Some(w) = &s.collection_window {
            parse_window(w)
                .map(drop)
                .unwrap_or_else(|(field, why)| err(entry.clone(), &format!("collection_window.{field}"), why));
        }
        if sites.insert(s.id.as_str(), s).is_some() {
            err(entry, "id", "defined twice".into());
        }
    }
    let mut operators = HashSet::new();
    for o in &f.operators {
        let entry = format!("operator {:?}", o.id);
        check_id(&o.id).unwrap_or_else(|why| err(entry.clone(), "id", why));
        if let Some(siret) = &o.siret {
            check_siret(siret).unwrap_or_else(|why| err(entry.clone(), "siret", why));
        }
        if let Some(address) = &o.address {
            split_address(address).map(drop).unwrap_or_else(|why| err(entry.clone(), "address", why));
        }
        check_final_operations(&o.final_operations, &mut |field, why| err(entry.clone(), &field, why));
        if companies.contains_key(o.id.as_str()) {
            err(entry.clone(), "id", "also a company id; destinations must be unambiguous".into());
        }
        if !operators.insert(o.id.as_str()) {
            err(entry, "id", "defined twice".into());
        }
    }
    let mut transporters = HashSet::new();
    for t in &f.transporters {
        let entry = format!("transporter {:?}", t.id);
        check_id(&t.id).unwrap_or_else(|why| err(entry.clone(), "id", why));
        if t.name.trim().is_empty() {
            err(entry.clone(), "name", "must not be empty (the register shows the carrier's trading name)".into());
        }
        check_siret(&t.siret).unwrap_or_else(|why| err(entry.clone(), "siret", why));
        split_address(&t.address).map(drop).unwrap_or_else(|why| err(entry.clone(), "address", why));
        match (&t.receipt_number, t.receipt_exempt) {
            (Some(_), true) => {
                err(entry.clone(), "receipt_number", "given for a carrier declared `receipt_exempt`; keep one".into())
            }
            (Some(n), false) if !(5..=50).contains(&n.trim().chars().count()) => err(
                entry.clone(),
                "receipt_number",
                format!("{n:?}: a receipt number has 5 to 50 characters (the national register refuses others)"),
            ),
            _ => {}
        }
        if let Some(d) = &t.receipt_department {
            let ok = matches!(d.len(), 2 | 3) && (d.bytes().all(|b| b.is_ascii_digit()) || d == "2A" || d == "2B");
            if !ok {
                err(
                    entry.clone(),
                    "receipt_department",
                    format!("{d:?} is not a French department number (e.g. \"62\", \"2A\", \"971\")"),
                );
            }
        }
        if let Some(v) = &t.receipt_valid_until {
            check_date(v).unwrap_or_else(|why| err(entry.clone(), "receipt_valid_until", why));
        }
        for (field, value, unit) in
            [("vehicle_volume_m3", t.vehicle_volume_m3, "cubic metres"), ("vehicle_mass_kg", t.vehicle_mass_kg, "kg")]
        {
            if let Some(v) = value.filter(|v| !(*v > 0.0 && v.is_finite())) {
                err(
                    entry.clone(),
                    field,
                    format!(
                        "{v}: what one vehicle carries must be a positive number of {unit}; \
                         leave the field out if the carrier sets no limit"
                    ),
                );
            }
        }
        if !transporters.insert(t.id.as_str()) {
            err(entry, "id", "defined twice".into());
        }
    }
    let mut streams = HashSet::new();
    for s in &f.streams {
        let entry = format!("stream {:?}", s.id);
        check_id(&s.id).unwrap_or_else(|why| err(entry.clone(), "id", why));
        if let Err(why) = stream_code(&s.ewc, s.hazardous, s.hazard_assessment.as_deref()) {
            let field = if s.hazardous.is_some() && check_ewc_code(&s.ewc).is_ok() { "hazardous" } else { "ewc" };
            err(entry.clone(), field, why);
        }
        if !streams.insert(s.id.as_str()) {
            err(entry, "id", "defined twice".into());
        }
    }
    let mut containers = HashMap::new();
    for c in &f.containers {
        let entry = format!("container {:?}", c.id);
        check_id(&c.id).unwrap_or_else(|why| err(entry.clone(), "id", why));
        if !companies.contains_key(c.company.as_str()) {
            err(entry.clone(), "company", format!("no company {:?} in the registry", c.company));
        }
        match sites.get(c.site.as_str()) {
            None => err(entry.clone(), "site", format!("no site {:?} in the registry", c.site)),
            Some(s) if s.company != c.company => {
                err(entry.clone(), "site", format!("site {:?} belongs to {:?}, not {:?}", s.id, s.company, c.company))
            }
            Some(_) => {}
        }
        if !streams.contains(c.stream.as_str()) {
            err(entry.clone(), "stream", format!("no stream {:?} in the registry", c.stream));
        }
        match check_treatment_code(&c.treatment) {
            Err(why) => err(entry.clone(), "treatment", why),
            Ok(()) => {
                if let Err(why) = treatment_mode(&c.treatment, c.treatment_mode) {
                    err(entry.clone(), "treatment_mode", why);
                }
            }
        }
        if !companies.contains_key(c.destination.as_str()) && !operators.contains(c.destination.as_str()) {
            err(
                entry.clone(),
                "destination",
                format!("{:?} is neither a company nor an operator of the registry", c.destination),
            );
        }
        if let Some(t) = &c.transporter {
            if !transporters.contains(t.as_str()) {
                err(entry.clone(), "transporter", format!("no transporter {t:?} in the registry"));
            }
        }
        if !(c.volume_m3 > 0.0 && c.volume_m3.is_finite()) {
            err(entry.clone(), "volume_m3", "must be a positive number of cubic metres".into());
        }
        if !(c.max_load_kg > 0.0 && c.max_load_kg.is_finite()) {
            err(entry.clone(), "max_load_kg", "must be a positive number of kilograms".into());
        }
        if !(1.0..=150.0).contains(&c.overflow_threshold_pct) {
            err(entry.clone(), "overflow_threshold_pct", "must be between 1 and 150 (percent of volume)".into());
        }
        if let Some(w) = &c.collection_window {
            parse_window(w)
                .map(drop)
                .unwrap_or_else(|(field, why)| err(entry.clone(), &format!("collection_window.{field}"), why));
        }
        if c.expected_interval.as_secs() < 1 {
            err(entry.clone(), "expected_interval", "must be at least 1s".into());
        }
        if containers.insert(c.id.as_str(), c).is_some() {
            err(entry, "id", "defined twice".into());
        }
    }
    let mut gateways = HashSet::new();
    for g in &f.gateways {
        let entry = format!("gateway {:?}", g.id);
        check_id(&g.id).unwrap_or_else(|why| err(entry.clone(), "id", why));
        if !companies.contains_key(g.company.as_str()) {
            err(entry.clone(), "company", format!("no company {:?} in the registry", g.company));
        }
        match sites.get(g.site.as_str()) {
            None => err(entry.clone(), "site", format!("no site {:?} in the registry", g.site)),
            Some(s) if s.company != g.company => {
                err(entry.clone(), "site", format!("site {:?} belongs to {:?}, not {:?}", s.id, s.company, g.company))
            }
            Some(_) => {}
        }
        let mut numbers = HashSet::new();
        for s in &g.sensors {
            let sensor = format!("{entry} sensor {}", s.number);
            match containers.get(s.container.as_str()) {
                None => err(sensor.clone(), "container", format!("no container {:?}", s.container)),
                Some(c) if c.company != g.company => err(
                    sensor.clone(),
                    "container",
                    format!(
                        "container {:?} belongs to {:?}, not to the gateway's company {:?}",
                        c.id, c.company, g.company
                    ),
                ),
                Some(_) => {}
            }
            if !numbers.insert(s.number) {
                err(sensor, "number", "used twice on this gateway".into());
            }
        }
        if !gateways.insert(g.id.as_str()) {
            err(entry, "id", "defined twice".into());
        }
    }
    super::check_synergy::check(f, &mut |entry, field, why| err(entry, &field, why));
    errs
}

/// How far a declaration's shares may be from summing to 1.
const SHARE_TOLERANCE: f64 = 0.001;

/// Checks a destination's `final_operations`: final codes (not interim, not prohibited), each
/// mode as for a container's treatment, shares above 0 summing to 1 (within 0.001), no
/// operation and mode twice. Reports `(field, why)`, the field naming the entry's index
/// (`final_operations[1].mode`).
fn check_final_operations(ops: &[FinalOperation], err: &mut dyn FnMut(String, String)) {
    let mut seen = HashSet::new();
    for (i, op) in ops.iter().enumerate() {
        let field = |name: &str| format!("final_operations[{i}].{name}");
        match check_treatment_code(&op.code) {
            Err(why) => err(field("code"), why),
            Ok(()) if treatment_class(&op.code) == Ok(TreatmentClass::Interim) => err(
                field("code"),
                format!(
                    "{} is an interim operation: declare the final operations the interim mass goes to{}",
                    op.code,
                    if op.code == "D9" { " (write D9F if this D9 is final)" } else { "" }
                ),
            ),
            Ok(()) => match treatment_mode(&op.code, op.mode) {
                Err(why) => err(field("mode"), why.replace("treatment_mode", "mode")),
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

/// A calendar date written `YYYY-MM-DD`.
fn check_date(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let ok = b.len() == 10 && b[4] == b'-' && b[7] == b'-' && digits(0..4) && digits(5..7) && digits(8..10);
    let (year, month, day): (u32, u32, u32) = if ok {
        (s[..4].parse().unwrap_or(0), s[5..7].parse().unwrap_or(0), s[8..10].parse().unwrap_or(0))
    } else {
        (0, 0, 0)
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if ok && (1..=12).contains(&month) && (1..=days).contains(&day) {
        Ok(())
    } else {
        Err(format!("{s:?} is not a date; write YYYY-MM-DD"))
    }
}

/// Ids appear in MQTT topics and tables: lower-case ASCII letters, digits and `-`, 1 to 64 long.
pub fn check_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!("{id:?}: use 1 to 64 lower-case letters, digits or '-' (ids appear in MQTT topics)"))
    }
}

/// A site's centre and geofence: WGS 84 degrees, both coordinates or neither, a radius a GPS
/// can tell apart (its error is metres to tens of metres) and no larger than a zone.
fn check_site_position(s: &super::file::SiteEntry, err: &mut dyn FnMut(&str, String)) {
    match (s.latitude, s.longitude) {
        (Some(_), None) => err("longitude", "missing: give both latitude and longitude, or neither".into()),
        (None, Some(_)) => err("latitude", "missing: give both latitude and longitude, or neither".into()),
        _ => {}
    }
    if let Some(lat) = s.latitude.filter(|l| !(-90.0..=90.0).contains(l)) {
        err(
            "latitude",
            format!("{lat} is not a latitude: WGS 84 decimal degrees from -90 to 90 (Liévin is about 50.42)"),
        );
    }
    if let Some(lon) = s.longitude.filter(|l| !(-180.0..=180.0).contains(l)) {
        err(
            "longitude",
            format!("{lon} is not a longitude: WGS 84 decimal degrees from -180 to 180 (Liévin is about 2.78)"),
        );
    }
    if !(20.0..=20_000.0).contains(&s.geofence_radius_m) {
        err(
            "geofence_radius_m",
            format!("{} m: must be from 20 m (a GPS's error) to 20,000 m (e.g. 200)", s.geofence_radius_m),
        );
    }
}
