//! The live task: every tick, folds what the store committed into the shared live state (when
//! no other instance is folding), records its events, and exports the gauges from the shared
//! state. It is off the ack path: the store hands it nothing but rows of its own transactions
//! (`live_inbox`), so a slow or locked `events` table delays the live state, never a commit.

use super::fold::{fold, Folded};
use super::sequence::SequenceParams;
use super::state::{EventKind, LiveParams};
use super::tracker::ZoneState;
use crate::config::LiveSettings;
use crate::liveness::Heartbeat;
use crate::metrics as m;
use crate::store::{Connector, Db};
use crate::zone::Zone;
use std::sync::Arc;
use tokio::sync::watch;

impl From<&LiveSettings> for SequenceParams {
    fn from(s: &LiveSettings) -> SequenceParams {
        SequenceParams { reorder_wait_ms: s.reorder_wait.as_millis() as i64, max_held: s.max_held_frames }
    }
}

/// Runs until `stop` turns true. Whatever is not folded yet stays in the inbox for the next
/// fold, by this instance after a restart or by another one.
pub async fn run_live(
    mut state: ZoneState,
    db: Connector,
    settings: LiveSettings,
    mut reconfigure: watch::Receiver<Option<(Arc<Zone>, LiveSettings)>>,
    mut stop: watch::Receiver<bool>,
    beat: Heartbeat,
) {
    let mut conn: Option<Db> = None;
    let mut sequence = SequenceParams::from(&settings);
    let mut ticker = tokio::time::interval(settings.tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let limit = db.settings().statement_timeout;
    let mut beats = beat.ticker();
    let mut more = false;
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
        let now = crate::clock::now_ms();
        let round = async {
            if conn.is_none() {
                conn = Some(db.connect().await?);
            }
            match conn.as_mut() {
                Some(c) => fold(c, &mut state, &sequence, now, limit).await,
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
                more = folded.more;
                report(&folded);
                export(&state, now);
            }
            Err(e) => {
                more = false;
                tracing::warn!(error = %e, "live state not folded this round; the inbox keeps what the store committed");
                conn = None;
            }
        }
    }
}

/// Logs and counts what a fold did.
fn report(f: &Folded) {
    m::live_inbox(f.inbox_left);
    for e in &f.events {
        if e.transition.open {
            m::event_opened(e.transition.kind.name());
        }
        tracing::info!(container = %e.container, kind = e.transition.kind.name(), open = e.transition.open, value = e.transition.value, "event");
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
pub fn export(state: &ZoneState, now_ms: i64) {
    for (id, s) in &state.states {
        let Some(info) = state.infos.get(id) else { continue };
        let figures = m::ContainerFigures {
            fill_pct: s.fill_pct,
            fill_rate_per_hour: s.fill_rate_per_hour(),
            seconds_to_full: s.seconds_to_full(info),
            seconds_since_reading: s.last_seen_ms.map(|t| (now_ms - t) as f64 / 1000.0),
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
        let since = state.gateway_last_seen(gw).map(|t| (now_ms - t) as f64 / 1000.0);
        m::gateway_gauge(company, gw, since);
    }
    for (company, container, gateway) in &state.retired_gateways {
        m::container_gateway(company, container, gateway, false);
    }
    for (company, container, gateway) in state.container_gateways() {
        m::container_gateway(&company, &container, &gateway, true);
    }
}
