//! Writing a register: CSV as the national import reads it (`;`-separated, UTF-8, CRLF, the
//! header row first; Trackdéchets `libs/back/registry/src/options.ts`, `CSV_DELIMITER`), and
//! the internal register as JSON.

use super::columns::DELIMITER;
use super::lines::Register;
use std::io::{self, Write};

impl Register {
    /// CSV with the import's delimiter, the header row first, fields quoted (RFC 4180) when they
    /// hold the delimiter, a quote, a line break, or begin or end with a space.
    pub fn write_csv(&self, w: &mut impl Write) -> io::Result<()> {
        write_record(w, self.headers().iter().copied())?;
        for line in &self.lines {
            write_record(w, line.values.iter().map(String::as_str))?;
        }
        Ok(())
    }

    /// `{register, for, siret, headers, lines: [{header: value or null}], incomplete: [{id,
    /// missing}]}`: the internal register for programs. The national import takes CSV or Excel
    /// files only, so there is no JSON import file (docs/register.md, "JSON").
    pub fn to_json(&self) -> serde_json::Value {
        let headers = self.headers();
        let lines: Vec<serde_json::Value> = self
            .lines
            .iter()
            .map(|l| {
                let object: serde_json::Map<String, serde_json::Value> = headers
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
            "for": self.purpose.name(),
            "siret": self.siret,
            "headers": headers,
            "lines": lines,
            "incomplete": incomplete,
        })
    }
}

/// One CSV record and its CRLF.
pub fn write_record<'a>(w: &mut impl Write, fields: impl Iterator<Item = &'a str>) -> io::Result<()> {
    let delimiter = char::from(DELIMITER);
    let mut first = true;
    for f in fields {
        if !first {
            w.write_all(&[DELIMITER])?;
        }
        first = false;
        if f.contains([delimiter, '"', '\n', '\r']) || f.starts_with(' ') || f.ends_with(' ') {
            write!(w, "\"{}\"", f.replace('"', "\"\""))?;
        } else {
            w.write_all(f.as_bytes())?;
        }
    }
    w.write_all(b"\r\n")
}

#[cfg(test)]
mod tests {
    use super::write_record;

    #[test]
    fn csv_is_semicolon_separated_and_quotes_what_needs_it() {
        let mut out = Vec::new();
        let fields = ["a", "b;c", "d,e", "say \"x\"", "Raison sociale de l’éco-organisme "];
        write_record(&mut out, fields.into_iter()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a;\"b;c\";d,e;\"say \"\"x\"\"\";\"Raison sociale de l’éco-organisme \"\r\n"
        );
    }
}
