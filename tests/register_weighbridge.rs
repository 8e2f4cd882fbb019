//! The receiving site's own weighing in the waste register (docs/register.md, "Weighing at the
//! destination"): a weighbridge registered at the destination, its tickets imported with
//! `wasteflow register weighings`, and the incoming register's "Date de réception", "Heure de
//! pesée" and "Poids en tonnes" taken from them, the slip number into the internal register.

mod common;
#[path = "register/export.rs"]
mod export;
use common::storage::{batch_of, weighing, StorageTarget};
use export::{register_for as register, value};
use std::process::{Command, Output};
use wasteflow::report::register::{Direction, Purpose};
use wasteflow::store::prepare;

/// 2027-03-01T00:00:00Z; Paris is UTC+1 all month (summer time starts 28 March).
const DAY1: u64 = 1_803_859_200_000;
const DAY_MS: u64 = 86_400_000;
const HOUR_MS: u64 = 3_600_000;
/// SIRET of the biomass boiler's site (`cs-lievin`), which burns the joinery's offcuts (R1),
/// and of the joinery (`ms-lievin`).
const CHAUFFERIE: &str = "51819093900018";
const MENUISERIE: &str = "39099603100014";

/// The tickets of the boiler's weighbridge, local times with their offset:
/// - 09:30 on 1 March: before the joinery weighed its skip (10:00), so it is no load of it;
/// - 11:47 on 1 March: the load weighed at 10:00, 3,010.5 kg on arrival;
/// - 00:15 on 5 March: the load of 4 March (10:00), after midnight, with its slip number;
/// - 10:00 on 16 March: 8 days after the load of 8 March, beyond the 7 days a load is matched.
const TICKETS: &str = "container;weighed_at;net_kg;slip_number\n\
                       ms-wood-1;2027-03-01T09:30:00+01:00;999;\n\
                       ms-wood-1;2027-03-01T11:47:00+01:00;3010,5;\n\
                       ms-wood-1;2027-03-05T00:15:00+01:00;2480;BSD-20270304-AB12\n\
                       ms-wood-1;2027-03-16T10:00:00+01:00;1800;\n";

