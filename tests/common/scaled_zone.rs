//! A zone larger than the example, made of copies of it (issue 29, "a zone ten times the
//! example"): `benches/zone_scale.rs` runs the daemon on it, `tests/scaled_zone.rs` checks it.
//!
//! The example (config/zone.toml) has 7 companies, 7 sites, 6 gateways and 14 containers; the
//! issue asks for about 25 companies, 100 gateways and 1,000 containers, which no whole number
//! of copies gives (4 copies: 28 companies, 24 gateways, 56 containers). So each kind is copied
//! to its own count, in the example's order:
//!
//! - **companies**: the example's, cycled (company k is the example's k mod 7, copy k / 7), each
//!   with its sites (and their weighbridges). Copy 0 keeps the example's ids; copy c > 0 has ids
//!   suffixed `-c`, a SIREN of its own (`999` + copy + the example's index + Luhn digit, valid
//!   and unique) and sites with SIRETs of their own (SIREN + NIC + Luhn digit), 0.004 degrees
//!   north and 0.006 east per copy (about 450 m each way);
//! - **gateways**: each company copy takes its example company's gateways (the heating plant
//!   has none), and the gateways are dealt out over these (company copy, example gateway) slots
//!   in turn until there are as many as asked; ids are suffixed `-c` like the company's, and a
//!   slot's second and later gateways `-001`, `-002`... after that (`gw-ba-01-2-003`);
//! - **containers**: dealt out over the gateways in turn; each gateway takes its example
//!   gateway's containers in order, round and round (10 per gateway: `gw-cl-01`'s copies carry 10
//!   cardboard bale stores), as sensors 1, 2, 3... Ids as the gateways': the copy, then the
//!   second and later uses in that copy (`la-mineral-1-1-002`). A container bound to a company
//!   of the example (a symbiosis loop) is bound to that company's copy of the same number when
//!   the zone has it, else to the example's own.
//!
//! Operators, carriers, streams and factors are the example's. Copy 0 is the example: its
//! companies and sites as they are, and the first gateway of each example gateway carries the
//! example's containers under their own ids, as the same sensor numbers (when it holds at least
//! as many containers as the example's gateway, 4 at most). So the dashboards' `$company`
//! (beton-artois) and the example's ids name the same things in a scaled zone.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// How many of each the scaled zone has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZoneShape {
    pub companies: usize,
    pub gateways: usize,
    pub containers: usize,
}

/// The zone: about 1,000 containers, 100 gateways and 25 companies.
pub const TEN_TIMES: ZoneShape = ZoneShape { companies: 25, gateways: 100, containers: 1000 };

impl std::fmt::Display for ZoneShape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} companies, {} gateways, {} containers", self.companies, self.gateways, self.containers)
    }
}

impl std::str::FromStr for ZoneShape {
    type Err = String;

    /// `companies,gateways,containers`, e.g. `25,100,1000`.
    fn from_str(s: &str) -> Result<ZoneShape, String> {
        let n: Vec<usize> = s
            .split(',')
            .map(|p| p.trim().parse::<usize>())
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{s:?}: write companies,gateways,containers (e.g. 25,100,1000): {e}"))?;
        match n[..] {
            [companies, gateways, containers] => Ok(ZoneShape { companies, gateways, containers }),
            _ => Err(format!("{s:?}: write companies,gateways,containers (e.g. 25,100,1000)")),
        }
    }
}

/// The example zone's text.
fn example() -> Table {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml");
    toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn list(t: &Table, key: &str) -> Vec<Table> {
    t.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|v| v.as_table().expect("a table").clone()).collect())
        .unwrap_or_default()
}

fn text<'a>(t: &'a Table, key: &str) -> &'a str {
    t.get(key).and_then(Value::as_str).unwrap_or_else(|| panic!("no {key} in {t:?}"))
}

/// `digits` (8 or 13 of them) followed by the digit that makes a valid SIREN or SIRET (the
/// crate's own Luhn check).
fn with_luhn_digit(digits: &str) -> String {
    let valid = |n: &str| match n.len() {
        9 => wasteflow::zone::check_siren(n).is_ok(),
        14 => wasteflow::zone::check_siret(n).is_ok(),
        _ => panic!("{n}: neither a SIREN nor a SIRET"),
    };
    (0..10).map(|d| format!("{digits}{d}")).find(|n| valid(n)).expect("one digit of ten passes")
}

/// Copy `copy`'s id of an id of the example (copy 0 keeps it).
fn copied(id: &str, copy: usize) -> String {
    if copy == 0 {
        id.to_string()
    } else {
        format!("{id}-{copy}")
    }
}

/// Hands out ids: the first use of an id keeps it, the next ones are `-001`, `-002`...
#[derive(Default)]
struct Ids(HashMap<String, usize>);

impl Ids {
    fn next(&mut self, base: &str) -> String {
        let n = self.0.entry(base.to_string()).or_insert(0);
        *n += 1;
        if *n == 1 {
            base.to_string()
        } else {
            format!("{base}-{:03}", *n - 1)
        }
    }
}

