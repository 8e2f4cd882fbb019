//! Checks a parsed registry as a whole; every problem is named `file: entry: field: why`.
//!
//! Each kind of entry has its own function, run in the file's order of kinds so that an entry
//! refers only to kinds checked before it; the ids each defines are kept in [`Known`]. The
//! companies, sites and operators are checked here; the transporters in `transporter.rs`; the
//! streams, containers and gateways in `check_equipment.rs`; fields several entries share in `check_fields.rs`; what
//! they carry from one kind to the next (problems, ids) in `known.rs`.

use super::check_equipment::{check_containers, check_gateways, check_streams};
use super::check_fields::{check_final_operations, check_id, check_position, check_site_position};
use super::codes::{check_siren, check_siret, split_address};
use super::file::{CompanyEntry, OperatorEntry, SiteEntry, ZoneFile};
use super::known::{not_in_registry, Known, Problems};
use super::problem::ZoneProblem;
use super::transporter::check_transporters;
use super::window::parse_window;

/// Returns every problem of the registry (empty when it is valid).
pub fn check(path: &str, f: &ZoneFile) -> Vec<ZoneProblem> {
    let mut problems = Problems::new(path);
    let mut known = Known::default();
    check_companies(&f.companies, &mut known, &mut problems);
    check_sites(&f.sites, &mut known, &mut problems);
    check_operators(&f.operators, &mut known, &mut problems);
    check_transporters(&f.transporters, &mut known, &mut problems);
    check_streams(f, &mut known, &mut problems);
    check_containers(f, &mut known, &mut problems);
    check_gateways(f, &known, &mut problems);
    super::weighbridge::check_weighbridges(&f.weighbridges, &known, &mut problems);
    super::check_synergy::check(f, &mut |entry, field, why| problems.add(entry, &field, why));
    problems.found
}

fn check_companies<'a>(companies: &'a [CompanyEntry], known: &mut Known<'a>, p: &mut Problems) {
    for c in companies {
        let entry = format!("company {:?}", c.id);
        check_id(&c.id).unwrap_or_else(|why| p.add(entry.clone(), "id", why.to_string()));
        check_siren(&c.siren).unwrap_or_else(|why| p.add(entry.clone(), "siren", why.to_string()));
        check_final_operations(&c.final_operations, &mut |field, why| p.add(entry.clone(), &field, why));
        if known.companies.insert(c.id.as_str(), c).is_some() {
            p.add(entry, "id", "defined twice".into());
        }
    }
}

fn check_sites<'a>(sites: &'a [SiteEntry], known: &mut Known<'a>, p: &mut Problems) {
    for s in sites {
        let entry = format!("site {:?}", s.id);
        check_id(&s.id).unwrap_or_else(|why| p.add(entry.clone(), "id", why.to_string()));
        match known.companies.get(s.company.as_str()) {
            None => {
                p.add(entry.clone(), "company", not_in_registry("company", &s.company, known.companies.keys().copied()))
            }
            Some(c) => match check_siret(&s.siret) {
                Err(why) => p.add(entry.clone(), "siret", why.to_string()),
                Ok(()) if !s.siret.starts_with(&c.siren) => p.add(
                    entry.clone(),
                    "siret",
                    format!("{:?} does not start with the company's SIREN {}", s.siret, c.siren),
                ),
                Ok(()) => {}
            },
        }
        check_site_position(s, &mut |field, why| p.add(entry.clone(), field, why));
        if let Some(w) = &s.collection_window {
            parse_window(w).map(drop).unwrap_or_else(|(field, why)| {
                p.add(entry.clone(), &format!("collection_window.{field}"), why.to_string())
            });
        }
        if known.sites.insert(s.id.as_str(), s).is_some() {
            p.add(entry, "id", "defined twice".into());
        }
    }
}

fn check_operators<'a>(operators: &'a [OperatorEntry], known: &mut Known<'a>, p: &mut Problems) {
    for o in operators {
        let entry = format!("operator {:?}", o.id);
        check_id(&o.id).unwrap_or_else(|why| p.add(entry.clone(), "id", why.to_string()));
        if let Some(siret) = &o.siret {
            check_siret(siret).unwrap_or_else(|why| p.add(entry.clone(), "siret", why.to_string()));
        }
        if let Some(address) = &o.address {
            split_address(address).map(drop).unwrap_or_else(|why| p.add(entry.clone(), "address", why.to_string()));
        }
        check_position(("latitude", o.latitude), ("longitude", o.longitude), &mut |field, why| {
            p.add(entry.clone(), field, why)
        });
        check_final_operations(&o.final_operations, &mut |field, why| p.add(entry.clone(), &field, why));
        if known.companies.contains_key(o.id.as_str()) {
            p.add(entry.clone(), "id", "also a company id; destinations must be unambiguous".into());
        }
        if !known.operators.insert(o.id.as_str()) {
            p.add(entry, "id", "defined twice".into());
        }
    }
}
