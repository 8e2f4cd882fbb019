//! The waste register (registre chronologique, arrêté of 31 May 2021), exported in the national
//! register's import format: one line per shipment, a weighing of a container leaving for its
//! destination. See docs/register.md.

pub mod columns;
mod lines;
mod query;
mod shipment;

pub use lines::{Line, Register};
pub use query::{export, RegisterError};

/// Which register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
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

/// Checks a local calendar date written `YYYY-MM-DD` (the database checks the calendar).
pub fn check_date(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(format!("{s:?} is not a date; write YYYY-MM-DD (a local date of the zone's time zone, [zone] time_zone)"))
    }
}
