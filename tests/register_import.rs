//! The register files the national import accepts (docs/register.md, issue 26): a realistic
//! fortnight of the example zone (the simulator's collections, weighed as they leave), ending
//! yesterday, exported for every site and both directions, and each file held to the rules of
//! Trackdéchets' registry import (MTES-MCT/trackdechets, `libs/back/registry/src/`, commit
//! 779f59bf47dc94712a476946cb8c55873f7b690a): its delimiter and headers (`options.ts`,
//! `*/constants.ts`), direct supply when there is no carrier and the interim columns
//! (`shared/refinement.ts`), weights above 0 t with three decimals (`shared/schemas.ts`), no
//! date after the day of import, and no line Trackdéchets declares itself from a slip.
//!
//! Set `REGISTER_EXPORT_DIR` to keep the files (e.g. to run another checker on them).

mod common;
#[path = "register/headers.rs"]
mod headers;

use common::storage::{batch_of, StorageTarget};
use headers::{national_incoming_headers, national_outgoing_headers};
use std::time::Duration;
use wasteflow::calendar::{Date, Timestamp};
use wasteflow::report::register::{export, Direction, HeldBack, Purpose, Register, Request};
use wasteflow::simulate::{Faults, ZoneSim};
use wasteflow::store::prepare;
use wasteflow::validate::check_message;
use wasteflow::wire::{MeasurementKind, TopicLayout};
use wasteflow::zone::Zone;

const DAY_MS: i64 = 86_400_000;

/// A realistic fortnight's weighings, from the midnight (UTC) 15 days before `now_ms` to 14 days
/// later, written through the real writer.
async fn fortnight(target: &StorageTarget, zone: &Zone, now_ms: i64) {
    let start = (now_ms / DAY_MS - 15) * DAY_MS;
    let layout = TopicLayout::parse("zone/+/+/up").unwrap();
    let limits = common::storage::any_time_limits();
    let mut sim = ZoneSim::new(
        zone,
        &layout,
        26,
        wasteflow::calendar::Timestamp::from_millis(start),
        wasteflow::calendar::Timestamp::from_millis(start + 14 * DAY_MS),
        Faults::default(),
    );
    let mut weighings = Vec::new();
    while let Some(m) = sim.next_message() {
        let c = check_message(&m.topic, &m.payload.into(), Timestamp::from_millis(start), &layout, zone, &limits);
        weighings.extend(c.readings.into_iter().filter(|r| r.kind == MeasurementKind::NetMassKg));
    }
    let mut writer = target.writer();
    for chunk in weighings.chunks(500) {
        writer.write(&batch_of(chunk.to_vec())).await.expect("write the weighings");
    }
    writer.close().await;
}

fn column(r: &Register, line: usize, header: &str) -> String {
    let i = r.headers().iter().position(|h| *h == header).unwrap_or_else(|| panic!("no column {header:?}"));
    r.lines[line].values[i].clone()
}

