//! The live task: every tick, folds what the store committed into the shared live state (when
//! no other instance is folding), records its events, and exports the gauges from the shared
//! state. It is off the ack path: the store hands it nothing but rows of its own transactions
//! (`live_inbox`), so a slow or locked `events` table delays the live state, never a commit.

use super::fold::{fold, Folded, INBOX_ROWS};
use super::sequence::SequenceParams;
use super::set_aside::{set_aside_oldest, SetAside};
use super::state::{EventKind, LiveParams};
use super::tracker::ZoneState;
use crate::calendar::{millis_of, millis_span, Timestamp};
use crate::config::LiveSettings;
use crate::health::Health;
use crate::metrics as m;
use crate::store::{timed, Connector, Db, StoreError};
use crate::zone::Zone;
use std::sync::Arc;
use tokio::sync::watch;

impl From<&LiveSettings> for SequenceParams {
    fn from(s: &LiveSettings) -> SequenceParams {
        SequenceParams { reorder_wait: millis_span(s.reorder_wait), max_held: s.max_held_frames }
    }
}

/// Runs until `stop` turns true. Whatever is not folded yet stays in the inbox for the next
/// fold, by this instance after a restart or by another one.
///
/// A fold the database refuses (not one it could not reach) is followed by folds of one inbox
/// row at a time, over as many rows as a fold takes: a row whose fold is refused again is set
/// aside with the server's words, and the rows after it move on (docs/reliability.md).
pub async fn run_live(
    mut state: ZoneState,
    db: Connector,
    settings: LiveSettings,
    mut reconfigure: watch::Receiver<Option<(Arc<Zone>, LiveSettings)>>,
    mut stop: watch::Receiver<bool>,
    health: Health,
) {
    let beat = health.heartbeat("live");
    let mut conn: Option<Db> = None;
    let mut sequence = SequenceParams::from(&settings);
    let mut ticker = tokio::time::interval(settings.tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let limit = db.settings().statement_timeout;
    let mut beats = beat.ticker();
    let mut more = false;
    // Rows still to fold one at a time after a refused fold.
    let mut isolating: i64 = 0;
    loop {
        beat.beat();
        beat.wedge_point().await;
        tokio::select! {
            // A backlog in the inbox is folded without waiting for the tick.
            _ = ticker.tick(), if !more => {}
            _ = std::future::ready(()), if more => {}
            _ = beats.tick() => continue,
            changed = reconfigure.changed() => {
                if changed.is_ok() {
                    if let Some((zone, next)) = reconfigure.borrow_and_update().clone() {
                        state.reconfigure(&zone, LiveParams::from(&next));
                        sequence = SequenceParams::from(&next);
                        tracing::info!(containers = state.states.len(), "live state reconfigured");
                    }
                }
                continue;
            }
            _ = stop.wait_for(|s| *s) => return,
        }
        let now = Timestamp::now();
        let take = if isolating > 0 { 1 } else { INBOX_ROWS };
        let round = async {
            if conn.is_none() {
                conn = Some(db.connect().await?);
            }
            match conn.as_mut() {
                Some(c) => fold(c, &mut state, &sequence, now, take, limit).await,
                None => Ok(Folded::default()),
            }
        };
        let result = tokio::select! {
            r = beat.wait(round) => r,
            // Dropping the round closes its connection: the server rolls the fold back.
            _ = stop.wait_for(|s| *s) => return,
        };
        match result {
            Ok(folded) => {
                more = folded.more || isolating > 1;
                isolating = (isolating - 1).max(0);
                health.live_folded();
                m::live_folded();
                report(&folded, &health);
                export(&state, now);
            }
            Err(e) if refused(&e) => {
                let elapsed = health.elapsed();
                let since = health.live_fold_refused(e.to_string(), elapsed);
                m::live_fold_failed(true, millis_of(elapsed.saturating_sub(since)) as f64 / 1000.0);
                let Some(c) = conn.as_mut() else { continue };
                isolating = isolate(c, &e, take, isolating, &health, limit).await;
                more = isolating > 0;
                count_inbox(c, limit).await;
            }
            Err(e) => {
                more = false;
                m::live_fold_failed(false, 0.0);
                tracing::warn!(error = %e, "live state not folded this round; the inbox keeps what the store committed");
                conn = None;
            }
        }
    }
}

/// After a refused fold: a fold of one row refused means that row is the one, set aside;
/// a fold of many starts folding the next rows one at a time. Returns the rows still to fold
/// one at a time.
async fn isolate(
    c: &mut Db,
    e: &StoreError,
    take: i64,
    isolating: i64,
    health: &Health,
    limit: std::time::Duration,
) -> i64 {
    if take != 1 {
        tracing::error!(error = %e, rows = INBOX_ROWS, "the database refused the live fold: folding the next rows one at a time to set aside the one it refuses");
        return INBOX_ROWS;
    }
    let reason = format!("the database refused its fold: {e}");
    match set_aside_oldest(c, &reason, limit).await {
        Ok(Some(aside)) => {
            record_set_aside(&aside, health);
            return (isolating - 1).max(0);
        }
        Ok(None) => tracing::error!(
            error = %e,
            "live state not folded: the database refuses the fold with an empty inbox (the live state itself, not an inbox row)"
        ),
        Err(e2) => tracing::error!(error = %e2, "a refused live inbox row could not be set aside"),
    }
    isolating
}

/// The database refused the fold's data (SQLSTATE classes 22 and 23, as the store decides for
/// a batch: [`StoreError::is_refusal`]), or a column read back is not what the fold wrote:
/// retrying the same rows gets the same answer. Anything else (a lost connection, a timeout, a
/// deadlock or a lock not available) is retried as it is, next tick.
fn refused(e: &StoreError) -> bool {
    e.is_refusal() || matches!(e, StoreError::Column { .. })
}

/// Exports the inbox's rows after a fold that did not commit (one that did counts them itself).
async fn count_inbox(c: &mut Db, limit: std::time::Duration) {
    match timed(limit, c.client.query_one("SELECT count(*) FROM live_inbox", &[])).await {
        Ok(row) => m::live_inbox(row.get(0)),
        Err(e) => tracing::warn!(error = %e, "live inbox not counted"),
    }
}

/// Logs, counts and reports to `/healthz` frames set aside (the reason says why).
fn record_set_aside(aside: &SetAside, health: &Health) {
    tracing::error!(gateway = %aside.gateway, inbox_id = ?aside.inbox_id, reason = %aside.reason, "live frames set aside (table live_set_aside): the rest of the zone moves on");
    m::live_set_aside(&aside.gateway);
    health.live_set_aside(format!("gateway {}: {}", aside.gateway, aside.reason));
}

/// Logs and counts what a fold did.
fn report(f: &Folded, health: &Health) {
    m::live_inbox(f.inbox_left);
    for aside in &f.set_aside {
        record_set_aside(aside, health);
    }
    for e in &f.events {
        if e.transition.open {
            m::event_opened(e.transition.kind.name());
        }
        tracing::info!(container = %e.container, kind = e.transition.kind.name(), open = e.transition.open, value = e.transition.value, unit = e.transition.kind.unit(), "event");
    }
    for (gateway, gap) in &f.gaps {
        tracing::warn!(gateway = %gateway, first_seq = gap.first_seq, last_seq = gap.last_seq, missing = gap.missing, "frames missing: the gateway's counter skipped them");
        m::frames_missing(gateway, gap.missing);
    }
    for (gateway, n) in &f.late {
        m::frames_late(gateway, *n);
    }
    for (gateway, n) in &f.restarts {
        tracing::info!(gateway = %gateway, "the gateway's frame counter restarted");
        m::counter_restarts(gateway, *n);
    }
}

/// Sets every live gauge from the shared state.
pub fn export(state: &ZoneState, now: Timestamp) {
    for (id, s) in &state.states {
        let Some(info) = state.infos.get(id) else { continue };
        let figures = m::ContainerFigures {
            fill_pct: s.fill_pct,
            fill_rate_per_hour: s.fill_rate_per_hour(),
            seconds_to_full: s.seconds_to_full(info),
            seconds_since_reading: s.last_seen.map(|t| millis_of(now - t) as f64 / 1000.0),
            battery_pct: s.battery_pct,
            temperature_c: s.temperature_c,
            anomaly_score: s.anomaly_score(),
            load_kg: s.load_kg.map(|l| l.value),
            tilt_deg: s.tilt_deg.map(|l| l.value),
            distance_from_site_m: s.distance_from_site_m(info),
            rssi_dbm: s.rssi_dbm.map(|l| l.value),
            snr_db: s.snr_db.map(|l| l.value),
            quality_pct: s.quality_pct.map(|l| l.value),
        };
        let open = EventKind::ALL.into_iter().map(|kind| (kind.name(), s.open.contains(&kind)));
        m::container_gauges(&info.company, id, &figures, open);
    }
    for (gw, (company, _)) in &state.gateways {
        let since = state.gateway_last_seen(gw).map(|t| millis_of(now - t) as f64 / 1000.0);
        m::gateway_gauge(company, gw, since);
    }
    for (company, container, gateway) in &state.retired_gateways {
        m::container_gateway(company, container, gateway, false);
    }
    for (company, container, gateway) in state.container_gateways() {
        m::container_gateway(&company, &container, &gateway, true);
    }
}
