//! Configuration reload (SIGHUP): the registry, validation limits, the flood limit, live
//! thresholds and detector parameters, and the log level change without a restart.
//!
//! A new configuration is loaded and checked whole (configuration file and zone file), the
//! registry is synchronised into the database, and only then does it take effect: the batch
//! stage switches between two deliveries (every message is checked against exactly one
//! configuration), so no reading is lost or counted twice. A configuration with any problem is
//! refused and the running one kept. Connection settings (broker, database, listener, batch
//! sizes, storage) need a restart: a change to them is logged and otherwise ignored.

use crate::batch::Checks;
use crate::config::{self, LiveSettings, Settings};
use crate::liveness::Heartbeat;
use crate::metrics as m;
use crate::service::Notifier;
use crate::store::{sync_registry, Connector};
use crate::zone::Zone;
use std::sync::Arc;
use tokio::sync::watch;

#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// In force; with notes on changes that need a restart.
    Applied(Vec<String>),
    /// Refused, with every problem; the running configuration is kept.
    Refused(Vec<String>),
}

pub struct Reloader {
    pub config_path: Option<String>,
    pub current: Settings,
    /// Connects with the database settings in force (prepared at start).
    pub db: Connector,
    pub checks: watch::Sender<Arc<Checks>>,
    pub live: watch::Sender<Option<(Arc<Zone>, LiveSettings)>>,
}

impl Reloader {
    /// Loads, checks and applies the configuration; records the outcome in the metrics.
    pub async fn reload(&mut self) -> Outcome {
        let outcome = self.try_reload().await;
        m::config_reload(matches!(outcome, Outcome::Applied(_)));
        outcome
    }

    async fn try_reload(&mut self) -> Outcome {
        let new = match config::load(self.config_path.as_deref()) {
            Ok(s) => s,
            Err(e) => return Outcome::Refused(e.0.iter().map(ToString::to_string).collect()),
        };
        let zone = match Zone::load(&new.zone.file) {
            Ok(z) => z,
            Err(e) => return Outcome::Refused(e.0.iter().map(ToString::to_string).collect()),
        };
        // The registry first: views and dashboards must know a container before readings
        // attributed to it arrive. The database settings in force are kept.
        let db = &self.db;
        let synced = async {
            let mut conn = db.connect().await.map_err(|e| e.to_string())?;
            let limit = db.settings().statement_timeout;
            let r = sync_registry(&mut conn.client, &zone, &new.zone.time_zone, limit).await.map_err(|e| e.to_string());
            conn.close().await;
            r
        }
        .await;
        let zone = match synced {
            Ok((_, ids)) => Arc::new(zone.with_ids(ids)),
            Err(e) => return Outcome::Refused(vec![format!("registry not synchronised into the database: {e}")]),
        };
        if let Err(e) = crate::logging::set_level(&new.log.level) {
            tracing::warn!(error = %e, "log level unchanged");
        }
        let notes = needs_restart(&self.current, &new);
        let next = self.current_with(&new);
        let layout = self.checks.borrow().layout.clone();
        self.checks.send_replace(Arc::new(Checks::from_settings(&next, layout, zone.clone())));
        self.live.send_replace(Some((zone, next.live.clone())));
        self.current = next;
        Outcome::Applied(notes)
    }

    /// The settings in force after a reload: the reloadable sections from `new`.
    fn current_with(&self, new: &Settings) -> Settings {
        let mut s = self.current.clone();
        s.zone = new.zone.clone();
        s.validation = new.validation.clone();
        s.live = new.live.clone();
        s.log.level = new.log.level.clone();
        s
    }
}

/// Sections that changed but only take effect at the next start.
fn needs_restart(old: &Settings, new: &Settings) -> Vec<String> {
    let mut notes = Vec::new();
    let mut differs = |name: &str, a: String, b: String| {
        if a != b {
            notes.push(format!("[{name}] changed: takes effect at the next restart"));
        }
    };
    differs("mqtt", format!("{:?}", old.mqtt), format!("{:?}", new.mqtt));
    differs("database", format!("{:?}", old.database), format!("{:?}", new.database));
    differs("batch", format!("{:?}", old.batch), format!("{:?}", new.batch));
    differs("metrics", format!("{:?}", old.metrics), format!("{:?}", new.metrics));
    differs("shutdown", format!("{:?}", old.shutdown), format!("{:?}", new.shutdown));
    differs("storage", format!("{:?}", old.storage), format!("{:?}", new.storage));
    differs("service", format!("{:?}", old.service), format!("{:?}", new.service));
    differs("log.format", format!("{:?}", old.log.format), format!("{:?}", new.log.format));
    notes
}

/// Reloads the configuration at each SIGHUP until a stop is asked. A stop asked during a
/// reload abandons it (the running configuration stays; the daemon is stopping anyway).
pub(super) async fn run_reloads(
    mut hangups: tokio::signal::unix::Signal,
    mut reloader: Reloader,
    notifier: Arc<Notifier>,
    mut stop: watch::Receiver<bool>,
    beat: Heartbeat,
) {
    let mut beats = beat.ticker();
    loop {
        beat.beat();
        beat.wedge_point().await;
        let hup = tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            _ = beats.tick() => continue,
            hup = hangups.recv() => hup,
        };
        if hup.is_none() {
            return;
        }
        tracing::info!("SIGHUP: reloading the configuration");
        notifier.send("RELOADING=1");
        let outcome = tokio::select! {
            outcome = beat.wait(reloader.reload()) => outcome,
            _ = stop.wait_for(|s| *s) => {
                tracing::warn!("stopping during a reload: the reload is abandoned");
                return;
            }
        };
        match outcome {
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