/// The scaled zone's registry, as TOML text.
pub fn scaled_zone_text(shape: ZoneShape) -> String {
    let ex = example();
    let companies = list(&ex, "companies");
    let sites = list(&ex, "sites");
    let gateways = list(&ex, "gateways");
    let containers: HashMap<String, Table> =
        list(&ex, "containers").into_iter().map(|c| (text(&c, "id").to_string(), c)).collect();
    let weighbridges = list(&ex, "weighbridges");
    assert!(
        shape.companies >= companies.len(),
        "at least the example's {} companies (containers are bound to them)",
        companies.len()
    );
    let company_ids: Vec<&str> = companies.iter().map(|c| text(c, "id")).collect();
    // Whether copy `copy` of example company `id` is in the zone.
    let has = |id: &str, copy: usize| {
        company_ids.iter().position(|c| *c == id).is_some_and(|t| copy * companies.len() + t < shape.companies)
    };

    let (mut out_companies, mut out_sites, mut out_weighbridges) = (Vec::new(), Vec::new(), Vec::new());
    // (copy number, example gateway) for each slot the gateways are dealt to.
    let mut slots: Vec<(usize, &Table)> = Vec::new();
    for k in 0..shape.companies {
        let (t, copy) = (k % companies.len(), k / companies.len());
        let mut c = companies[t].clone();
        let id = text(&c, "id").to_string();
        let siren =
            if copy == 0 { text(&c, "siren").to_string() } else { with_luhn_digit(&format!("999{copy:03}{t:02}")) };
        c.insert("id".into(), copied(&id, copy).into());
        c.insert("siren".into(), siren.clone().into());
        if copy > 0 {
            c.insert("name".into(), format!("{} (copy {copy})", text(&c, "name")).into());
        }
        out_companies.push(Value::Table(c));
        for (i, s) in sites.iter().enumerate().filter(|(_, s)| text(s, "company") == id) {
            let mut s = s.clone();
            let site_id = text(&s, "id").to_string();
            s.insert("id".into(), copied(&site_id, copy).into());
            s.insert("company".into(), copied(&id, copy).into());
            if copy > 0 {
                s.insert("siret".into(), with_luhn_digit(&format!("{siren}{:04}", i + 1)).into());
                for (key, step) in [("latitude", 0.004), ("longitude", 0.006)] {
                    if let Some(v) = s.get(key).and_then(Value::as_float) {
                        let shifted = ((v + step * copy as f64) * 10_000.0).round() / 10_000.0;
                        s.insert(key.into(), shifted.into());
                    }
                }
            }
            out_sites.push(Value::Table(s));
            for w in weighbridges.iter().filter(|w| text(w, "site") == site_id) {
                let mut w = w.clone();
                w.insert("id".into(), copied(text(&w, "id"), copy).into());
                w.insert("site".into(), copied(&site_id, copy).into());
                out_weighbridges.push(Value::Table(w));
            }
        }
        slots.extend(gateways.iter().filter(|g| text(g, "company") == id).map(|g| (copy, g)));
    }
    assert!(!slots.is_empty() || shape.gateways == 0, "no company with gateways");

    // The gateways, slot by slot (a company's gateways together), dealt out in turn.
    let per_slot = |s: usize| shape.gateways / slots.len() + usize::from(s < shape.gateways % slots.len());
    let mut dealt: Vec<(usize, &Table)> = Vec::new();
    for (s, slot) in slots.iter().enumerate() {
        dealt.extend(std::iter::repeat_n(*slot, per_slot(s)));
    }
    let (mut ids, mut out_gateways, mut out_containers) = (Ids::default(), Vec::new(), Vec::new());
    for (g, (copy, example_gateway)) in dealt.into_iter().enumerate() {
        let held = shape.containers / shape.gateways + usize::from(g < shape.containers % shape.gateways);
        let sensors = example_gateway.get("sensors").and_then(Value::as_array).cloned().unwrap_or_default();
        let mut gateway = example_gateway.clone();
        gateway.insert("id".into(), ids.next(&copied(text(example_gateway, "id"), copy)).into());
        gateway.insert("company".into(), copied(text(example_gateway, "company"), copy).into());
        gateway.insert("site".into(), copied(text(example_gateway, "site"), copy).into());
        let held = if sensors.is_empty() { 0 } else { held };
        let mut own = Vec::new();
        for q in 0..held {
            let example_container = text(sensors[q % sensors.len()].as_table().unwrap(), "container");
            let mut c = containers[example_container].clone();
            let id = ids.next(&copied(example_container, copy));
            c.insert("id".into(), id.clone().into());
            c.insert("company".into(), copied(text(&c, "company"), copy).into());
            c.insert("site".into(), copied(text(&c, "site"), copy).into());
            let destination = text(&c, "destination").to_string();
            if company_ids.contains(&destination.as_str()) && has(&destination, copy) {
                c.insert("destination".into(), copied(&destination, copy).into());
            }
            out_containers.push(Value::Table(c));
            let mut sensor = Table::new();
            sensor.insert("number".into(), Value::Integer(q as i64 + 1));
            sensor.insert("container".into(), id.into());
            own.push(Value::Table(sensor));
        }
        gateway.insert("sensors".into(), Value::Array(own));
        out_gateways.push(Value::Table(gateway));
    }

    let mut zone = ex.clone();
    zone.insert("name".into(), format!("{} ({shape})", text(&ex, "name")).into());
    zone.insert("companies".into(), Value::Array(out_companies));
    zone.insert("sites".into(), Value::Array(out_sites));
    zone.insert("containers".into(), Value::Array(out_containers));
    zone.insert("gateways".into(), Value::Array(out_gateways));
    zone.insert("weighbridges".into(), Value::Array(out_weighbridges));
    format!(
        "# Generated by tests/common/scaled_zone.rs from config/zone.toml: {shape}.\n\n{}",
        toml::to_string(&zone).expect("a zone renders as TOML")
    )
}

/// Writes the scaled zone as `zone.toml` in `dir`; returns its path.
pub fn write_scaled_zone(dir: &Path, shape: ZoneShape) -> PathBuf {
    let path = dir.join("zone.toml");
    std::fs::write(&path, scaled_zone_text(shape)).unwrap();
    path
}
