//! Register lines in the national format's columns, and what each lacks. Values follow the
//! import's conventions (Trackdéchets `libs/back/registry/src/shared/schemas.ts`, commit
//! 779f59bf47dc94712a476946cb8c55873f7b690a): OUI/NON, REEL/ESTIME, dates `YYYY-MM-DD`,
//! tonnes above 0 with at most three decimals, operation codes written "R 5", actor type
//! ETABLISSEMENT_FR, country code FR.

use super::builder::{oui, Builder};
use super::columns::SLIP;
use super::parties::{destination, sender, transporter};
use super::shipment::Shipment;
use super::traced::SlipType;
use super::{Direction, Purpose, Request};
use crate::calendar::Date;
use crate::zone::{TreatmentMode, TreatmentOperation};

/// One shipment's line: a value per header, and the registry fields to fill for what is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// "Identifiant unique": `wf-<sensor id>-<epoch ms>`, the same at every export.
    pub id: String,
    /// The line's date ("Date d'expédition" or "Date de réception"): the weighing's local day.
    pub date: Date,
    /// Aligned with [`Register::headers`]; empty when the column has no value.
    pub values: Vec<String>,
    /// Each missing mandatory value, named with the registry field that fills it.
    pub missing: Vec<String>,
    /// The Trackdéchets slip the shipment travels under, if any.
    pub slip: Option<SlipType>,
    /// The slip's number, when the destination's weighbridge ticket gives it.
    pub slip_number: Option<String>,
}

/// Why a line of the period is not in the import file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldBack {
    /// Traced by a Trackdéchets slip: Trackdéchets declares it (R. 541-45 III); it is in the
    /// internal register.
    Traced(SlipType),
    /// Dated after the day of import: the import would read it as in the future. Export again
    /// on or after its date.
    NotYetImportable { date: Date, import_on: Date },
}

/// A line of the period left out of the import file, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withheld {
    pub id: String,
    pub why: HeldBack,
}

/// A site's register over a period.
#[derive(Debug, Clone)]
pub struct Register {
    pub direction: Direction,
    pub purpose: Purpose,
    pub siret: String,
    /// The lines of the document, in the order of the weighings.
    pub lines: Vec<Line>,
    /// The import file only: the period's lines left out of it.
    pub withheld: Vec<Withheld>,
}

impl Register {
    /// The national headers, and for the internal register the slip columns after them.
    pub fn headers(&self) -> Vec<&'static str> {
        let mut h = self.direction.headers().to_vec();
        if self.purpose == Purpose::Internal {
            h.extend(SLIP);
        }
        h
    }

    pub fn incomplete(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter().filter(|l| !l.missing.is_empty())
    }

    /// Lines held back until their date can be imported.
    pub fn not_yet_importable(&self) -> impl Iterator<Item = &Withheld> {
        self.withheld.iter().filter(|w| matches!(w.why, HeldBack::NotYetImportable { .. }))
    }
}

/// Builds the document `request` asks for from its period's `shipments`.
pub(super) fn build(request: &Request, shipments: &[Shipment]) -> Register {
    let mut register = Register {
        direction: request.direction,
        purpose: request.purpose,
        siret: request.siret.clone(),
        lines: Vec::with_capacity(shipments.len()),
        withheld: Vec::new(),
    };
    for s in shipments {
        let mut line = line(request.direction, &request.siret, s);
        match request.purpose {
            Purpose::Internal => {
                line.values.push(line.slip.map(SlipType::name).unwrap_or_default().to_string());
                // The number written on the destination's weighbridge ticket; else unknown here
                // (it is in Trackdéchets, on the slip).
                line.values.push(line.slip_number.clone().unwrap_or_default());
                register.lines.push(line);
            }
            Purpose::Import => match line.slip {
                Some(slip) => register.withheld.push(Withheld { id: line.id, why: HeldBack::Traced(slip) }),
                None if line.date > request.import_on => register.withheld.push(Withheld {
                    id: line.id,
                    why: HeldBack::NotYetImportable { date: line.date, import_on: request.import_on },
                }),
                None => register.lines.push(line),
            },
        }
    }
    register
}

