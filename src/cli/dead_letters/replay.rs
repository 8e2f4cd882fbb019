//! `dead-letters replay`: each pending dead letter through [`check_message`] with today's
//! topic layout, registry (with the ids of its last synchronisation) and limits (now = the time of the replay), and what is accepted
//! through the exactly-once [`Writer`], which marks the dead letter replayed in the same
//! transaction. A dead letter still refused whole stays pending and is not written again.

use crate::batch::{Batch, Checks};
use crate::calendar::Timestamp;
use crate::config::Settings;
use crate::store::{
    count_stored, dead_letters_page, isolate, last_dead_letter_id, load_ids, Connector, DeadLetter, DeadLetterFilter,
    Writer,
};
use crate::validate::{check_message, Checked};
use crate::wire::{Rejection, TopicLayout};
use crate::zone::Zone;
use serde::Serialize;
use std::collections::BTreeMap;
use std::error::Error;
use std::process::ExitCode;
use std::sync::Arc;

/// Dead letters read per page.
const PAGE: i64 = 200;

/// The last line of `replay`, as JSON. In a dry run, what would happen.
#[derive(Debug, Default, Serialize)]
pub struct ReplaySummary {
    pub dry_run: bool,
    /// Dead letters that matched the filter.
    pub dead_letters: usize,
    /// Marked replayed (their readings stored now or before).
    pub replayed: usize,
    /// Still refused whole: left pending.
    pub still_refused: usize,
    /// Accepted by today's checks but refused by the database (a constraint, say): left
    /// pending, each with the server's words, while the others are replayed.
    pub refused_by_database: usize,
    /// Readings inserted now.
    pub stored: usize,
    /// Readings already stored (not stored again).
    pub duplicates: usize,
    /// Readings still refused one by one: new dead letters.
    pub dead_lettered: usize,
}

/// What today's checks say of one dead letter.
pub enum Verdict {
    /// Accepted: its readings (possibly none) are stored and it is marked replayed; readings
    /// refused one by one become dead letters of their own, as at ingestion.
    Replay(Checked),
    /// Nothing of it is accepted: it stays pending.
    StillRefused(Vec<Rejection>),
}

/// Checks one dead letter as if it had just arrived.
pub fn verdict(d: &DeadLetter, checks: &Checks, now: Timestamp) -> Verdict {
    let c = check_message(&d.topic, &d.payload, now, &checks.layout, &checks.zone, &checks.limits);
    if c.readings.is_empty() && !c.rejects.is_empty() {
        Verdict::StillRefused(c.rejects)
    } else {
        Verdict::Replay(c)
    }
}

/// How many readings are refused one by one, and why, e.g. `2 refused one by one
/// (unknown_sensor x2)`.
fn refused(rejects: &[Rejection]) -> String {
    if rejects.is_empty() {
        return "0 refused one by one".to_string();
    }
    format!("{} refused one by one ({})", rejects.len(), reasons(rejects))
}

/// Reasons with counts, e.g. `unknown_sensor x2, out_of_range`.
fn reasons(rejects: &[Rejection]) -> String {
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rejects {
        *by.entry(r.reason.code()).or_default() += 1;
    }
    let parts: Vec<String> =
        by.into_iter().map(|(r, n)| if n == 1 { r.to_string() } else { format!("{r} x{n}") }).collect();
    parts.join(", ")
}

fn head(d: &DeadLetter) -> String {
    format!("#{} {} {}", d.id, d.reason, d.topic)
}

/// One dead letter accepted, waiting in the batch: where its readings are.
struct Pending {
    head: String,
    id: i64,
    readings: std::ops::Range<usize>,
    refused: String,
}

