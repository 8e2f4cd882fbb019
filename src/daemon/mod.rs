//! `wasteflow run`: wires the stages together and runs them until SIGTERM / SIGINT, or until
//! the source has left the shared subscription group (SIGUSR1).
//!
//! source --Delivery--> batch --Batch--> store --acks--> source
//!                                             --live_inbox (in the database)--> live
//! Each stage owns its input; stopping flows downstream by closing channels, so the store
//! commits and the source acks everything already taken before the process exits. Around the
//! pipeline: the HTTP endpoint and systemd notifications ([`crate::service`]), readiness and
//! the watchdog (`watchdog.rs`), and configuration reloads on SIGHUP ([`reload`]). This is wiring only: no stage logic lives here.

mod reload;
mod watchdog;

pub use reload::{Outcome, Reloader};

use crate::backoff::Backoff;
use crate::batch::{run_batcher, BatchLimits, Checks};
use crate::config::Settings;
use crate::health::Health;
use crate::live::{run_live, LiveParams, ZoneState};
use crate::liveness::Liveness;
use crate::metrics as m;
use crate::service::Notifier;
use crate::source::{mqtt_options, run_source, SourceConfig, SourceError};
use crate::store::{prepare_with, run_pending_gauge, run_store, Connector, StoreError, Writer};
use crate::wire::{TopicError, TopicLayout};
use crate::zone::{RegistryIds, Zone};
use metrics_exporter_prometheus::PrometheusHandle;
use reload::run_reloads;
use rumqttc::v5::MqttOptions;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use watchdog::run_watchdog;

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("cannot handle SIGHUP: {0}")]
    Signals(std::io::Error),
    #[error("mqtt.topic_filter: {0}")]
    TopicFilter(#[from] TopicError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("metrics.listen: {0}")]
    ListenAddress(std::net::AddrParseError),
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
    /// The database settings cannot be used (password file, TLS configuration, URL).
    #[error(transparent)]
    Database(StoreError),
    /// A setting the database refuses, which no retry can fix (`zone.time_zone`).
    #[error(transparent)]
    Configuration(StoreError),
    /// The database refuses the daemon for good at start (no such database or role, a wrong
    /// or missing password, a privilege missing): the credentials are read once, so retrying
    /// cannot help (src/store/start_refusal.rs).
    #[error("{source}; to fix: {fix}")]
    DatabaseRefused { source: StoreError, fix: String },
}

impl DaemonError {
    /// True when a restart cannot help: exit 64, which the unit does not restart.
    pub fn is_configuration(&self) -> bool {
        matches!(self, DaemonError::Configuration(_) | DaemonError::DatabaseRefused { .. })
    }
}

/// How the daemon ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Exit {
    /// Everything taken was committed and acknowledged (exit 0).
    Drained,
    /// The grace period ran out; unacknowledged messages will be redelivered (exit
    /// [`Exit::GRACE_EXPIRED_CODE`]).
    GraceExpired,
    /// Left the shared subscription group: everything the session held was committed and
    /// acknowledged, and the session ended.
    Left,
}

impl Exit {
    /// The exit code of [`Exit::GraceExpired`]: 75 (EX_TEMPFAIL), told apart from a failure
    /// (1) and a configuration error (64). The unit lists it in `SuccessExitStatus=`.
    pub const GRACE_EXPIRED_CODE: u8 = 75;
}

