//! `wasteflow register export`: a site's waste register, as the file for the national
//! register's import or as the site's internal register (docs/register.md).

use crate::calendar::{parse_date, Date};
use crate::config::Settings;
use crate::report::register::{export, Direction, HeldBack, Purpose, Register, Request};
use crate::zone::check_siret;
use clap::{Subcommand, ValueEnum};
use std::error::Error;
use std::io::Write;
use std::process::ExitCode;

mod weighings;

/// Exit code when the register was written but some lines lack a mandatory value, or are held
/// back from the import file until their date (and `--allow-incomplete` was not given):
/// distinct from 1 (failure) and 64 (usage).
pub const EX_INCOMPLETE: u8 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// CSV as the national import reads it: `;`-separated, UTF-8, CRLF, header row first.
    Csv,
    /// The internal register's columns as JSON objects, with the incomplete lines listed
    /// (internal register only: the import takes CSV or Excel files).
    Json,
}

/// Which register (`report::register::Direction`, as the command line names it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DirectionArg {
    /// Waste leaving a producer's site (registre des déchets sortants).
    Outgoing,
    /// Waste received by a site for treatment (registre des déchets entrants).
    Incoming,
}

impl From<DirectionArg> for Direction {
    fn from(d: DirectionArg) -> Direction {
        match d {
            DirectionArg::Outgoing => Direction::Outgoing,
            DirectionArg::Incoming => Direction::Incoming,
        }
    }
}

/// Which document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum For {
    /// The file for the national register's import (Trackdéchets): shipments traced by a
    /// Trackdéchets slip (BSDD, BSDA, BSFF...) are left out, since Trackdéchets declares them.
    Import,
    /// The site's own chronological register (arrêté of 31 May 2021): every shipment, with the
    /// slip type of those a Trackdéchets slip traces.
    Internal,
}

#[derive(Debug, Subcommand)]
pub enum RegisterAction {
    /// Write a site's outgoing or incoming register (one line per weighed shipment) to stdout.
    /// Incomplete lines are written too, listed on stderr with the registry field to fill, and
    /// the exit code is 3 unless --allow-incomplete.
    Export {
        /// SIRET of the site (a `[[sites]]` entry of the zone file).
        #[arg(long)]
        site: String,
        #[arg(long, value_enum)]
        direction: DirectionArg,
        /// First day, YYYY-MM-DD, local (the zone's time zone).
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD, local (the zone's time zone), included.
        #[arg(long)]
        to: String,
        /// The document: the national import's file, or the site's internal register.
        #[arg(long = "for", value_enum, default_value = "import")]
        purpose: For,
        /// The day (YYYY-MM-DD, UTC) the file will be imported; default today (UTC). The import
        /// refuses a date after the moment it runs: lines dated later are held back (exit 3).
        #[arg(long)]
        import_on: Option<String>,
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
        /// Exit 0 even if some lines are incomplete or held back (they are still listed on
        /// stderr).
        #[arg(long)]
        allow_incomplete: bool,
    },
    /// Import a weighbridge's tickets: the receiving site's own weighings, from which the
    /// incoming register takes "Heure de pesée" and the slip number (docs/register.md,
    /// "Weighing at the destination"). All or nothing; a ticket imported again is kept once.
    Weighings {
        /// The weighbridge: the id of a `[[weighbridges]]` entry of the zone file.
        #[arg(long)]
        weighbridge: String,
        /// The tickets, `-` for standard input: one a line, `;`-separated, a header naming
        /// container;weighed_at;net_kg and optionally slip_number (weighed_at in RFC 3339 with
        /// its offset, net_kg in kilograms).
        file: std::path::PathBuf,
    },
}

type Outcome = Result<ExitCode, Box<dyn Error>>;

/// Why the options describe no register to export: printed as the usage error (exit 64).
#[derive(Debug, thiserror::Error)]
enum UsageError {
    #[error("--site: {0}")]
    Site(crate::zone::FieldError),
    /// `option` is the flag, e.g. "--from".
    #[error("{option}: {why}{}", if *.local { " (a local date of the zone's time zone, [zone] time_zone)" } else { "" })]
    Date { option: &'static str, why: crate::calendar::DateError, local: bool },
    #[error("--from {from} is after --to {to}")]
    FromAfterTo { from: String, to: String },
    #[error(
        "--format json: the national import takes CSV or Excel files only; use --format csv, \
         or --for internal --format json for the internal register"
    )]
    JsonForImport,
}