/// Holds one import file to the import's rules; returns its CSV text.
fn check_import_file(r: &Register, import_on: Date) -> String {
    let mut csv = Vec::new();
    r.write_csv(&mut csv).unwrap();
    let csv = String::from_utf8(csv).expect("UTF-8");
    let name = format!("{} {}", r.siret, r.direction.name());
    // The delimiter and the headers, byte for byte after trimming (the import trims them).
    let want = match r.direction {
        Direction::Outgoing => national_outgoing_headers(),
        Direction::Incoming => national_incoming_headers(),
    };
    let header_row: Vec<&str> = csv.lines().next().unwrap().split(';').map(|h| h.trim_matches('"').trim()).collect();
    let want: Vec<&str> = want.iter().map(|h| h.trim()).collect();
    assert_eq!(header_row, want, "{name}: the header row");
    assert_eq!(csv.lines().count(), r.lines.len() + 1, "{name}: one record per line, no field with a line break");
    let (direct, interim_next) = match r.direction {
        Direction::Outgoing => ("Approvisionnement direct (pipeline, convoyeur)", None),
        Direction::Incoming => ("Approvisionnement direct", Some("Code de traitement ultérieur prévu")),
    };
    for (i, line) in r.lines.iter().enumerate() {
        let at = format!("{name}, line {}", line.id);
        assert_eq!(line.values.len(), want.len(), "{at}");
        // A carrier, or direct supply (refineTransportersConsistency).
        let carrier = column(r, i, "Numéro d'identification du transporteur n°1");
        assert!(!carrier.is_empty() || column(r, i, direct) == "OUI", "{at}: neither a carrier nor direct supply");
        assert!(carrier.is_empty() || column(r, i, direct).is_empty(), "{at}: a carrier and direct supply");
        // Above 0 t, at most three decimals (weightValueSchema).
        let weight = column(r, i, "Poids en tonnes");
        let tonnes: f64 = weight.parse().unwrap_or_else(|_| panic!("{at}: weight {weight:?}"));
        assert!(tonnes > 0.0 && weight.split_once('.').is_some_and(|(_, d)| d.len() == 3), "{at}: {weight}");
        // No slip-traced line: nothing hazardous, no POP (R. 541-45 III).
        assert_eq!(column(r, i, "Dangereux"), "NON", "{at}");
        assert_eq!(column(r, i, "POP"), "NON", "{at}");
        assert!(!column(r, i, "Code déchet").contains('*'), "{at}");
        // Interim operations received: the traceability break and the next operation.
        let code_col =
            if interim_next.is_some() { "Code de traitement réalisé" } else { "Code de traitement prévu" };
        let code = column(r, i, code_col);
        assert!(code != "R 0", "{at}: R0 is not waste");
        if let Some(next) = interim_next {
            if ["R 12", "R 13", "D 9", "D 13", "D 14", "D 15"].contains(&code.as_str()) {
                assert_eq!(column(r, i, "Rupture de traçabilité autorisée"), "NON", "{at}");
                assert!(!column(r, i, next).is_empty() || !line.missing.is_empty(), "{at}: no next operation");
            }
        }
        // The example zone's registry is complete; what it cannot have is the hour of a
        // weighbridge weighing at a reception for R1, D10 or D5 (refineWeighingHour).
        for m in &line.missing {
            let weighed = ["R 1", "D 10", "D 5"].contains(&code.as_str()) && interim_next.is_some();
            assert!(weighed && m.starts_with("Heure de pesée"), "{at}: missing {m}");
        }
        // Not after the day of import (dateSchema refuses a date in the future).
        assert!(line.date <= import_on, "{at}: dated {} after {import_on}", line.date);
    }
    csv
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_realistic_fortnight_exports_files_the_national_import_accepts() {
    let target = StorageTarget::new().await;
    let zone = Zone::load(&common::zone_file()).unwrap();
    let prepared = prepare(&target.settings, &zone, true).await.expect("prepare");
    let zone = zone.with_ids(prepared.ids);
    let now_ms = common::now_ms() as i64;
    fortnight(&target, &zone, now_ms).await;
    let today = jiff::Timestamp::from_millisecond(now_ms).unwrap().to_zoned(jiff::tz::TimeZone::UTC).date();
    let (from, to) = (today.checked_sub(jiff::Span::new().days(16)).unwrap(), today);
    let keep = std::env::var_os("REGISTER_EXPORT_DIR").map(std::path::PathBuf::from);
    let db = target.connect().await;
    let (mut files, mut lines, mut traced) = (0, 0, 0);
    for site in &zone.file.sites {
        for direction in [Direction::Outgoing, Direction::Incoming] {
            let request =
                |purpose| Request { siret: site.siret.clone(), direction, purpose, from, to, import_on: today };
            let limit = Duration::from_secs(60);
            let import = export(&db.client, &request(Purpose::Import), limit).await.expect("export");
            let internal = export(&db.client, &request(Purpose::Internal), limit).await.expect("export");
            let csv = check_import_file(&import, today);
            if let Some(dir) = &keep {
                std::fs::create_dir_all(dir).unwrap();
                std::fs::write(dir.join(format!("{}-{}.csv", site.id, direction.name())), &csv).unwrap();
            }
            // The internal register has every line: the import file's and the traced ones,
            // with their slip type.
            let held: Vec<_> = import.withheld.iter().map(|w| (w.id.clone(), w.why)).collect();
            assert_eq!(internal.lines.len(), import.lines.len() + held.len(), "{} {}", site.id, direction.name());
            for (id, why) in &held {
                let HeldBack::Traced(slip) = why else { panic!("{id}: held back {why:?}, not traced") };
                let i = internal.lines.iter().position(|l| &l.id == id).expect("in the internal register");
                assert_eq!(column(&internal, i, "Type de bordereau de suivi"), slip.name());
            }
            // Every site with containers ships out; the three companies other sites send to
            // receive.
            let ships = zone.file.containers.iter().any(|c| c.site == site.id);
            let receives = ["ba-lievin", "cl-lievin", "cs-lievin"].contains(&site.id.as_str());
            if (direction == Direction::Outgoing && ships) || (direction == Direction::Incoming && receives) {
                assert!(!internal.lines.is_empty(), "{} {}: no shipment in a fortnight", site.id, direction.name());
            } else {
                assert!(internal.lines.is_empty(), "{} {}: lines", site.id, direction.name());
            }
            files += 1;
            lines += import.lines.len();
            traced += held.len();
        }
    }
    db.close().await;
    assert_eq!(files, 14);
    // The zone's hazardous streams (used oil, solvents) ship under BSDDs.
    assert!(lines > 0 && traced > 0, "{lines} lines, {traced} traced");
    eprintln!("{files} files, {lines} lines in the import files, {traced} slip-traced lines left out");
}
