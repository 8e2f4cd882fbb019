//! The daemon as a systemd service: readiness and the watchdog.

use crate::health::Health;
use crate::service::Notifier;
use std::sync::Arc;
use tokio::sync::watch;

/// The service side: mirrors the subscription into [`Health`], tells systemd `READY=1` once
/// the database is prepared and the subscription is active, and pings the watchdog (if
/// systemd asked for one) every half interval while the daemon is alive: every loop of the
/// pipeline has reported within `service.loop_stall_after` ([`crate::liveness`]). An outage
/// of the database or the broker makes the daemon not ready, not dead: the pings go on, and
/// systemd restarts only a wedged daemon. Ends when a stop is asked.
pub(super) async fn run_watchdog(
    mut subscribed: watch::Receiver<bool>,
    health: Health,
    notifier: Arc<Notifier>,
    mut stop: watch::Receiver<bool>,
) {
    let beat = health.heartbeat("service");
    let mut beats = beat.ticker();
    let interval = notifier.watchdog().map(|w| w / 2).unwrap_or(std::time::Duration::from_secs(3600));
    let mut tick = tokio::time::interval(interval);
    let mut announced = false;
    let mut wedged = false;
    loop {
        beat.beat();
        beat.wedge_point().await;
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
            _ = beats.tick() => {}
            _ = tick.tick(), if notifier.watchdog().is_some() => {
                let stalled = health.liveness().stalled();
                if stalled.is_empty() {
                    if wedged {
                        tracing::info!("every loop reports again: watchdog pings resume");
                        wedged = false;
                    }
                    notifier.watchdog_ping();
                } else {
                    let loops: Vec<String> = stalled.iter().map(ToString::to_string).collect();
                    tracing::error!(stalled = %loops.join("; "), limit = ?health.liveness().stall_after(), "a loop is wedged: no watchdog ping (systemd restarts the daemon)");
                    if !wedged {
                        notifier.status(&format!("wedged: {}", loops.join("; ")));
                    }
                    wedged = true;
                }
            }
        }
    }
}