/// The request the options describe, or the usage error to print.
fn request(action: &RegisterAction) -> Result<Request, UsageError> {
    let RegisterAction::Export { site, direction, from, to, purpose, import_on, format, .. } = action else {
        unreachable!("request() is asked of an export only")
    };
    check_siret(site).map_err(UsageError::Site)?;
    let day = |option, text: &str, local| parse_date(text).map_err(|why| UsageError::Date { option, why, local });
    let from_day = day("--from", from, true)?;
    let to_day = day("--to", to, true)?;
    if from_day > to_day {
        return Err(UsageError::FromAfterTo { from: from.clone(), to: to.clone() });
    }
    let import_on = match import_on {
        Some(text) => day("--import-on", text, false)?,
        None => today_utc(),
    };
    let purpose = match purpose {
        For::Import => Purpose::Import,
        For::Internal => Purpose::Internal,
    };
    if purpose == Purpose::Import && *format == Format::Json {
        return Err(UsageError::JsonForImport);
    }
    Ok(Request {
        siret: site.clone(),
        direction: Direction::from(*direction),
        purpose,
        from: from_day,
        to: to_day,
        import_on,
    })
}

/// Today's date in UTC: the day the import compares a line's date with.
fn today_utc() -> Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

pub async fn run(action: RegisterAction, settings: Settings) -> Outcome {
    match action {
        RegisterAction::Weighings { weighbridge, file } => weighings::run(&weighbridge, &file, settings).await,
        export @ RegisterAction::Export { .. } => run_export(export, settings).await,
    }
}

async fn run_export(action: RegisterAction, settings: Settings) -> Outcome {
    let request = match request(&action) {
        Ok(r) => r,
        Err(why) => {
            eprintln!("error: {why}");
            return Ok(ExitCode::from(super::EX_USAGE));
        }
    };
    let RegisterAction::Export { format, allow_incomplete, .. } = action else { unreachable!("an export") };
    let db = crate::store::connect(&settings.database).await?;
    let limit = settings.database.statement_timeout;
    let register = export(&db.client, &request, limit).await;
    db.close().await;
    let register = register?;
    let mut out = std::io::stdout().lock();
    match format {
        Format::Csv => register.write_csv(&mut out)?,
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&register.to_json())?)?,
    }
    out.flush()?;
    let attention = summarise(&register);
    Ok(if attention && !allow_incomplete { ExitCode::from(EX_INCOMPLETE) } else { ExitCode::SUCCESS })
}

/// The summary on stderr; whether something needs attention (incomplete or held-back lines).
fn summarise(register: &Register) -> bool {
    let name = format!("register {} ({})", register.direction.name(), register.purpose.name());
    let traced = register.withheld.iter().filter(|w| matches!(w.why, HeldBack::Traced(_))).count();
    if traced > 0 {
        eprintln!(
            "{name}: {traced} line(s) traced by a Trackdéchets slip left out (Trackdéchets declares them; \
             they are in --for internal)"
        );
    }
    let later: Vec<_> = register.not_yet_importable().collect();
    for w in &later {
        if let HeldBack::NotYetImportable { date, import_on } = w.why {
            eprintln!(
                "  held back {}: dated {date}, after the day of import {import_on} (UTC); the import would read \
                 it as in the future: export it again on or after {date}",
                w.id
            );
        }
    }
    let incomplete: Vec<_> = register.incomplete().collect();
    if incomplete.is_empty() {
        eprintln!("{name}: {} line(s), all complete", register.lines.len());
        return !later.is_empty();
    }
    eprintln!(
        "{name}: {} line(s), {} incomplete (a mandatory value is missing; fill the registry field named, \
         then `wasteflow registry sync` and export again):",
        register.lines.len(),
        incomplete.len()
    );
    // One summary line per distinct missing field, with how many lines it leaves incomplete.
    let mut fields: Vec<(&str, usize)> = Vec::new();
    for line in &incomplete {
        for m in &line.missing {
            match fields.iter_mut().find(|(f, _)| f == m) {
                Some((_, n)) => *n += 1,
                None => fields.push((m, 1)),
            }
        }
    }
    for (field, n) in &fields {
        eprintln!("  {n} line(s): {field}");
    }
    for line in &incomplete {
        eprintln!("  incomplete {}: {}", line.id, line.missing.join("; "));
    }
    true
}