/// Runs the daemon. `stop` turns true to begin a graceful stop, `leave` to leave the shared
/// subscription group and then stop (main wires them to signals).
pub async fn run(
    settings: Settings,
    zone: Zone,
    metrics: PrometheusHandle,
    stop: watch::Receiver<bool>,
    leave: watch::Receiver<bool>,
    config_path: Option<String>,
) -> Result<Exit, DaemonError> {
    // From now on SIGHUP reloads instead of ending the process.
    let hangups =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).map_err(DaemonError::Signals)?;
    let layout = TopicLayout::parse(&settings.mqtt.topic_filter)?;
    let options = mqtt_options(&settings.mqtt)?;
    let addr: SocketAddr = settings.metrics.listen.parse().map_err(DaemonError::ListenAddress)?;
    // Password file and TLS configuration read once, here: a mistake stops the start.
    let db = Connector::new(&settings.database).map_err(DaemonError::Database)?;
    m::zero_counters(crate::live::EventKind::ALL.map(|k| k.name()));
    let health = Health::new(settings.metrics.stall_after).watching(Liveness::new(settings.service.loop_stall_after));
    let notifier = Arc::new(Notifier::from_env());
    let (http_stop_tx, http_stop) = watch::channel(false);
    let http = crate::service::serve(addr, metrics, health.clone(), http_stop)
        .await
        .map_err(|source| DaemonError::Listen { addr, source })?;
    let http = tokio::spawn(http);

    notifier.status("preparing the database");
    let Some(ids) = prepare_database(&db, &settings, &zone, stop.clone()).await? else {
        let _ = http_stop_tx.send(true);
        return Ok(Exit::Drained);
    };
    let zone = zone.with_ids(ids);
    health.started();
    m::zero_gateway_counters(zone.file.gateways.iter().map(|g| g.id.as_str()));

    // Once the source has left the group, everything else stops as on SIGTERM.
    let (left_tx, left) = watch::channel(false);
    let stop = stop_or_left(stop, left.clone());
    let wiring = Wiring { settings, db, health, notifier, stop };
    let control = Control { hangups, leave, left: left_tx, config_path };
    let stages = spawn_stages(&wiring, zone, layout, options, control);

    let exit = drain(stages, &wiring, &left).await;
    let _ = http_stop_tx.send(true);
    let _ = http.await;
    Ok(exit)
}

/// What every stage is started with.
struct Wiring {
    settings: Settings,
    db: Connector,
    health: Health,
    notifier: Arc<Notifier>,
    /// Turns true to stop (SIGTERM, SIGINT, or the group left).
    stop: watch::Receiver<bool>,
}

/// What the operator steers the running daemon with: reloads, and leaving the group.
struct Control {
    hangups: tokio::signal::unix::Signal,
    leave: watch::Receiver<bool>,
    /// Set by the source once it has left the group.
    left: watch::Sender<bool>,
    config_path: Option<String>,
}

/// The running tasks, awaited in this order at a stop.
struct Stages {
    watchdog: JoinHandle<()>,
    reloads: JoinHandle<()>,
    source: JoinHandle<()>,
    batcher: JoinHandle<()>,
    store: JoinHandle<()>,
    live: JoinHandle<()>,
    pending: JoinHandle<()>,
}

/// Wires the channels between the stages and starts them, with the watchdog
/// and the reloads beside them.
fn spawn_stages(w: &Wiring, zone: Zone, layout: TopicLayout, options: MqttOptions, control: Control) -> Stages {
    let (settings, db, health, stop) = (&w.settings, &w.db, &w.health, &w.stop);
    let live_state = ZoneState::new(&zone, LiveParams::from(&settings.live));
    let batch_limits = BatchLimits {
        max_readings: settings.batch.max_readings,
        max_messages: settings.batch.max_messages,
        max_age: settings.batch.max_age,
    };
    let (delivery_tx, delivery_rx) = mpsc::channel(usize::from(settings.mqtt.receive_maximum));
    let (batch_tx, batch_rx) = mpsc::channel(1);
    let (ack_tx, ack_rx) = mpsc::unbounded_channel();

    let (subscribed_tx, subscribed_rx) = watch::channel(false);
    let watchdog = tokio::spawn(run_watchdog(subscribed_rx, health.clone(), w.notifier.clone(), stop.clone()));
    let source_cfg = SourceConfig {
        topic_filter: settings.mqtt.topic_filter.clone(),
        reconnect_min: settings.mqtt.reconnect_min,
        reconnect_max: settings.mqtt.reconnect_max,
        subscribed: Some(subscribed_tx),
        max_buffered: usize::from(settings.mqtt.receive_maximum),
        max_inflight_bytes: settings.mqtt.max_inflight_bytes,
        largest_message: settings.mqtt.max_packet_bytes,
        leave: control.leave,
        left: Some(control.left),
        heartbeat: health.heartbeat("source"),
    };
    let source = tokio::spawn(run_source(options, source_cfg, delivery_tx, ack_rx, stop.clone()));
    let (checks_tx, checks_rx) = watch::channel(Arc::new(Checks::from_settings(settings, layout, Arc::new(zone))));
    let batcher = tokio::spawn(run_batcher(delivery_rx, batch_tx, checks_rx, batch_limits, health.clone()));
    let retry = Backoff::new(settings.database.retry_min, settings.database.retry_max);
    let (reconfigure_tx, reconfigure_rx) = watch::channel(None);
    let live = tokio::spawn(run_live(
        live_state,
        db.clone(),
        settings.live.clone(),
        reconfigure_rx,
        stop.clone(),
        health.clone(),
    ));
    let reloader = Reloader {
        config_path: control.config_path,
        current: settings.clone(),
        db: db.clone(),
        checks: checks_tx,
        live: reconfigure_tx,
    };
    let reloads = tokio::spawn(run_reloads(
        control.hangups,
        reloader,
        w.notifier.clone(),
        stop.clone(),
        health.heartbeat("reload"),
    ));
    let writers = (0..settings.database.writers).map(|_| Writer::new(db.clone())).collect();
    let store = tokio::spawn(run_store(batch_rx, writers, ack_tx, retry, health.clone()));
    let pending = tokio::spawn(run_pending_gauge(db.clone(), stop.clone()));
    Stages { watchdog, reloads, source, batcher, store, live, pending }
}

