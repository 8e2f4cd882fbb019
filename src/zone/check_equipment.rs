//! The checks of the registry's equipment and what it holds: material streams, containers,
//! gateways and their sensors (`check.rs` runs them after the parties they refer to).

use super::check_fields::check_id;
use super::codes::{check_ewc_code, stream_code};
use super::file::{ContainerEntry, GatewayEntry, ZoneFile};
use super::known::{did_you_mean, not_in_registry, Known, Problems};
use super::treatment::{check_treatment_code, treatment_mode};
use super::window::parse_window;
use std::collections::HashSet;

pub(super) fn check_streams<'a>(f: &'a ZoneFile, known: &mut Known<'a>, p: &mut Problems) {
    for s in &f.streams {
        let entry = format!("stream {:?}", s.id);
        check_id(&s.id).unwrap_or_else(|why| p.add(entry.clone(), "id", why.to_string()));
        if let Err(why) = stream_code(&s.ewc, s.hazardous, s.hazard_assessment.as_deref()) {
            let field = if s.hazardous.is_some() && check_ewc_code(&s.ewc).is_ok() { "hazardous" } else { "ewc" };
            p.add(entry.clone(), field, why.to_string());
        }
        if !known.streams.insert(s.id.as_str()) {
            p.add(entry, "id", "defined twice".into());
        }
    }
}

pub(super) fn check_containers<'a>(f: &'a ZoneFile, known: &mut Known<'a>, p: &mut Problems) {
    for c in &f.containers {
        let entry = format!("container {:?}", c.id);
        check_id(&c.id).unwrap_or_else(|why| p.add(entry.clone(), "id", why.to_string()));
        check_container_references(c, known, &mut |field, why| p.add(entry.clone(), field, why));
        check_container_figures(c, &mut |field, why| p.add(entry.clone(), field, why));
        if known.containers.insert(c.id.as_str(), c).is_some() {
            p.add(entry, "id", "defined twice".into());
        }
    }
}

/// A container's company, site, stream, treatment, destination and carrier.
fn check_container_references(c: &ContainerEntry, known: &Known, err: &mut dyn FnMut(&str, String)) {
    if !known.companies.contains_key(c.company.as_str()) {
        err("company", not_in_registry("company", &c.company, known.companies.keys().copied()));
    }
    match known.sites.get(c.site.as_str()) {
        None => err("site", not_in_registry("site", &c.site, known.sites.keys().copied())),
        Some(s) if s.company != c.company => {
            err("site", format!("site {:?} belongs to {:?}, not {:?}", s.id, s.company, c.company))
        }
        Some(_) => {}
    }
    if !known.streams.contains(c.stream.as_str()) {
        err("stream", not_in_registry("stream", &c.stream, known.streams.iter().copied()));
    }
    match check_treatment_code(&c.treatment) {
        Err(why) => err("treatment", why.to_string()),
        Ok(()) => {
            if let Err(why) = treatment_mode(&c.treatment, c.treatment_mode) {
                err("treatment_mode", why.to_string());
            }
        }
    }
    if !known.companies.contains_key(c.destination.as_str()) && !known.operators.contains(c.destination.as_str()) {
        let near = did_you_mean(&c.destination, known.companies.keys().chain(known.operators.iter()).copied());
        err("destination", format!("{:?} is neither a company nor an operator of the registry{near}", c.destination));
    }
    if let Some(t) = &c.transporter {
        if !known.transporters.contains(t.as_str()) {
            err("transporter", not_in_registry("transporter", t, known.transporters.iter().copied()));
        }
    }
}

/// A container's volume, load, threshold, collection window and expected interval.
fn check_container_figures(c: &ContainerEntry, err: &mut dyn FnMut(&str, String)) {
    if !(c.volume_m3 > 0.0 && c.volume_m3.is_finite()) {
        err("volume_m3", "must be a positive number of cubic metres".into());
    }
    if !(c.max_load_kg > 0.0 && c.max_load_kg.is_finite()) {
        err("max_load_kg", "must be a positive number of kilograms".into());
    }
    if !(1.0..=150.0).contains(&c.overflow_threshold_pct) {
        err("overflow_threshold_pct", "must be between 1 and 150 (percent of volume)".into());
    }
    if let Some(w) = &c.collection_window {
        parse_window(w)
            .map(drop)
            .unwrap_or_else(|(field, why)| err(&format!("collection_window.{field}"), why.to_string()));
    }
    if c.expected_interval.as_secs() < 1 {
        err("expected_interval", "must be at least 1s".into());
    }
}

pub(super) fn check_gateways(f: &ZoneFile, known: &Known, p: &mut Problems) {
    let mut gateways = HashSet::new();
    for g in &f.gateways {
        let entry = format!("gateway {:?}", g.id);
        check_id(&g.id).unwrap_or_else(|why| p.add(entry.clone(), "id", why.to_string()));
        if !known.companies.contains_key(g.company.as_str()) {
            p.add(entry.clone(), "company", not_in_registry("company", &g.company, known.companies.keys().copied()));
        }
        match known.sites.get(g.site.as_str()) {
            None => p.add(entry.clone(), "site", not_in_registry("site", &g.site, known.sites.keys().copied())),
            Some(s) if s.company != g.company => {
                p.add(entry.clone(), "site", format!("site {:?} belongs to {:?}, not {:?}", s.id, s.company, g.company))
            }
            Some(_) => {}
        }
        check_sensors(g, &entry, known, p);
        if !gateways.insert(g.id.as_str()) {
            p.add(entry, "id", "defined twice".into());
        }
    }
}

/// A gateway's sensors: each names a container of the gateway's company, each number once.
fn check_sensors(g: &GatewayEntry, entry: &str, known: &Known, p: &mut Problems) {
    let mut numbers = HashSet::new();
    for s in &g.sensors {
        let sensor = format!("{entry} sensor {}", s.number);
        match known.containers.get(s.container.as_str()) {
            None => p.add(
                sensor.clone(),
                "container",
                not_in_registry("container", &s.container, known.containers.keys().copied()),
            ),
            Some(c) if c.company != g.company => p.add(
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
            p.add(sensor, "number", "used twice on this gateway".into());
        }
    }
}
