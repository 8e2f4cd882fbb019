//! `wasteflow report`: a company's year (`--company ID [--year YYYY]`) or the zone's monthly
//! bulletin (`--zone [--month YYYY-MM]`), as text, HTML, CSV or JSON. [`crate::report`] reads
//! the model and renders it; this prints what it returns.

use crate::config::Settings;
use crate::report::output::{OutputFormat, Report};
use crate::report::{company_year, zone_month, Period, ZoneTime};
use crate::store::connect;
use clap::{Args, ValueEnum};
use std::error::Error;
use std::io::Write as _;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Company id (a `[[companies]]` entry of the zone file): that company's year.
    #[arg(long, required_unless_present = "zone", conflicts_with = "zone")]
    pub company: Option<String>,
    /// With --company: the calendar year, in the zone's time zone (1970 to 9999); the current
    /// one by default.
    #[arg(long, value_parser = clap::value_parser!(i32).range(1970..=9999))]
    pub year: Option<i32>,
    /// The zone's monthly bulletin instead: every company's waste of --month together, each
    /// company's rates, the exchanges between them, the savings.
    #[arg(long, conflicts_with = "year")]
    pub zone: bool,
    /// With --zone: the local month, YYYY-MM; the current one by default.
    #[arg(long, conflicts_with = "company", value_parser = parse_month)]
    pub month: Option<Period>,
    /// text: the page on the terminal. html: one self-contained page (inline style and SVG
    /// charts; no script, style sheet or font fetched), to mail, archive or print on A4. csv:
    /// one row per figure (section,item,field,value,unit,json; comma-separated, RFC 4180).
    /// json: the report's model. All four carry the same figures.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Text,
    Html,
    Csv,
    Json,
}

impl From<FormatArg> for OutputFormat {
    fn from(f: FormatArg) -> OutputFormat {
        match f {
            FormatArg::Text => OutputFormat::Text,
            FormatArg::Html => OutputFormat::Html,
            FormatArg::Csv => OutputFormat::Csv,
            FormatArg::Json => OutputFormat::Json,
        }
    }
}

/// `--month`: YYYY-MM, by the calendar's one date parser; the error says what is wrong with it.
fn parse_month(text: &str) -> Result<Period, String> {
    use crate::calendar::{DateError, FIRST_YEAR, LAST_YEAR};
    Period::parse_month(text).map_err(|e| match e {
        DateError::Month { month, .. } => format!("there is no month {month}; write YYYY-MM"),
        DateError::Year { .. } => format!("the year must be between {FIRST_YEAR} and {LAST_YEAR}"),
        _ => "write the month as YYYY-MM, e.g. 2025-11".to_string(),
    })
}

pub async fn run(settings: &Settings, args: ReportArgs) -> Result<ExitCode, Box<dyn Error>> {
    let db = connect(&settings.database).await?;
    let report = read(&db.client, &args).await;
    db.close().await;
    let text = report?.render(args.format.into());
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The report the arguments ask for; the current year or month by default.
async fn read(client: &tokio_postgres::Client, args: &ReportArgs) -> Result<Report, Box<dyn Error>> {
    let today = || async { ZoneTime::read(client).await?.today(client).await };
    if let Some(company) = &args.company {
        let year = match args.year {
            Some(y) => y,
            None => i32::from(today().await?.year()),
        };
        return Ok(Report::Company(company_year::read(client, company, year).await?));
    }
    let month = match args.month {
        Some(m) => m,
        None => {
            let d = today().await?;
            Period::Month { year: i32::from(d.year()), month: d.month() as u32 }
        }
    };
    Ok(Report::Zone(zone_month::read(client, month).await?))
}