/// Waits for the stop, then for every stage to finish within the grace period: how the
/// daemon ended.
async fn drain(stages: Stages, w: &Wiring, left: &watch::Receiver<bool>) -> Exit {
    let mut stop_wait = w.stop.clone();
    let _ = stop_wait.wait_for(|s| *s).await;
    tracing::info!(grace = ?w.settings.shutdown.grace, "stopping: committing and acknowledging what is in flight");
    w.notifier.stopping();
    let _ = stages.watchdog.await;
    // Everything below within the grace period, a reload in progress included.
    let all = async {
        let _ = stages.reloads.await;
        let _ = stages.source.await;
        let _ = stages.batcher.await;
        let _ = stages.store.await;
        let _ = stages.live.await;
        let _ = stages.pending.await;
    };
    match tokio::time::timeout(w.settings.shutdown.grace, all).await {
        Ok(()) if *left.borrow() => Exit::Left,
        Ok(()) => Exit::Drained,
        Err(_) => {
            tracing::warn!("grace period over; exiting with messages unacknowledged (the broker will redeliver them)");
            Exit::GraceExpired
        }
    }
}

/// Prepares the database (retrying until it works or a stop is asked): migrations if
/// configured, storage policies, registry sync; logs the storage mode. Returns the registry's
/// ids, None when stopped first, or the error of a setting the database refuses.
async fn prepare_database(
    db: &Connector,
    settings: &Settings,
    zone: &Zone,
    mut stop: watch::Receiver<bool>,
) -> Result<Option<RegistryIds>, DaemonError> {
    let mut backoff = Backoff::new(settings.database.retry_min, settings.database.retry_max);
    loop {
        let prepared = tokio::select! {
            p = prepare_with(db, settings, zone, settings.database.migrate_on_start) => p,
            // Dropped mid-way: an open transaction is rolled back with its connection.
            _ = stop.wait_for(|s| *s) => return Ok(None),
        };
        match prepared {
            Ok(p) => {
                m::database_up(true);
                tracing::info!(mode = %p.mode, migrations_applied = ?p.migrations_applied, registry = %p.registry, "database ready");
                for line in &p.policies {
                    tracing::info!(policy = %line, "storage policy");
                }
                return Ok(Some(p.ids));
            }
            // Retrying cannot fix a setting the database refuses.
            Err(e @ StoreError::TimeZone { .. }) => return Err(DaemonError::Configuration(e)),
            Err(e) if e.start_refusal().is_some() => {
                m::database_up(false);
                let fix = e.start_refusal().map(|r| r.fix(&settings.database)).unwrap_or_default();
                return Err(DaemonError::DatabaseRefused { source: e, fix });
            }
            Err(e) => {
                m::database_up(false);
                let delay = backoff.next_delay();
                tracing::warn!(error = %e, ?delay, "database not ready; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stop.wait_for(|s| *s) => return Ok(None),
                }
            }
        }
    }
}

/// A stop that turns true with `stop`, or once `left` does.
fn stop_or_left(mut stop: watch::Receiver<bool>, mut left: watch::Receiver<bool>) -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(*stop.borrow());
    tokio::spawn(async move {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => {}
            _ = left.wait_for(|l| *l) => {}
        }
        let _ = tx.send(true);
    });
    rx
}
