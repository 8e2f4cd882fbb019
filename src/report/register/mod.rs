//! The waste register (registre chronologique, arrêté of 31 May 2021): one line per shipment,
//! a weighing of a container leaving for its destination, in the columns of the national
//! register's import (Trackdéchets). Two documents from the same lines (docs/register.md):
//! - the **import file**, for the national register: CSV with `;`, only the lines the import
//!   accepts and the national register does not already get from Trackdéchets' own slips;
//! - the **internal register**, the site's own chronological register: every line, the
//!   slip-traced ones included, with the slip type in two added columns.

pub mod columns;
mod builder;
mod lines;
mod output;
mod parties;
mod queries;
pub(crate) mod shipment;
mod traced;
pub mod weighings;

use crate::calendar::Date;
pub use lines::{HeldBack, Line, Register, Withheld};
pub use output::write_record;
pub use queries::export;
pub use traced::SlipType;

/// Which register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Waste leaving a producer's site (registre des déchets sortants).
    Outgoing,
    /// Waste received by a site for treatment (registre des déchets entrants).
    Incoming,
}

impl Direction {
    /// The national format's headers, in order.
    pub fn headers(self) -> &'static [&'static str] {
        match self {
            Direction::Outgoing => &columns::OUTGOING,
            Direction::Incoming => &columns::INCOMING,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Direction::Outgoing => "outgoing",
            Direction::Incoming => "incoming",
        }
    }
}

/// Which document the lines are written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The file for the national register's import: lines traced by a Trackdéchets slip are
    /// left out (Trackdéchets declares them itself, code de l'environnement R. 541-45 III), and
    /// lines the import would read as dated in the future are held back.
    Import,
    /// The site's own chronological register: every line, with the slip type.
    Internal,
}

impl Purpose {
    pub fn name(self) -> &'static str {
        match self {
            Purpose::Import => "import",
            Purpose::Internal => "internal",
        }
    }
}

/// What to export: one site's register over local days `from` to `to`, both included.
#[derive(Debug, Clone)]
pub struct Request {
    /// The SIRET of a `[[sites]]` entry.
    pub siret: String,
    pub direction: Direction,
    pub purpose: Purpose,
    pub from: Date,
    pub to: Date,
    /// The UTC day the import file will be imported: the import reads a date as that day's
    /// midnight UTC and refuses one after the moment it runs (docs/register.md, "Dates"), so a
    /// line dated after `import_on` is held back from the import file. Unused for the internal
    /// register.
    pub import_on: Date,
}