pub async fn replay(
    settings: &Settings,
    zone: Zone,
    filter: &DeadLetterFilter,
    dry_run: bool,
) -> Result<ExitCode, Box<dyn Error>> {
    let layout = TopicLayout::parse(&settings.mqtt.topic_filter)?;
    let limit = super::timeout(settings);
    let connector = Connector::new(&settings.database)?;
    let db = connector.connect().await?;
    // The registry's ids as the daemon last synchronised them (a reload or `registry sync`
    // after editing the zone file comes first).
    let ids = load_ids(&db.client).await?;
    let checks = Checks::from_settings(settings, layout, Arc::new(zone.with_ids(ids)));
    let up_to = last_dead_letter_id(&db.client, limit).await?;
    let mut writer = Writer::new(connector);
    let mut sum = ReplaySummary { dry_run, ..ReplaySummary::default() };
    let mut after = 0;
    loop {
        let page = dead_letters_page(&db.client, filter, after, up_to, PAGE, limit).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let now = Timestamp::now();
        let mut batch = Batch::default();
        let mut waiting = Vec::new();
        for d in &page {
            sum.dead_letters += 1;
            let c = match verdict(d, &checks, now) {
                Verdict::StillRefused(rejects) => {
                    sum.still_refused += 1;
                    let detail = rejects.first().map(|r| r.detail.as_str()).unwrap_or("");
                    println!("{}: still refused ({}): {detail}", head(d), reasons(&rejects));
                    continue;
                }
                Verdict::Replay(c) => c,
            };
            if dry_run {
                let already = count_stored(&db.client, &c.readings, limit).await? as usize;
                sum.replayed += 1;
                sum.stored += c.readings.len() - already;
                sum.duplicates += already;
                sum.dead_lettered += c.rejects.len();
                println!(
                    "{}: would be replayed: {} reading(s) stored, {already} already stored, {}",
                    head(d),
                    c.readings.len() - already,
                    refused(&c.rejects)
                );
                continue;
            }
            let start = batch.readings.len();
            let refused_now = refused(&c.rejects);
            let mut c = c;
            for r in &mut c.rejects {
                r.detail = format!("{} (replay of dead letter {})", r.detail, d.id);
            }
            batch.push_message(d.topic.clone(), d.payload.clone(), d.received, None, Some(d.id), c);
            waiting.push(Pending {
                head: head(d),
                id: d.id,
                readings: start..batch.readings.len(),
                refused: refused_now,
            });
            if batch.readings.len() + batch.rejects.len() >= settings.batch.max_readings {
                commit(&mut writer, std::mem::take(&mut batch), std::mem::take(&mut waiting), &mut sum).await?;
            }
        }
        if batch.messages() > 0 {
            commit(&mut writer, batch, waiting, &mut sum).await?;
        }
    }
    writer.close().await;
    db.close().await;
    println!("{}", serde_json::to_string(&sum)?);
    Ok(ExitCode::SUCCESS)
}

/// Writes one batch of replays (one transaction) and prints each dead letter's outcome. A
/// batch the database refuses as data is halved as the daemon does ([`isolate`]): the dead
/// letters it refuses stay pending, with its reason, and the rest is replayed.
async fn commit(
    writer: &mut Writer,
    batch: Batch,
    waiting: Vec<Pending>,
    sum: &mut ReplaySummary,
) -> Result<(), Box<dyn Error>> {
    let (outcome, refused) = match writer.write(&batch).await {
        Ok(outcome) => (outcome, Vec::new()),
        Err(e) => match e.refusal() {
            Some(first) => {
                let found = isolate(writer, &batch, first).await?;
                (found.outcome, found.refused)
            }
            None => return Err(e.into()),
        },
    };
    let stored: std::collections::HashSet<usize> = outcome.stored.iter().copied().collect();
    sum.stored += outcome.stored.len();
    sum.duplicates += outcome.duplicates;
    sum.dead_lettered += outcome.rejected_reasons.len();
    sum.replayed += outcome.replayed.len();
    // One message per dead letter: `waiting[k]` is the batch's message k.
    for (k, p) in waiting.into_iter().enumerate() {
        if let Some((_, refusal)) = refused.iter().find(|(i, _)| *i == k) {
            sum.refused_by_database += 1;
            println!("{}: refused by the database, left pending: {refusal}", p.head);
            continue;
        }
        let n = p.readings.clone().filter(|i| stored.contains(i)).count();
        let marked = if outcome.replayed.contains(&p.id) { "replayed" } else { "already marked replayed" };
        println!("{}: {marked}: {n} reading(s) stored, {} already stored, {}", p.head, p.readings.len() - n, p.refused);
    }
    Ok(())
}
