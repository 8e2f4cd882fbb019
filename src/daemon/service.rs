//! The service side of a running daemon: systemd readiness and watchdog, and configuration
//! reloads on SIGHUP.

use super::reload::{Outcome, Reloader};
use crate::health::{Health, Readiness};
use crate::service::Notifier;
use std::sync::Arc;
use tokio::sync::watch;

/// The service side: mirrors the subscription into [`Health`], tells systemd `READY=1` once
/// the database is prepared and the subscription is active, and pings the watchdog (if
/// systemd asked for one) only while the pipeline is ready or has committed since the last
/// ping. Ends when a stop is asked.
pub(super) async fn run_service(
    mut subscribed: watch::Receiver<bool>,
    health: Health,
    notifier: Arc<Notifier>,
    mut stop: watch::Receiver<bool>,
) {
    let interval = notifier.watchdog().map(|w| w / 2).unwrap_or(std::time::Duration::from_secs(3600));
    let mut tick = tokio::time::interval(interval);
    let mut announced = false;
    let mut committed_at_last_tick = health.committed_total();
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            changed = subscribed.changed() => {
                if changed.is_err() {
                    return;
                }
                let now = *subscribed.borrow_and_update();
                health.subscribed(now);
                if now && !announced {
                    announced = true;
                    notifier.ready("subscribed; database ready");
                    tracing::info!(systemd = notifier.is_active(), "ready");
                } else if now {
                    notifier.status("subscribed again");
                } else {
                    notifier.status("broker connection lost; reconnecting");
                }
            }
            _ = tick.tick(), if notifier.watchdog().is_some() => {
                let ready = health.readiness(health.now_ms()) == Readiness::Ready;
                let committed = health.committed_total();
                let progressed = committed > committed_at_last_tick;
                committed_at_last_tick = committed;
                if ready || progressed {
                    notifier.watchdog_ping();
                } else {
                    tracing::warn!("pipeline not ready and not progressing: no watchdog ping");
                }
            }
        }
    }
}

/// Reloads the configuration at each SIGHUP until a stop is asked.
pub(super) async fn run_reloads(
    mut hangups: tokio::signal::unix::Signal,
    mut reloader: Reloader,
    notifier: Arc<Notifier>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let hup = tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            hup = hangups.recv() => hup,
        };
        if hup.is_none() {
            return;
        }
        tracing::info!("SIGHUP: reloading the configuration");
        notifier.send("RELOADING=1");
        match reloader.reload().await {
            Outcome::Applied(notes) => {
                for note in &notes {
                    tracing::warn!("{note}");
                }
                tracing::info!(gateways = reloader.checks.borrow().zone.gateways().len(), "configuration reloaded");
                notifier.ready("configuration reloaded");
            }
            Outcome::Refused(problems) => {
                for p in &problems {
                    tracing::error!(problem = %p, "configuration reload refused; the running configuration is kept");
                }
                notifier.ready("configuration reload refused; running configuration kept");
            }
        }
    }
}