fn run(target: &StorageTarget, zone: &std::path::Path, args: &[&str]) -> Output {
    Command::new(common::bin())
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("WASTEFLOW__DATABASE__URL", &target.settings.database.url)
        .env("WASTEFLOW__ZONE__FILE", zone)
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_incoming_register_takes_the_hour_day_and_mass_of_the_destinations_weighbridge() {
    let target = StorageTarget::new().await;
    // The example zone registers the boiler's weighbridge, `cs-pont-1`, on `cs-lievin`.
    let zone = wasteflow::zone::Zone::load(&common::zone_file()).unwrap();
    let prepared = prepare(&target.settings, &zone, true).await.expect("prepare");
    let zone = zone.with_ids(prepared.ids);
    // The joinery weighs its offcuts skip at 10:00 Paris (09:00 UTC) on 1, 4 and 8 March.
    let loads = [(0, 3_000.0), (3, 2_500.0), (7, 2_000.0)];
    let readings = loads
        .iter()
        .map(|&(d, kg)| weighing(&zone, "menuiserie-souchez", "gw-ms-01", 1, kg, DAY1 + d * DAY_MS + 9 * HOUR_MS));
    let mut writer = target.writer();
    writer.write(&batch_of(readings.collect())).await.expect("write");
    writer.close().await;

    let dir = common::Scratch::dir("wf-weighbridge-");
    let zone_path = std::path::PathBuf::from(common::zone_file());
    let tickets = dir.join("tickets.csv");

    // A file with a bad ticket is refused whole, every problem named with its line.
    std::fs::write(
        &tickets,
        format!("{TICKETS}ms-wood-1;2027-03-17 10:00;12;\nms-wod-1;2027-03-17T10:00:00+01:00;12;\n"),
    )
    .unwrap();
    let out =
        run(&target, &zone_path, &["register", "weighings", "--weighbridge", "cs-pont-1", tickets.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(65), "{stderr}");
    assert!(stderr.contains("line 6: weighed_at: \"2027-03-17 10:00\" is not a time with its offset"), "{stderr}");
    std::fs::write(&tickets, format!("{TICKETS}ms-wod-1;2027-03-17T10:00:00+01:00;12;\n")).unwrap();
    let out =
        run(&target, &zone_path, &["register", "weighings", "--weighbridge", "cs-pont-1", tickets.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(65), "{stderr}");
    assert!(
        stderr.contains("line 6: container: no container \"ms-wod-1\" in the registry; did you mean \"ms-wood-1\"?"),
        "{stderr}"
    );
    // A weighbridge the registry does not have, and a container bound elsewhere.
    std::fs::write(&tickets, TICKETS).unwrap();
    let out =
        run(&target, &zone_path, &["register", "weighings", "--weighbridge", "cs-pont-2", tickets.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no weighbridge \"cs-pont-2\" in the registry"));
    let elsewhere = dir.join("elsewhere.csv");
    std::fs::write(&elsewhere, "container;weighed_at;net_kg\nml-scrap-1;2027-03-01T11:00:00+01:00;4000\n").unwrap();
    let out =
        run(&target, &zone_path, &["register", "weighings", "--weighbridge", "cs-pont-1", elsewhere.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("container \"ml-scrap-1\" goes to \"ferrailles-lens\", not to \"chaufferie-souchez\""));
    let db = target.connect().await;
    let stored: i64 = db.client.query_one("SELECT count(*) FROM reception_weighings", &[]).await.unwrap().get(0);
    assert_eq!(stored, 0, "nothing of a refused file is stored");
    db.close().await;

    // The good file, twice: stored once.
    let out =
        run(&target, &zone_path, &["register", "weighings", "--weighbridge", "cs-pont-1", tickets.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("4 ticket(s) imported, 0 already there"));
    let again =
        run(&target, &zone_path, &["register", "weighings", "--weighbridge", "cs-pont-1", tickets.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("0 ticket(s) imported, 4 already there"));

    let r = register(&target, CHAUFFERIE, Direction::Incoming, Purpose::Import, "2027-03-01", "2027-03-31").await;
    assert_eq!(r.lines.len(), 3);
    // Load 1: weighed on arrival at 11:47 on 1 March, 3,010.5 kg = 3.011 t (rounded to the kg).
    assert_eq!(
        [value(&r, 0, "Date de réception"), value(&r, 0, "Heure de pesée"), value(&r, 0, "Poids en tonnes")],
        ["2027-03-01", "11:47", "3.011"]
    );
    // Load 2: the producer weighed it on 4 March; the boiler received it at 00:15 on 5 March.
    assert_eq!(
        [value(&r, 1, "Date de réception"), value(&r, 1, "Heure de pesée"), value(&r, 1, "Poids en tonnes")],
        ["2027-03-05", "00:15", "2.480"]
    );
    // Load 3: no ticket within 7 days: dated by the producer's weighing, its hour missing,
    // named with the fix (R1 at an incinerator needs it).
    assert_eq!([value(&r, 2, "Date de réception"), value(&r, 2, "Heure de pesée")], ["2027-03-08", ""]);
    let missing = r.lines[2].missing.join("; ");
    assert!(missing.contains("Heure de pesée") && missing.contains("wasteflow register weighings"), "{missing}");
    assert!(r.lines[0].missing.is_empty() && r.lines[1].missing.is_empty(), "{:?}", r.lines[0].missing);

    // Periods go by the day of reception: load 2 is in 5 March's register, not 4 March's.
    let to_4th = register(&target, CHAUFFERIE, Direction::Incoming, Purpose::Import, "2027-03-01", "2027-03-04").await;
    assert_eq!(to_4th.lines.len(), 1);
    let the_5th = register(&target, CHAUFFERIE, Direction::Incoming, Purpose::Import, "2027-03-05", "2027-03-05").await;
    assert_eq!(the_5th.lines.len(), 1);
    assert_eq!(the_5th.lines[0].id, r.lines[1].id);

    // The slip number on the ticket reaches both internal registers; the joinery's outgoing
    // line keeps its own day and mass.
    let internal =
        register(&target, CHAUFFERIE, Direction::Incoming, Purpose::Internal, "2027-03-01", "2027-03-31").await;
    assert_eq!(value(&internal, 1, "Numéro de bordereau de suivi"), "BSD-20270304-AB12");
    assert_eq!(value(&internal, 0, "Numéro de bordereau de suivi"), "");
    let sent = register(&target, MENUISERIE, Direction::Outgoing, Purpose::Internal, "2027-03-01", "2027-03-31").await;
    assert_eq!(sent.lines.len(), 3);
    assert_eq!([value(&sent, 1, "Date d'expédition"), value(&sent, 1, "Poids en tonnes")], ["2027-03-04", "2.500"]);
    assert_eq!(value(&sent, 1, "Numéro de bordereau de suivi"), "BSD-20270304-AB12");
}
