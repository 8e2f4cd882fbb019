//! What is wrong with a registry file: every problem, each with its place.

use std::fmt;

/// One problem of a registry file: where it is and why. Shown as `file: entry: field: why`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneProblem {
    pub file: String,
    /// The entry concerned (`container "c"`, `gateway "g" sensor 3`); none for the whole file.
    pub entry: Option<String>,
    /// The field of the entry; none for the whole entry or file.
    pub field: Option<String>,
    /// What is wrong, and how to fix it.
    pub why: String,
}

impl ZoneProblem {
    /// A problem with the file as a whole (unreadable, not TOML).
    pub fn in_file(file: &str, why: String) -> ZoneProblem {
        ZoneProblem { file: file.to_string(), entry: None, field: None, why }
    }
}

impl fmt::Display for ZoneProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.file)?;
        if let Some(entry) = &self.entry {
            write!(f, "{entry}: ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.why)
    }
}

/// Every problem of a registry file.
#[derive(Debug, Clone, thiserror::Error)]
pub struct ZoneErrors(pub Vec<ZoneProblem>);

impl fmt::Display for ZoneErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid zone registry ({} problem(s)):", self.0.len())?;
        for p in &self.0 {
            writeln!(f, "  - {p}")?;
        }
        Ok(())
    }
}
