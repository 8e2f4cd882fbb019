//! Register lines in the national format's columns, what each lacks, and the CSV and JSON
//! outputs. Values follow the import's conventions (Trackdéchets, `libs/back/registry/src/
//! shared/schemas.ts`): OUI/NON, REEL/ESTIME, dates `YYYY-MM-DD`, tonnes with at most three
//! decimals, operation codes written "R 5", actor type ETABLISSEMENT_FR, country code FR.

use super::shipment::{Shipment, Transporter};
use super::Direction;
use crate::zone::{split_address, treatment_class, TreatmentClass, TreatmentMode};
use std::io::{self, Write};

/// One shipment's line: a value per header, and the registry fields to fill for what is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// "Identifiant unique": `wf-<sensor id>-<epoch ms>`, the same at every export.
    pub id: String,
    /// Aligned with [`Direction::headers`]; empty when the column has no value.
    pub values: Vec<String>,
    /// Each missing mandatory value, named with the registry field that fills it.
    pub missing: Vec<String>,
}

/// A site's register over a period.
#[derive(Debug, Clone)]
pub struct Register {
    pub direction: Direction,
    pub siret: String,
    pub lines: Vec<Line>,
}

impl Register {
    pub fn headers(&self) -> &'static [&'static str] {
        self.direction.headers()
    }

    pub fn incomplete(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter().filter(|l| !l.missing.is_empty())
    }

    /// RFC 4180 CSV, comma-separated, the header row first.
    pub fn write_csv(&self, w: &mut impl Write) -> io::Result<()> {
        write_record(w, self.headers().iter().copied())?;
        for line in &self.lines {
            write_record(w, line.values.iter().map(String::as_str))?;
        }
        Ok(())
    }

    /// `{register, siret, headers, lines: [{header: value or null}], incomplete: [{id, missing}]}`.
    pub fn to_json(&self) -> serde_json::Value {
        let lines: Vec<serde_json::Value> = self
            .lines
            .iter()
            .map(|l| {
                let object: serde_json::Map<String, serde_json::Value> = self
                    .headers()
                    .iter()
                    .zip(&l.values)
                    .map(|(h, v)| {
                        let value = if v.is_empty() { serde_json::Value::Null } else { v.clone().into() };
                        (h.to_string(), value)
                    })
                    .collect();
                object.into()
            })
            .collect();
        let incomplete: Vec<serde_json::Value> =
            self.incomplete().map(|l| serde_json::json!({"id": l.id, "missing": l.missing})).collect();
        serde_json::json!({
            "register": self.direction.name(),
            "siret": self.siret,
            "headers": self.headers(),
            "lines": lines,
            "incomplete": incomplete,
        })
    }
}

fn write_record<'a>(w: &mut impl Write, fields: impl Iterator<Item = &'a str>) -> io::Result<()> {
    let mut first = true;
    for f in fields {
        if !first {
            w.write_all(b",")?;
        }
        first = false;
        if f.contains([',', '"', '\n', '\r']) || f.starts_with(' ') || f.ends_with(' ') {
            write!(w, "\"{}\"", f.replace('"', "\"\""))?;
        } else {
            w.write_all(f.as_bytes())?;
        }
    }
    w.write_all(b"\r\n")
}

/// Builds the lines of `shipments` for the site `siret`.
pub(super) fn build(direction: Direction, siret: &str, shipments: &[Shipment]) -> Register {
    let lines = shipments.iter().map(|s| line(direction, siret, s)).collect();
    Register { direction, siret: siret.to_string(), lines }
}

struct Builder {
    headers: &'static [&'static str],
    values: Vec<String>,
    missing: Vec<String>,
}

impl Builder {
    fn set(&mut self, header: &str, value: impl Into<String>) {
        let i = self.headers.iter().position(|h| *h == header);
        debug_assert!(i.is_some(), "no column {header:?}");
        if let Some(i) = i {
            self.values[i] = value.into();
        }
    }

    fn miss(&mut self, what: String) {
        if !self.missing.contains(&what) {
            self.missing.push(what);
        }
    }
}

fn oui(b: bool) -> &'static str {
    if b {
        "OUI"
    } else {
        "NON"
    }
}

