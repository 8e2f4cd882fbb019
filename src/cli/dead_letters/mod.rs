//! `wasteflow dead-letters list|show|replay`.

mod filter;
mod replay;

use crate::calendar::Timestamp;
use crate::config::Settings;
use crate::store::{connect, dead_letter, dead_letters_page, DeadLetter};
use crate::zone::Zone;
use clap::Subcommand;
use filter::FilterArgs;
use std::error::Error;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum DeadLetterAction {
    /// One line per dead letter, oldest first.
    List {
        #[command(flatten)]
        filter: FilterArgs,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// One dead letter whole: its columns, the payload as hex, the frame as JSON if it decodes.
    Show {
        /// The dead letter's id (first column of `list`).
        id: i64,
    },
    /// Run dead letters through today's configuration and registry; store what is accepted
    /// now, exactly once, and mark those replayed. The last line is a JSON summary.
    Replay {
        #[command(flatten)]
        filter: FilterArgs,
        /// Print what would be stored or still refused; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

type Outcome = Result<ExitCode, Box<dyn Error>>;

/// Runs one `dead-letters` subcommand.
pub async fn run(action: DeadLetterAction, settings: Settings, zone: Zone) -> Outcome {
    let now = Timestamp::now();
    match action {
        DeadLetterAction::List { filter, limit } => {
            let filter = match filter.to_filter(now) {
                Ok(f) => f,
                Err(e) => return usage(e),
            };
            let db = connect(&settings.database).await?;
            let rows = dead_letters_page(&db.client, &filter, 0, i64::MAX, limit.max(0), timeout(&settings)).await?;
            println!("id\treceived_at\tstate\treason\tindex\ttopic\tdetail");
            for d in &rows {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    d.id,
                    time(d.received),
                    state(d),
                    d.reason,
                    d.reading_index,
                    d.topic,
                    d.detail
                );
            }
            println!("{} dead letter(s)", rows.len());
            db.close().await;
            Ok(ExitCode::SUCCESS)
        }
        DeadLetterAction::Show { id } => {
            let db = connect(&settings.database).await?;
            let found = dead_letter(&db.client, id, timeout(&settings)).await?;
            db.close().await;
            let Some(d) = found else {
                eprintln!("error: no dead letter {id}");
                return Ok(ExitCode::FAILURE);
            };
            show(&d);
            Ok(ExitCode::SUCCESS)
        }
        DeadLetterAction::Replay { filter, dry_run } => {
            let filter = match filter.to_filter(now) {
                Ok(f) => f,
                Err(e) => return usage(e),
            };
            replay::replay(&settings, zone, &filter, dry_run).await
        }
    }
}

fn usage(e: filter::FilterError) -> Outcome {
    eprintln!("error: {e}");
    Ok(ExitCode::from(super::EX_USAGE))
}

/// Listing and replay read many rows: the statement timeout, but at least a minute.
fn timeout(s: &Settings) -> std::time::Duration {
    s.database.statement_timeout.max(std::time::Duration::from_secs(60))
}

/// As RFC 3339 to the millisecond, always with its three decimals.
fn time(t: Timestamp) -> String {
    humantime::format_rfc3339_millis(t.system_time()).to_string()
}

fn state(d: &DeadLetter) -> String {
    match d.replayed {
        Some(t) => format!("replayed {}", time(t)),
        None => "pending".to_string(),
    }
}

fn show(d: &DeadLetter) {
    println!("id: {}", d.id);
    println!("received_at: {}", time(d.received));
    println!("state: {}", state(d));
    println!("reason: {}", d.reason);
    println!("detail: {}", d.detail);
    println!("topic: {}", d.topic);
    println!("gateway: {}", d.gateway.as_deref().unwrap_or("-"));
    println!("company: {}", d.company.as_deref().unwrap_or("-"));
    let index = if d.reading_index < 0 { "whole message".to_string() } else { d.reading_index.to_string() };
    println!("reading_index: {index}");
    println!("payload ({} bytes): {}", d.payload.len(), hex::encode(&d.payload));
    match crate::wire::decode(&d.payload) {
        Ok(frame) => match serde_json::to_string_pretty(&frame) {
            Ok(json) => println!("frame: {json}"),
            Err(e) => println!("frame: not printable: {e}"),
        },
        Err(e) => println!("frame: does not decode: {e} ({})", e.reason()),
    }
}
