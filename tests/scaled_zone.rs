//! The scaled zone of the zone benchmark (`benches/zone_scale.rs`, issue 29): copies of the
//! example with the counts asked, valid, with SIRENs and SIRETs of their own, and the example
//! itself as copy 0.

mod common;

use common::scaled_zone::{scaled_zone_text, write_scaled_zone, ZoneShape, TEN_TIMES};
use std::collections::HashSet;
use wasteflow::zone::Zone;

fn load(shape: ZoneShape) -> Zone {
    let dir = common::Scratch::dir("wf-scaled-zone-");
    let path = write_scaled_zone(&dir, shape);
    Zone::load(path.to_str().unwrap()).unwrap_or_else(|e| panic!("{shape}: {e}"))
}

#[test]
fn the_ten_times_zone_has_the_counts_asked_and_loads() {
    let zone = load(TEN_TIMES);
    let f = &zone.file;
    assert_eq!((f.companies.len(), f.gateways.len(), f.containers.len()), (25, 100, 1000));
    let sensors: usize = f.gateways.iter().map(|g| g.sensors.len()).sum();
    assert_eq!(sensors, 1000, "one sensor per container");
    assert!(f.gateways.iter().all(|g| g.sensors.len() == 10), "10 containers on each gateway");
    // 25 companies: the example's 7 three times, then 4 of them; the heating plants have no
    // gateway, so 22 companies share the 100 gateways.
    let with_gateways: HashSet<&str> = f.gateways.iter().map(|g| g.company.as_str()).collect();
    assert_eq!(with_gateways.len(), 22);
    assert_eq!(f.sites.len(), 25);
    // Valid (Zone::load checked the Luhn digits) and unique.
    let sirens: HashSet<&str> = f.companies.iter().map(|c| c.siren.as_str()).collect();
    let sirets: HashSet<&str> = f.sites.iter().map(|s| s.siret.as_str()).collect();
    assert_eq!((sirens.len(), sirets.len()), (25, 25));
    // Every container on a gateway of its own company, bound to a destination of the zone.
    let containers: HashSet<&str> = f.containers.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(containers.len(), 1000);
    for g in &f.gateways {
        for s in &g.sensors {
            let c = zone.container(&s.container).unwrap();
            assert_eq!(c.company, g.company, "{}", c.id);
            assert_eq!(zone.site(&c.site).unwrap().company, c.company, "{}", c.id);
        }
    }
    // A symbiosis loop stays within its copy when the copy has the receiving company, else goes
    // to the example's (copy 3 has Béton d'Artois, not the heating plant).
    let bound = |id: &str| {
        let c = zone.container(id).unwrap_or_else(|| panic!("no {id}"));
        (c.company.as_str(), c.site.as_str(), c.destination.as_str())
    };
    assert_eq!(bound("la-mineral-1-1"), ("logistique-a21-1", "la-lievin-1", "beton-artois-1"));
    assert_eq!(bound("la-mineral-1-1-001"), ("logistique-a21-1", "la-lievin-1", "beton-artois-1"));
    assert_eq!(bound("ms-wood-1-3"), ("menuiserie-souchez-3", "ms-lievin-3", "chaufferie-souchez"));
    assert_eq!(bound("ml-sand-1-3-002"), ("metallerie-lievin-3", "ml-lievin-3", "beton-artois-3"));
    assert!(zone.file.gateways.iter().any(|g| g.id == "gw-ba-01-3-001"));
}

#[test]
fn copy_zero_is_the_example() {
    let example = Zone::load(concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml")).unwrap();
    let zone = load(TEN_TIMES);
    for c in &example.file.companies {
        let copy = zone.file.companies.iter().find(|k| k.id == c.id).unwrap();
        assert_eq!((&copy.siren, &copy.name), (&c.siren, &c.name));
    }
    for s in &example.file.sites {
        let copy = zone.site(&s.id).unwrap();
        assert_eq!((&copy.siret, copy.latitude, copy.longitude), (&s.siret, s.latitude, s.longitude));
    }
    for g in &example.file.gateways {
        let copy = zone.file.gateways.iter().find(|k| k.id == g.id).unwrap();
        for s in &g.sensors {
            let same = copy.sensors.iter().find(|k| k.number == s.number).unwrap();
            assert_eq!(same.container, s.container, "{} sensor {}", g.id, s.number);
            let (a, b) = (example.container(&s.container).unwrap(), zone.container(&s.container).unwrap());
            assert_eq!((&a.destination, &a.stream, a.volume_m3), (&b.destination, &b.stream, b.volume_m3));
        }
    }
}

#[test]
fn the_example_shape_gives_the_examples_parties_and_gateways_back() {
    let zone = load(ZoneShape { companies: 7, gateways: 6, containers: 14 });
    let example = Zone::load(concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml")).unwrap();
    let gateways = |z: &Zone| z.file.gateways.iter().map(|g| (g.id.clone(), g.company.clone())).collect::<Vec<_>>();
    let sites = |z: &Zone| z.file.sites.iter().map(|s| (s.id.clone(), s.siret.clone())).collect::<Vec<_>>();
    assert_eq!(gateways(&zone), gateways(&example));
    assert_eq!(sites(&zone), sites(&example));
    // 14 containers over 6 gateways deal 3, 3, 2, 2, 2, 2, not the example's 2, 3, 2, 2, 1, 4:
    // the same count, not the same containers.
    assert_eq!(zone.file.containers.len(), 14);
}

#[test]
fn shapes_read_from_the_environment() {
    assert_eq!("25,100,1000".parse::<ZoneShape>(), Ok(TEN_TIMES));
    assert_eq!(" 7, 6 ,14".parse::<ZoneShape>(), Ok(ZoneShape { companies: 7, gateways: 6, containers: 14 }));
    assert!("25,100".parse::<ZoneShape>().is_err() && "a,b,c".parse::<ZoneShape>().is_err());
    assert!(scaled_zone_text(TEN_TIMES).starts_with("# Generated by tests/common/scaled_zone.rs"));
}
