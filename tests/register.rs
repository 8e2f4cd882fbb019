//! The waste register export (docs/register.md): lines from weighings written through the real
//! writer into a database of their own, read back in the national import format.

mod common;
#[path = "register/headers.rs"]
#[allow(dead_code)]
mod headers;
#[path = "register/export.rs"]
mod export;
use common::storage::{batch_of, weighing, StorageTarget};
use export::{register_for, value};
use headers::national_outgoing_headers;
use wasteflow::report::register::{Direction, HeldBack, Purpose, Register, SlipType};
use wasteflow::store::prepare;
use wasteflow::wire::ValidReading;
use wasteflow::zone::Zone;

/// 2027-03-01T00:00:00Z.
const DAY1: u64 = 1_803_859_200_000;
const DAY_MS: u64 = 86_400_000;
const HOUR_MS: u64 = 3_600_000;
/// SIRET of Béton d'Artois's plant (`ba-lievin`), and of the Métallerie (`ml-lievin`).
const BETON: &str = "52601815500014";
const METALLERIE: &str = "90830166600016";

/// A test database with `zone` synchronised and `readings` written; returns the zone with ids.
async fn stored(target: &StorageTarget, zone: Zone, readings: impl Fn(&Zone) -> Vec<ValidReading>) {
    let prepared = prepare(&target.settings, &zone, true).await.expect("prepare");
    let zone = zone.with_ids(prepared.ids);
    let mut writer = target.writer();
    writer.write(&batch_of(readings(&zone))).await.expect("write fixture");
    writer.close().await;
}

/// The import file.
async fn register(target: &StorageTarget, siret: &str, direction: Direction, from: &str, to: &str) -> Register {
    register_for(target, siret, direction, Purpose::Import, from, to).await
}