/// Grams to tonnes, rounded to the kilogram (the format takes three decimals).
pub fn tonnes(grams: i64) -> String {
    let kg = (grams + 500).div_euclid(1000);
    let sign = if kg < 0 { "-" } else { "" };
    format!("{sign}{}.{:03}", kg.abs() / 1000, kg.abs() % 1000)
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

fn line(direction: Direction, siret: &str, s: &Shipment) -> Line {
    let headers = direction.headers();
    let mut b = Builder { headers, values: vec![String::new(); headers.len()], missing: Vec::new() };
    let id = format!("wf-{}-{}", s.sensor_id, s.ts_ms);
    let container = format!("container {:?}", s.container_id);
    b.set("Identifiant unique", id.clone());
    match &s.description {
        Some(d) => b.set("Dénomination du déchet", d.clone()),
        None => b.miss(format!("stream {:?}: description", s.stream_id)),
    }
    b.set("Code déchet", s.ewc.clone());
    b.set("POP", oui(s.pop));
    b.set("Dangereux", oui(s.hazardous));
    b.set("Poids en tonnes", tonnes(s.grams));
    // Every mass today is a sensor weighing. A mass derived from fill x volume x density would
    // be ESTIME; none is produced yet.
    b.set("Type de poids", "REEL");
    if s.hazardous {
        b.miss(
            "BSDD: a hazardous shipment travels under a Trackdéchets tracking slip (BSDD) whose number the registry \
             does not hold; declare it in Trackdéchets"
                .to_string(),
        );
    }
    // The operation: planned (outgoing) or done (incoming), and its mode unless interim.
    let (code_col, mode_col) = match direction {
        Direction::Outgoing => ("Code de traitement prévu", "Mode de traitement prévu"),
        Direction::Incoming => ("Code de traitement réalisé", "Mode de traitement"),
    };
    b.set(code_col, operation_code(&s.treatment));
    match s.treatment_mode.as_deref().and_then(mode) {
        Some(m) => b.set(mode_col, m),
        None if treatment_class(&s.treatment) == Ok(TreatmentClass::Interim) => {}
        None => b.miss(format!("{container}: treatment_mode")),
    }
    match direction {
        Direction::Outgoing => {
            b.set("SIRET de l'expéditeur ou du détenteur", siret);
            b.set("Date d'expédition", s.local_day.clone());
            destination(&mut b, s);
        }
        Direction::Incoming => {
            b.set("SIRET du destinataire", siret);
            b.set("Date de réception", s.local_day.clone());
            b.set("Heure de pesée", s.local_time.clone());
            let site = format!("site {:?}", s.site_id.as_deref().unwrap_or("?"));
            b.set("Type d'expéditeur", "ETABLISSEMENT_FR");
            match &s.site_siret {
                Some(x) => b.set("Numéro d'identification de l'expéditeur", x.clone()),
                None => b.miss(format!("{site}: siret")),
            }
            match &s.company_name {
                Some(n) => b.set("Raison sociale de l'expéditeur", n.clone()),
                None => b.miss(format!("company {:?}: name", s.company_id)),
            }
            address(
                &mut b,
                s.site_address.as_deref(),
                &format!("{site}: address"),
                [
                    "Libellé de l'adresse de l'expéditeur",
                    "Code postal de l'expéditeur",
                    "Commune de l'expéditeur",
                    "Code pays de l'expéditeur",
                ],
            );
        }
    }
    transporter(&mut b, s, &container);
    Line { id, values: b.values, missing: b.missing }
}

/// Writes an address's four columns, or names the field to fill.
fn address(b: &mut Builder, address: Option<&str>, field: &str, cols: [&str; 4]) {
    match address.map(split_address) {
        None => b.miss(field.to_string()),
        Some(Err(why)) => b.miss(format!("{field} ({why})")),
        Some(Ok(a)) => {
            b.set(cols[0], a.label);
            b.set(cols[1], a.postcode);
            b.set(cols[2], a.town);
            b.set(cols[3], "FR");
        }
    }
}

fn destination(b: &mut Builder, s: &Shipment) {
    const COLS: [&str; 4] = [
        "Libellé de l'adresse du destinataire",
        "Code postal du destinataire",
        "Commune du destinataire",
        "Code pays du destinataire",
    ];
    b.set("Type de destinataire", "ETABLISSEMENT_FR");
    if let Some((name, siret, addr)) = &s.operator {
        let entry = format!("operator {:?}", s.destination_id);
        b.set("Raison sociale du destinataire", name.clone());
        match siret {
            Some(x) => b.set("Numéro d'identification du destinataire", x.clone()),
            None => b.miss(format!("{entry}: siret")),
        }
        address(b, addr.as_deref(), &format!("{entry}: address"), COLS);
    } else if let Some((name, sites)) = &s.dest_company {
        let entry = format!("company {:?}", s.destination_id);
        b.set("Raison sociale du destinataire", name.clone());
        match sites.as_slice() {
            [(siret, addr)] => {
                b.set("Numéro d'identification du destinataire", siret.clone());
                address(b, Some(addr), &format!("{entry}: its site's address"), COLS);
            }
            [] => b.miss(format!("{entry}: no site; add a [[sites]] entry (siret, address) where it receives")),
            _ => b.miss(format!(
                "{entry}: {} sites; the registry cannot tell which receives (name the operator plant as an operator)",
                sites.len()
            )),
        }
    } else {
        b.miss(format!("container {:?}: destination {:?} is not in the registry", s.container_id, s.destination_id));
    }
}

fn transporter(b: &mut Builder, s: &Shipment, container: &str) {
    // Treated where it was produced (its own company, which has that one site): nothing is
    // carried on the road. A company with several sites sends between them by road.
    let one_site = s.dest_company.as_ref().is_some_and(|(_, sites)| sites.len() == 1);
    if s.destination_id == s.company_id && one_site {
        return;
    }
    let Some(id) = &s.transporter_id else {
        b.miss(format!("{container}: transporter"));
        return;
    };
    let entry = format!("transporter {id:?}");
    let Some(Transporter { name, siret, address: addr, receipt_number, receipt_valid_until, receipt_exempt }) =
        &s.transporter
    else {
        b.miss(format!("{entry}: not in the registry ([[transporters]])"));
        return;
    };
    b.set("Mode de transport du transporteur n°1", "ROUTE");
    b.set("Type de transporteur n°1", "ETABLISSEMENT_FR");
    b.set("Numéro d'identification du transporteur n°1", siret.clone());
    b.set("Raison sociale du transporteur n°1", name.clone());
    address(
        b,
        Some(addr),
        &format!("{entry}: address"),
        [
            "Libellé de l'adresse du transporteur n°1",
            "Code postal du transporteur n°1",
            "Commune du transporteur n°1",
            "Code pays du transporteur n°1",
        ],
    );
    b.set("Exemption de récépissé du transporteur n°1", oui(*receipt_exempt));
    if !receipt_exempt {
        match receipt_number {
            Some(n) => b.set("Numéro de récépissé du transporteur n°1", n.clone()),
            None => b.miss(format!("{entry}: receipt_number")),
        }
        if let Some(until) = receipt_valid_until {
            // Both YYYY-MM-DD: the text order is the calendar order.
            if until.as_str() < s.local_day.as_str() {
                b.miss(format!("{entry}: receipt_valid_until (expired on {until}, shipment on {})", s.local_day));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tonnes_have_three_decimals() {
        assert_eq!(tonnes(10_000_000_000), "10000.000");
        assert_eq!(tonnes(2_500_400), "2.500");
        assert_eq!(tonnes(2_500_600), "2.501");
        assert_eq!(tonnes(0), "0.000");
    }

    #[test]
    fn operation_codes_are_written_as_the_list_does() {
        assert_eq!(operation_code("R5"), "R 5");
        assert_eq!(operation_code("R13"), "R 13");
        assert_eq!(operation_code("D9F"), "D 9 F");
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        let mut out = Vec::new();
        write_record(&mut out, ["a", "b,c", "say \"x\"", "Raison sociale de l’éco-organisme "].into_iter()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a,\"b,c\",\"say \"\"x\"\"\",\"Raison sociale de l’éco-organisme \"\r\n"
        );
    }
}