/// Grams of a positive mass to tonnes, rounded to the kilogram (the format takes three
/// decimals and refuses 0 t: `weightValueSchema`), and never below one kilogram: a weighing
/// under half a kilogram is written 0.001, the smallest mass the format can state.
pub fn tonnes(grams: i64) -> String {
    let kg = (grams + 500).div_euclid(1000).max(1);
    format!("{}.{:03}", kg / 1000, kg % 1000)
}

/// "R5" -> "R 5", "D9F" -> "D 9 F", as the national list writes operation codes.
pub fn operation_code(code: &str) -> String {
    let (letter, rest) = code.split_at(code.len().min(1));
    match rest.strip_suffix('F') {
        Some(n) => format!("{letter} {n} F"),
        None => format!("{letter} {rest}"),
    }
}

fn mode(name: &str) -> Option<&'static str> {
    TreatmentMode::ALL.iter().find(|m| m.name() == name).map(|m| m.register_name())
}

/// Operations after which the receiving site must record the hour of its own weighing: R1 and
/// D10 at incinerators, D5 at landfills (the import's `refineWeighingHour`,
/// `libs/back/registry/src/incomingWaste/validation/refinement.ts`).
const WEIGHED_ON_RECEPTION: [&str; 3] = ["R1", "D10", "D5"];

fn line(direction: Direction, siret: &str, s: &Shipment) -> Line {
    let headers = direction.headers();
    let mut b = Builder { headers, values: vec![String::new(); headers.len()], missing: Vec::new() };
    let id = format!("wf-{}-{}", s.sensor_id, s.ts.as_millis());
    let container = format!("container {:?}", s.container_id);
    // Received lines are dated by the receiving site's own weighing when it recorded one.
    let date = match (direction, &s.reception) {
        (Direction::Incoming, Some(r)) => r.local_day,
        _ => s.local_day,
    };
    b.set("Identifiant unique", id.clone());
    match &s.description {
        Some(d) => b.set("Dénomination du déchet", d.clone()),
        None => b.miss(format!("stream {:?}: description", s.stream_id)),
    }
    b.set("Code déchet", s.ewc.clone());
    b.set("POP", oui(s.pop));
    // POP waste is hazardous waste for the register and the import ("POP OUI / Dangereux NON"
    // is refused: `refineIsDangerous`, libs/back/registry/src/shared/refinement.ts).
    b.set("Dangereux", oui(s.hazardous || s.pop));
    // The receiving site registers what its own weighbridge weighed, when it did.
    let grams = match (direction, &s.reception) {
        (Direction::Incoming, Some(r)) => r.grams,
        _ => s.grams,
    };
    if grams > 0 {
        b.set("Poids en tonnes", tonnes(grams));
        // The same rule as the `implausible_weighings` view: above what the container can hold.
        if let Some(max) = s.max_load_kg.filter(|&max| grams as f64 > max * 1000.0) {
            b.miss(format!(
                "{container}: Poids en tonnes ({} t weighed, above the container's max_load_kg of {} t: an implausible weighing, check the scale)",
                tonnes(grams),
                max / 1000.0
            ));
        }
    } else {
        b.miss(format!("{container}: a weighing of {grams} g is not a shipment"));
    }
    // Every mass today is a sensor weighing. A mass derived from fill x volume x density would
    // be ESTIME; none is produced yet.
    b.set("Type de poids", "REEL");
    let interim = TreatmentOperation::get(&s.treatment).is_some_and(TreatmentOperation::is_interim);
    let (code_col, mode_col) = match direction {
        Direction::Outgoing => ("Code de traitement prévu", "Mode de traitement prévu"),
        Direction::Incoming => ("Code de traitement réalisé", "Mode de traitement"),
    };
    b.set(code_col, operation_code(&s.treatment));
    match s.treatment_mode.as_deref().and_then(mode) {
        Some(m) if !interim => b.set(mode_col, m),
        _ if interim => {}
        _ => b.miss(format!("{container}: treatment_mode")),
    }
    match direction {
        Direction::Outgoing => {
            b.set("SIRET de l'expéditeur ou du détenteur", siret);
            b.set("Date d'expédition", s.local_day.to_string());
            destination(&mut b, s);
            transporter(&mut b, s, "Approvisionnement direct (pipeline, convoyeur)");
        }
        Direction::Incoming => {
            b.set("SIRET du destinataire", siret);
            b.set("Date de réception", date.to_string());
            // The hour of the receiving site's own weighing, from its weighbridge's ticket; the
            // producer's container sensor is not it.
            match &s.reception {
                Some(r) => b.set("Heure de pesée", r.hour.clone()),
                None if WEIGHED_ON_RECEPTION.contains(&s.treatment.as_str()) => b.miss(no_weighing_hour(s)),
                None => {}
            }
            sender(&mut b, s);
            if interim {
                // Received for an interim operation: whether a break in traceability was
                // authorised (none is), and the operation planned next (`refineFollowing
                // TraceabilityInfos`, libs/back/registry/src/shared/refinement.ts).
                b.set("Rupture de traçabilité autorisée", "NON");
                match &s.next_treatment {
                    Some(next) => b.set("Code de traitement ultérieur prévu", operation_code(next)),
                    None => b.miss(format!(
                        "company {:?}: final_operations (the operation planned after {})",
                        s.destination_id,
                        operation_code(&s.treatment)
                    )),
                }
            }
            transporter(&mut b, s, "Approvisionnement direct");
        }
    }
    let slip = SlipType::of(&s.ewc, s.hazardous, s.pop);
    let slip_number = s.reception.as_ref().and_then(|r| r.slip_number.clone());
    Line { id, date, values: b.values, missing: b.missing, slip, slip_number }
}