/// A fortnight at Béton d'Artois: every day 10 t of its own concrete crushed on site (R5,
/// in-house) and 2 t of mixed waste to the landfill (D1, carried by Transports d'Artois).
fn fortnight(zone: &Zone) -> Vec<ValidReading> {
    (0..14)
        .flat_map(|d| {
            let t = DAY1 + d * DAY_MS + 9 * HOUR_MS;
            [
                weighing(zone, "beton-artois", "gw-ba-01", 1, 10_000.0, t),
                weighing(zone, "beton-artois", "gw-ba-01", 2, 2_000.0, t + HOUR_MS),
            ]
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fortnight_exports_complete_in_the_national_columns() {
    let target = StorageTarget::new().await;
    stored(&target, Zone::load(&common::zone_file()).unwrap(), fortnight).await;
    let r = register(&target, BETON, Direction::Outgoing, "2027-03-01", "2027-03-14").await;
    assert_eq!(r.lines.len(), 28);
    let incomplete: Vec<_> = r.incomplete().map(|l| (&l.id, &l.missing)).collect();
    assert!(incomplete.is_empty(), "{incomplete:?}");

    // The header row is the national format's, byte for byte, `;`-separated (the import's
    // delimiter, options.ts); no header needs quotes.
    let mut csv = Vec::new();
    r.write_csv(&mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let header_row = csv.lines().next().unwrap();
    let want = national_outgoing_headers();
    assert_eq!(want.len(), 100);
    let quoted: Vec<String> =
        want.iter().map(|h| if h.contains(';') || h.ends_with(' ') { format!("\"{h}\"") } else { h.clone() }).collect();
    assert_eq!(header_row, quoted.join(";"));
    assert_eq!(csv.lines().count(), 29);

    // The register's mass is the weighed mass: 14 days x (10 t of concrete + 2 t of mixed
    // waste) = 14 x 12 = 168 t over 28 lines.
    let total: f64 = (0..r.lines.len()).map(|l| value(&r, l, "Poids en tonnes").parse::<f64>().unwrap()).sum();
    assert!((total - 168.0).abs() < 1e-9, "{total} t");

    // The landfill shipment of day 1, column by column.
    let i = 1;
    assert_eq!(value(&r, i, "SIRET de l'expéditeur ou du détenteur"), BETON);
    assert_eq!(value(&r, i, "Date d'expédition"), "2027-03-01");
    assert_eq!(value(&r, i, "Code déchet"), "20 03 01");
    assert_eq!(value(&r, i, "Dénomination du déchet"), "Mixed municipal-type waste");
    assert_eq!(value(&r, i, "POP"), "NON");
    assert_eq!(value(&r, i, "Dangereux"), "NON");
    assert_eq!(value(&r, i, "Poids en tonnes"), "2.000");
    assert_eq!(value(&r, i, "Type de poids"), "REEL");
    assert_eq!(value(&r, i, "Code de traitement prévu"), "D 1");
    assert_eq!(value(&r, i, "Mode de traitement prévu"), "ELIMINATION");
    assert_eq!(value(&r, i, "Type de destinataire"), "ETABLISSEMENT_FR");
    assert_eq!(value(&r, i, "Numéro d'identification du destinataire"), "62527601900019");
    assert_eq!(value(&r, i, "Libellé de l'adresse du destinataire"), "Chemin du Terril");
    assert_eq!(value(&r, i, "Code postal du destinataire"), "62410");
    assert_eq!(value(&r, i, "Commune du destinataire"), "Hulluch");
    assert_eq!(value(&r, i, "Code pays du destinataire"), "FR");
    assert_eq!(value(&r, i, "Numéro d'identification du transporteur n°1"), "92137452600017");
    assert_eq!(value(&r, i, "Numéro de récépissé du transporteur n°1"), "R-62-2024-0158");
    assert_eq!(value(&r, i, "Exemption de récépissé du transporteur n°1"), "NON");
    assert_eq!(value(&r, i, "Mode de transport du transporteur n°1"), "ROUTE");
    assert_eq!(value(&r, i, "Approvisionnement direct (pipeline, convoyeur)"), "");
    // In-house recycling: the plant itself, no carrier, so direct supply (the import refuses a
    // line with neither).
    assert_eq!(value(&r, 0, "Numéro d'identification du destinataire"), BETON);
    assert_eq!(value(&r, 0, "Mode de traitement prévu"), "RECYCLAGE");
    assert_eq!(value(&r, 0, "Numéro d'identification du transporteur n°1"), "");
    assert_eq!(value(&r, 0, "Approvisionnement direct (pipeline, convoyeur)"), "OUI");
    // The same lines as JSON (the internal register's format).
    let json = r.to_json();
    assert_eq!(json["lines"].as_array().unwrap().len(), 28);
    assert_eq!(json["lines"][1]["Poids en tonnes"], "2.000");
    assert_eq!(json["incomplete"].as_array().unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_registry_field_makes_incomplete_lines_that_name_it() {
    let target = StorageTarget::new().await;
    let text = std::fs::read_to_string(common::zone_file()).unwrap();
    // The landfill's SIRET and the mixed skip's carrier removed.
    let text = text.replacen("siret = \"62527601900019\"\n", "", 1).replacen(
        "destination = \"isdnd-artois\"\ntransporter = \"transports-artois\"",
        "destination = \"isdnd-artois\"",
        1,
    );
    let zone = Zone::parse("zone.toml", &text).expect("still a valid registry: these fields are optional");
    let t = DAY1 + 9 * HOUR_MS;
    stored(&target, zone, |z| {
        vec![
            weighing(z, "beton-artois", "gw-ba-01", 1, 10_000.0, t),
            weighing(z, "beton-artois", "gw-ba-01", 2, 2_000.0, t),
            weighing(z, "metallerie-lievin", "gw-ml-01", 2, 500.0, t),
        ]
    })
    .await;
    let r = register(&target, BETON, Direction::Outgoing, "2027-03-01", "2027-03-01").await;
    assert_eq!(r.lines.len(), 2);
    assert!(r.lines[0].missing.is_empty(), "{:?}", r.lines[0].missing);
    assert_eq!(
        r.lines[1].missing,
        vec!["operator \"isdnd-artois\": siret".to_string(), "container \"ba-mixed-1\": transporter".to_string()]
    );
    assert_eq!(value(&r, 1, "Numéro d'identification du destinataire"), "");
    // Hazardous used oil travels under a BSDD, which Trackdéchets declares itself: not in the
    // import file, in the internal register with its slip type, complete.
    let r = register(&target, METALLERIE, Direction::Outgoing, "2027-03-01", "2027-03-01").await;
    assert_eq!(r.lines.len(), 0);
    assert_eq!(r.withheld.len(), 1);
    assert_eq!(r.withheld[0].why, HeldBack::Traced(SlipType::Bsdd));
    let r = register_for(&target, METALLERIE, Direction::Outgoing, Purpose::Internal, "2027-03-01", "2027-03-01").await;
    assert_eq!(r.lines.len(), 1);
    assert_eq!(value(&r, 0, "Dangereux"), "OUI");
    assert_eq!(value(&r, 0, "Code déchet"), "13 02 05*");
    assert_eq!(value(&r, 0, "Type de bordereau de suivi"), "BSDD");
    assert!(r.lines[0].missing.is_empty(), "{:?}", r.lines[0].missing);

    // The command: the lines on stdout, the summary on stderr, exit 3 (0 with --allow-incomplete).
    let dir = common::Scratch::dir("wf-register-");
    let zone_path = dir.join("zone.toml");
    std::fs::write(&zone_path, &text).unwrap();
    let run = |from: &str, extra: &[&str]| {
        std::process::Command::new(common::bin())
            .args(["register", "export", "--site", BETON, "--direction", "outgoing"])
            .args(["--from", from, "--to", "2027-03-01"])
            .args(if extra.contains(&"--import-on") { &[][..] } else { &["--import-on", "2027-03-02"][..] })
            .args(extra)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("WASTEFLOW__DATABASE__URL", &target.settings.database.url)
            .env("WASTEFLOW__ZONE__FILE", &zone_path)
            .output()
            .unwrap()
    };
    let out = run("2027-03-01", &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);
    assert!(stderr.contains("1 incomplete"), "{stderr}");
    assert!(stderr.contains("1 line(s): operator \"isdnd-artois\": siret"), "{stderr}");
    assert!(stderr.contains("1 line(s): container \"ba-mixed-1\": transporter"), "{stderr}");
    assert_eq!(run("2027-03-01", &["--allow-incomplete"]).status.code(), Some(0));
    let bad = run("2027-3-1", &[]);
    assert_eq!(bad.status.code(), Some(64), "{}", String::from_utf8_lossy(&bad.stderr));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--from: \"2027-3-1\" is not a date; write YYYY-MM-DD"));
    // The import takes no JSON; the internal register does.
    let json = run("2027-03-01", &["--format", "json"]);
    assert_eq!(json.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&json.stderr).contains("CSV or Excel files only"));
    assert_eq!(
        run("2027-03-01", &["--for", "internal", "--format", "json", "--allow-incomplete"]).status.code(),
        Some(0)
    );
    // Imported on the shipment's own day in UTC it is accepted; the day before, the import
    // would read it as in the future: held back, exit 3.
    let early = run("2027-03-01", &["--import-on", "2027-02-28", "--allow-incomplete"]);
    assert_eq!(
        String::from_utf8_lossy(&early.stdout).lines().count(),
        1,
        "only the header row: {}",
        String::from_utf8_lossy(&early.stderr)
    );
    assert!(String::from_utf8_lossy(&early.stderr).contains("held back"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zone_company_that_receives_has_an_incoming_register() {
    let target = StorageTarget::new().await;
    let t = DAY1 + 9 * HOUR_MS;
    stored(&target, Zone::load(&common::zone_file()).unwrap(), |z| {
        vec![
            // Received by Béton d'Artois: foundry sand (Métallerie) and mineral mix (Logistique A21).
            weighing(z, "metallerie-lievin", "gw-ml-01", 3, 4_000.0, t),
            weighing(z, "logistique-a21", "gw-la-01", 2, 3_250.5, t + HOUR_MS),
            // Its own concrete, crushed in house: not received from anyone.
            weighing(z, "beton-artois", "gw-ba-01", 1, 10_000.0, t),
            // Bound elsewhere.
            weighing(z, "metallerie-lievin", "gw-ml-01", 1, 3_000.0, t),
        ]
    })
    .await;
    let r = register(&target, BETON, Direction::Incoming, "2027-03-01", "2027-03-01").await;
    assert_eq!(r.headers().len(), 99);
    assert_eq!(r.headers()[3], "SIRET du destinataire");
    assert_eq!(r.lines.len(), 2, "{:?}", r.lines.iter().map(|l| &l.id).collect::<Vec<_>>());
    let incomplete: Vec<_> = r.incomplete().map(|l| &l.missing).collect();
    assert!(incomplete.is_empty(), "{incomplete:?}");
    assert_eq!(value(&r, 0, "SIRET du destinataire"), BETON);
    assert_eq!(value(&r, 0, "Type d'expéditeur ou de détenteur"), "ETABLISSEMENT_FR");
    assert_eq!(value(&r, 0, "Numéro d'identification de l'expéditeur ou du détenteur"), METALLERIE);
    assert_eq!(value(&r, 0, "Code postal de l'expéditeur ou du détenteur"), "62800");
    assert_eq!(value(&r, 0, "Code déchet"), "10 09 08");
    assert_eq!(value(&r, 0, "Date de réception"), "2027-03-01");
    // The hour of the receiving site's own weighing, which the registry does not have (the
    // producer's sensor time is not it); not mandatory for R5.
    assert_eq!(value(&r, 0, "Heure de pesée"), "");
    assert_eq!(value(&r, 0, "Code de traitement réalisé"), "R 5");
    assert_eq!(value(&r, 0, "Mode de traitement"), "RECYCLAGE");
    assert_eq!(value(&r, 1, "Numéro d'identification de l'expéditeur ou du détenteur"), "94821993600010");
    assert_eq!(value(&r, 1, "Poids en tonnes"), "3.251");
    assert_eq!(
        value(&r, 1, "Raison sociale du transporteur n°1"),
        "Transports d'Artois Environnement (skips and roll-offs)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_dates_are_local_dates() {
    let target = StorageTarget::new().await;
    // 2027-03-31T23:30:00Z: 1 April 01:30 in Paris (summer time since 28 March).
    let at = DAY1 + 30 * DAY_MS + 23 * HOUR_MS + 30 * 60_000;
    stored(&target, Zone::load(&common::zone_file()).unwrap(), |z| {
        vec![weighing(z, "beton-artois", "gw-ba-01", 2, 1_000.0, at)]
    })
    .await;
    let march = register(&target, BETON, Direction::Outgoing, "2027-03-01", "2027-03-31").await;
    assert!(march.lines.is_empty(), "a weighing of 1 April (Paris) is not in March");
    let april = register(&target, BETON, Direction::Outgoing, "2027-04-01", "2027-04-01").await;
    assert_eq!(april.lines.len(), 1);
    assert_eq!(value(&april, 0, "Date d'expédition"), "2027-04-01");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn line_rules_pop_r0_small_weighings_and_interim_received() {
    let target = StorageTarget::new().await;
    let text = std::fs::read_to_string(common::zone_file()).unwrap();
    // The mixed waste flagged POP (its code has no `*`); the A21 platform's pallet skip (its
    // last container bound for the transfer station) sent to Cartonnages de Lens for R13
    // storage, which first declares no final operation.
    let mut text = text.replacen("id = \"mixed\"\n", "id = \"mixed\"\npop = true\n", 1);
    let pallets = text.rfind("destination = \"tri-gohelle\"").expect("the pallet skip");
    text.replace_range(pallets..pallets + 27, "destination = \"cartonnages-lens\"");
    let t = DAY1 + 9 * HOUR_MS;
    let readings = |z: &Zone| {
        vec![
            weighing(z, "beton-artois", "gw-ba-01", 1, 0.3, t),
            weighing(z, "beton-artois", "gw-ba-01", 1, 0.0, t + HOUR_MS),
            weighing(z, "beton-artois", "gw-ba-01", 2, 900.0, t),
            weighing(z, "menuiserie-souchez", "gw-ms-01", 2, 150.0, t),
            weighing(z, "logistique-a21", "gw-la-01", 4, 700.0, t),
        ]
    };
    stored(&target, Zone::parse("zone.toml", &text).expect("zone"), readings).await;
    let r = register(&target, BETON, Direction::Outgoing, "2027-03-01", "2027-03-01").await;
    // 0.3 kg is 0.001 t, not 0.000; the empty weighing is no shipment; the POP mixed waste is
    // hazardous, traced by a BSDD: not in the import file.
    assert_eq!(r.lines.len(), 1, "{:?}", r.lines);
    assert_eq!(value(&r, 0, "Poids en tonnes"), "0.001");
    assert_eq!(r.withheld.len(), 1);
    assert_eq!(r.withheld[0].why, HeldBack::Traced(SlipType::Bsdd));
    let internal =
        register_for(&target, BETON, Direction::Outgoing, Purpose::Internal, "2027-03-01", "2027-03-01").await;
    assert_eq!(internal.lines.len(), 2);
    assert_eq!(value(&internal, 1, "POP"), "OUI");
    assert_eq!(value(&internal, 1, "Dangereux"), "OUI");
    assert_eq!(value(&internal, 1, "Type de bordereau de suivi"), "BSDD");
    assert_eq!(value(&internal, 0, "Type de bordereau de suivi"), "");
    // R0, re-use of what never became waste: in neither register.
    let menuiserie = "39099603100014";
    let r = register_for(&target, menuiserie, Direction::Outgoing, Purpose::Internal, "2027-03-01", "2027-03-01").await;
    assert!(r.lines.is_empty(), "{:?}", r.lines);
    // Interim received: the traceability break and the next operation, which Cartonnages de
    // Lens has not declared.
    let cartonnages = "08246281300013";
    let r = register(&target, cartonnages, Direction::Incoming, "2027-03-01", "2027-03-01").await;
    assert_eq!(r.lines.len(), 1);
    assert_eq!(value(&r, 0, "Code de traitement réalisé"), "R 13");
    assert_eq!(value(&r, 0, "Mode de traitement"), "");
    assert_eq!(value(&r, 0, "Rupture de traçabilité autorisée"), "NON");
    assert_eq!(value(&r, 0, "Code de traitement ultérieur prévu"), "");
    assert_eq!(
        r.lines[0].missing,
        vec!["company \"cartonnages-lens\": final_operations (the operation planned after R 13)"]
    );
    // Declared: the final operation with the largest share.
    let db = target.connect().await;
    db.client
        .execute(
            "INSERT INTO final_operations (destination_id, treatment, treatment_mode, share)
             VALUES ('cartonnages-lens', 'R3', 'recycling', 0.7), ('cartonnages-lens', 'D1', 'disposal', 0.3)",
            &[],
        )
        .await
        .unwrap();
    db.close().await;
    let r = register(&target, cartonnages, Direction::Incoming, "2027-03-01", "2027-03-01").await;
    assert_eq!(value(&r, 0, "Code de traitement ultérieur prévu"), "R 3");
    assert!(r.lines[0].missing.is_empty(), "{:?}", r.lines[0].missing);
}
