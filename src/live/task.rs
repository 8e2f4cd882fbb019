//! The live task: applies committed readings, evaluates the rules, writes events, exports
//! gauges. Events that cannot be written yet are kept (bounded) and written later.

use super::persist::write_events;
use super::state::{EventKind, LiveParams};
use super::tracker::{ContainerEvent, ZoneState};
use crate::liveness::Heartbeat;
use crate::metrics as m;
use crate::store::{Connector, Db};
use crate::wire::ValidReading;
use crate::zone::Zone;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::sync::watch;

/// Most events kept while the database is unreachable; older ones are dropped and counted.
const MAX_PENDING: usize = 10_000;

/// Runs until `input` is closed (the store has stopped), then writes what it can and returns.
pub async fn run_live(
    mut input: mpsc::Receiver<Vec<ValidReading>>,
    mut state: ZoneState,
    db: Connector,
    tick: Duration,
    mut reconfigure: watch::Receiver<Option<(Arc<Zone>, LiveParams)>>,
    beat: Heartbeat,
) {
    let mut conn: Option<Db> = None;
    let mut pending: Vec<ContainerEvent> = Vec::new();
    let mut ticker = tokio::time::interval(tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut beats = beat.ticker();
    loop {
        beat.beat();
        beat.wedge_point().await;
        let done = tokio::select! {
            batch = input.recv() => match batch {
                Some(readings) => {
                    state.apply_batch(&readings);
                    false
                }
                None => true,
            },
            _ = ticker.tick() => false,
            _ = beats.tick() => continue,
            changed = reconfigure.changed() => {
                if changed.is_ok() {
                    if let Some((zone, params)) = reconfigure.borrow_and_update().clone() {
                        state.reconfigure(&zone, params);
                        tracing::info!(containers = state.states.len(), "live state reconfigured");
                    }
                }
                false
            }
        };
        let now = crate::clock::now_ms();
        let events = state.evaluate(now);
        for e in &events {
            if e.transition.open {
                m::event_opened(e.transition.kind.name());
            }
            tracing::info!(container = %e.container, kind = e.transition.kind.name(), open = e.transition.open, value = e.transition.value, "event");
        }
        pending.extend(events);
        if pending.len() > MAX_PENDING {
            let drop = pending.len() - MAX_PENDING;
            pending.drain(..drop);
            m::events_dropped(drop);
        }
        export(&state, now);
        if !pending.is_empty() {
            beat.wait(flush(&mut conn, &mut pending, &db)).await;
        }
        if done {
            return;
        }
    }
}

async fn flush(conn: &mut Option<Db>, pending: &mut Vec<ContainerEvent>, connector: &Connector) {
    if conn.is_none() {
        match connector.connect().await {
            Ok(db) => *conn = Some(db),
            Err(e) => {
                tracing::warn!(error = %e, pending = pending.len(), "events not written yet");
                return;
            }
        }
    }
    if let Some(db) = conn.as_ref() {
        match write_events(db, pending, connector.settings().statement_timeout).await {
            Ok(()) => pending.clear(),
            Err(e) => {
                tracing::warn!(error = %e, pending = pending.len(), "events not written yet");
                *conn = None;
            }
        }
    }
}

/// Sets every live gauge.
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
        };
        let open = EventKind::ALL.into_iter().map(|kind| (kind.name(), s.open.contains(&kind)));
        m::container_gauges(&info.company, id, &figures, open);
    }
    for (gw, (company, _)) in &state.gateways {
        let since = state.gateway_last_seen(gw).map(|t| (now_ms - t) as f64 / 1000.0);
        m::gateway_gauge(company, gw, since);
    }
}
