//! `wasteflow register export`: a site's waste register in the national import format
//! (docs/register.md).

use crate::config::Settings;
use crate::report::register::{check_date, export, Direction};
use crate::zone::check_siret;
use clap::{Subcommand, ValueEnum};
use std::error::Error;
use std::io::Write;
use std::process::ExitCode;

/// Exit code when the register was written but some lines lack a mandatory value (and
/// `--allow-incomplete` was not given): distinct from 1 (failure) and 64 (usage).
pub const EX_INCOMPLETE: u8 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The national import format: RFC 4180 CSV, comma-separated, UTF-8, header row first.
    Csv,
    /// The same columns as JSON objects, with the incomplete lines listed.
    Json,
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
        direction: Direction,
        /// First day, YYYY-MM-DD, local (Europe/Paris).
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD, local (Europe/Paris), included.
        #[arg(long)]
        to: String,
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
        /// Exit 0 even if some lines are incomplete (they are still listed on stderr).
        #[arg(long)]
        allow_incomplete: bool,
    },
}

type Outcome = Result<ExitCode, Box<dyn Error>>;

pub async fn run(action: RegisterAction, settings: Settings) -> Outcome {
    let RegisterAction::Export { site, direction, from, to, format, allow_incomplete } = action;
    let usage = check_siret(&site)
        .map_err(|why| format!("--site: {why}"))
        .and_then(|()| check_date(&from).map_err(|why| format!("--from: {why}")))
        .and_then(|()| check_date(&to).map_err(|why| format!("--to: {why}")))
        .and_then(|()| if from <= to { Ok(()) } else { Err(format!("--from {from} is after --to {to}")) });
    if let Err(why) = usage {
        eprintln!("error: {why}");
        return Ok(ExitCode::from(super::EX_USAGE));
    }
    let db = crate::store::connect(&settings.database).await?;
    let limit = settings.database.statement_timeout;
    let register = export(&db.client, &site, direction, &from, &to, limit).await;
    db.close().await;
    let register = register?;
    let mut out = std::io::stdout().lock();
    match format {
        Format::Csv => register.write_csv(&mut out)?,
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&register.to_json())?)?,
    }
    out.flush()?;
    let incomplete: Vec<_> = register.incomplete().collect();
    if incomplete.is_empty() {
        eprintln!("register {}: {} line(s), all complete", direction.name(), register.lines.len());
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "register {}: {} line(s), {} incomplete (a mandatory value is missing; fill the registry field named, \
         then `wasteflow registry sync` and export again):",
        direction.name(),
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
    Ok(if allow_incomplete { ExitCode::SUCCESS } else { ExitCode::from(EX_INCOMPLETE) })
}