/// What a line received for R1, D10 or D5 lacks without its weighbridge ticket, and the fix.
fn no_weighing_hour(s: &Shipment) -> String {
    let needs = format!(
        "Heure de pesée: company {:?} receives for {}, which requires the hour of its own weighbridge weighing",
        s.destination_id,
        operation_code(&s.treatment)
    );
    if s.destination_weighs {
        format!(
            "{needs}; no ticket of its weighbridge for container {:?} within 7 days after {} (import them: \
             `wasteflow register weighings`)",
            s.container_id, s.ts
        )
    } else {
        format!("{needs}; the registry has no weighbridge at its sites (a `[[weighbridges]]` entry)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tonnes_have_three_decimals_and_are_never_zero() {
        assert_eq!(tonnes(10_000_000_000), "10000.000");
        assert_eq!(tonnes(2_500_400), "2.500");
        assert_eq!(tonnes(2_500_600), "2.501");
        assert_eq!(tonnes(1_499), "0.001");
        assert_eq!(tonnes(1_500), "0.002");
        // Under half a kilogram: the smallest mass the format states, not 0.000.
        assert_eq!(tonnes(499), "0.001");
        assert_eq!(tonnes(1), "0.001");
    }

    /// A weighing at 01:30 in Paris on 1 April 2027 (23:30 UTC on 31 March): dated 1 April.
    fn just_after_local_midnight(ewc: &str, hazardous: bool) -> Shipment {
        Shipment {
            sensor_id: 1,
            ts: crate::calendar::Timestamp::from_millis(1_806_535_800_000),
            local_day: jiff::civil::date(2027, 4, 1),
            grams: 2_000_000,
            max_load_kg: Some(8_000.0),
            container_id: "ba-mixed-1".into(),
            company_id: "beton-artois".into(),
            company_name: Some("Béton d'Artois".into()),
            site_id: Some("ba-lievin".into()),
            site_siret: Some("52601815500014".into()),
            site_address: Some("Rue des Carrières, 62800 Liévin".into()),
            stream_id: "mixed".into(),
            description: Some("Mixed municipal-type waste".into()),
            ewc: ewc.into(),
            hazardous,
            pop: false,
            treatment: "D1".into(),
            treatment_mode: Some("disposal".into()),
            destination_id: "isdnd-artois".into(),
            next_treatment: None,
            operator: Some((
                "ISDND".into(),
                Some("62527601900019".into()),
                Some("Chemin du Terril, 62410 Hulluch".into()),
            )),
            dest_company: None,
            transporter_id: None,
            transporter: None,
            destination_weighs: false,
            reception: None,
        }
    }

    fn request(purpose: Purpose, import_on: Date) -> Request {
        let day = jiff::civil::date(2027, 4, 1);
        Request {
            siret: "52601815500014".into(),
            direction: Direction::Outgoing,
            purpose,
            from: day,
            to: day,
            import_on,
        }
    }

    #[test]
    fn a_line_dated_after_the_day_of_import_is_held_back_from_the_import_file() {
        let s = [just_after_local_midnight("20 03 01", false)];
        // Produced at 23:30 UTC on 31 March: the import would read 1 April as the future.
        let r = build(&request(Purpose::Import, jiff::civil::date(2027, 3, 31)), &s);
        assert!(r.lines.is_empty());
        let due = HeldBack::NotYetImportable { date: s[0].local_day, import_on: jiff::civil::date(2027, 3, 31) };
        assert_eq!(r.withheld, vec![Withheld { id: "wf-1-1806535800000".into(), why: due }]);
        assert_eq!(r.not_yet_importable().count(), 1);
        // Imported on 1 April (UTC) it goes in; the internal register has it whatever the day.
        assert_eq!(build(&request(Purpose::Import, jiff::civil::date(2027, 4, 1)), &s).lines.len(), 1);
        let internal = build(&request(Purpose::Internal, jiff::civil::date(2027, 3, 31)), &s);
        assert_eq!(internal.lines.len(), 1);
        assert_eq!(internal.lines[0].values.len(), internal.headers().len());
    }

    #[test]
    fn a_weighing_above_the_containers_load_makes_its_line_incomplete() {
        let day = jiff::civil::date(2027, 4, 1);
        // 2.000 t in an 8 t skip: plausible. 8.001 t (8,000,500 g rounds to 8.001): 1 kg over.
        // (The fixture names no transporter: that is missing in both lines.)
        let fits = build(&request(Purpose::Import, day), &[just_after_local_midnight("20 03 01", false)]);
        assert_eq!(fits.lines[0].missing, ["container \"ba-mixed-1\": transporter"]);
        let mut heavy = just_after_local_midnight("20 03 01", false);
        heavy.grams = 8_000_500;
        let r = build(&request(Purpose::Import, day), &[heavy]);
        assert_eq!(r.lines[0].missing.len(), 2, "{:?}", r.lines[0].missing);
        let missing = r.lines[0].missing.join("; ");
        assert!(missing.contains("8.001 t weighed, above the container's max_load_kg of 8 t"), "{missing}");
    }

    #[test]
    fn asbestos_is_left_out_as_a_bsda_not_a_bsdd() {
        let s = [just_after_local_midnight("17 06 05*", true)];
        let r = build(&request(Purpose::Import, jiff::civil::date(2027, 4, 1)), &s);
        assert!(r.lines.is_empty());
        assert_eq!(r.withheld[0].why, HeldBack::Traced(SlipType::Bsda));
        let internal = build(&request(Purpose::Internal, jiff::civil::date(2027, 4, 1)), &s);
        assert_eq!(internal.lines[0].values.last().map(String::as_str), Some(""));
        assert_eq!(internal.lines[0].values[internal.headers().len() - 2], "BSDA");
    }

    #[test]
    fn operation_codes_are_written_as_the_list_does() {
        assert_eq!(operation_code("R5"), "R 5");
        assert_eq!(operation_code("R13"), "R 13");
        assert_eq!(operation_code("D9F"), "D 9 F");
    }

    /// The value of `header` in the line.
    fn value<'a>(r: &'a Register, line: usize, header: &str) -> &'a str {
        let at = r.headers().iter().position(|h| *h == header).unwrap_or_else(|| panic!("no header {header}"));
        &r.lines[line].values[at]
    }

    #[test]
    fn a_received_line_takes_its_hour_day_mass_and_slip_number_from_the_destinations_weighbridge() {
        let day = jiff::civil::date(2027, 4, 1);
        let incoming =
            |purpose| Request { direction: Direction::Incoming, ..request(purpose, jiff::civil::date(2027, 4, 9)) };
        // Landfilled (D1 is not among R1, D10, D5): no hour needed without a weighbridge.
        let landfilled = just_after_local_midnight("20 03 01", false);
        let r = build(&incoming(Purpose::Import), std::slice::from_ref(&landfilled));
        assert!(!r.lines[0].missing.iter().any(|m| m.starts_with("Heure de pesée")), "{:?}", r.lines[0].missing);
        // D5: the hour is required; no weighbridge in the registry, then one without a ticket.
        let mut d5 = just_after_local_midnight("20 03 01", false);
        d5.treatment = "D5".into();
        let r = build(&incoming(Purpose::Import), std::slice::from_ref(&d5));
        assert_eq!(value(&r, 0, "Heure de pesée"), "");
        assert!(r.lines[0]
            .missing
            .iter()
            .any(|m| m.starts_with("Heure de pesée") && m.ends_with("(a `[[weighbridges]]` entry)")));
        d5.destination_weighs = true;
        let r = build(&incoming(Purpose::Import), std::slice::from_ref(&d5));
        assert!(r.lines[0]
            .missing
            .iter()
            .any(|m| m.contains("no ticket of its weighbridge for container \"ba-mixed-1\"")));
        // Its ticket: 2,480 kg at 00:20 local on 2 April, the day after the producer weighed
        // 2,000 kg at 01:30 on 1 April. The line is dated 2 April, at 00:20, 2.480 t.
        d5.reception = Some(crate::report::register::shipment::Reception {
            at: crate::calendar::Timestamp::from_millis(1_806_535_800_000 + 22 * 3_600_000 + 50 * 60_000),
            local_day: jiff::civil::date(2027, 4, 2),
            hour: "00:20".into(),
            grams: 2_480_000,
            weighbridge_id: "isdnd-pont-1".into(),
            slip_number: Some("BSD-20270401-7Q2X9".into()),
        });
        let r = build(&incoming(Purpose::Import), std::slice::from_ref(&d5));
        assert!(!r.lines[0].missing.iter().any(|m| m.starts_with("Heure de pesée")), "{:?}", r.lines[0].missing);
        assert_eq!(r.lines[0].date, jiff::civil::date(2027, 4, 2));
        assert_eq!(value(&r, 0, "Date de réception"), "2027-04-02");
        assert_eq!(value(&r, 0, "Heure de pesée"), "00:20");
        assert_eq!(value(&r, 0, "Poids en tonnes"), "2.480");
        // The internal register carries the ticket's slip number; the outgoing line keeps the
        // producer's own day and mass.
        let internal = build(&incoming(Purpose::Internal), std::slice::from_ref(&d5));
        assert_eq!(value(&internal, 0, "Numéro de bordereau de suivi"), "BSD-20270401-7Q2X9");
        let outgoing = build(&request(Purpose::Internal, day), std::slice::from_ref(&d5));
        assert_eq!(value(&outgoing, 0, "Date d'expédition"), "2027-04-01");
        assert_eq!(value(&outgoing, 0, "Poids en tonnes"), "2.000");
    }
}
