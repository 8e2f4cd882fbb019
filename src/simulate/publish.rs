//! Publishing the generated frames to the broker and summarising what was sent.

use super::generate::{FrameGenerator, GeneratedMessage};
use super::zone_sim::{Fault, Faults, ZoneSim};
use crate::calendar::{SignedDuration, Timestamp};
use crate::plan::LocalClock;
use crate::wire::TopicLayout;
use crate::zone::Zone;
use rumqttc::v5::mqttbytes::v5::Packet;
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::{AsyncClient, Event, MqttOptions};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// What to simulate: the `simulate` subcommand's options (`cli` reads them from the command
/// line; its defaults are [`SimOptions::default`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SimOptions {
    /// Messages to publish (duplicates and malformed ones included); uniform frames only.
    pub frames: u64,
    /// Readings in each frame; uniform frames only.
    pub readings_per_frame: usize,
    /// Random seed; the same seed and `start` publish the same bytes.
    pub seed: u64,
    /// Messages per second (no limit when `None`); uniform frames only.
    pub rate: Option<f64>,
    /// Share of messages that re-send the previous frame (0 to 1).
    pub duplicates: f64,
    /// Share of messages that are undecodable garbage (0 to 1).
    pub malformed: f64,
    /// Time of each gateway's first reading (default: far enough in the past that the last
    /// reading is a minute old). Realistic: the start of the simulated days (default: `days`
    /// ending a minute ago).
    pub start: Option<Timestamp>,
    /// Simulate the zone realistically ([`ZoneSim`]) instead of uniform frames.
    pub realistic: bool,
    /// Realistic: days to simulate (above 0, at most 29, so readings stay within the daemon's
    /// default acceptance window).
    pub days: f64,
    /// Realistic: simulated seconds per real second; as fast as possible when `None`.
    pub speedup: Option<f64>,
    /// Realistic: faults to inject.
    pub faults: Vec<Fault>,
    /// Broker connections to publish on (1 to 64); each gateway's messages always go through
    /// the same one, in order.
    pub connections: u16,
    /// Realistic: the zone's UTC offsets over the simulated days, to collect inside the
    /// containers' collection windows in local time (the database knows the time zone's rules;
    /// `None`: the windows are read in UTC).
    pub clock: Option<LocalClock>,
}

impl Default for SimOptions {
    fn default() -> SimOptions {
        SimOptions {
            frames: 1000,
            readings_per_frame: 50,
            seed: 1,
            rate: None,
            duplicates: 0.0,
            malformed: 0.0,
            start: None,
            realistic: false,
            days: 7.0,
            speedup: None,
            faults: Vec::new(),
            connections: 1,
            clock: None,
        }
    }
}

/// The broker to publish to: its host and port (the config's `mqtt.url`), and the client id of
/// the first connection (the others append `-1`, `-2`...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimBroker {
    pub host: String,
    pub port: u16,
    pub client_id: String,
}

/// What was sent, per company and in total; the last line `simulate` prints.
#[derive(Debug, Default, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct Summary {
    /// New frames published (duplicates and malformed messages not included).
    pub frames: u64,
    /// Readings in those frames.
    pub readings: u64,
    /// Of those, readings the daemon must reject (injected clock skew).
    pub rejected_expected: u64,
    pub malformed: u64,
    pub duplicates: u64,
    /// The start of the simulated period: milliseconds since the Unix epoch in the JSON.
    #[serde(rename = "start_ms")]
    pub start: Timestamp,
    pub per_company: BTreeMap<String, CompanySummary>,
    pub seconds: f64,
}

#[derive(Debug, Default, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct CompanySummary {
    pub frames: u64,
    pub readings: u64,
    pub rejected_expected: u64,
    pub malformed: u64,
    pub duplicates: u64,
    /// Readings by measurement kind.
    pub kinds: BTreeMap<String, u64>,
}

impl Summary {
    fn count(&mut self, msg: &GeneratedMessage) {
        let c = self.per_company.entry(msg.company.clone()).or_default();
        if msg.malformed {
            self.malformed += 1;
            c.malformed += 1;
        } else if msg.duplicate {
            self.duplicates += 1;
            c.duplicates += 1;
        } else {
            self.frames += 1;
            self.readings += msg.readings as u64;
            self.rejected_expected += msg.rejected as u64;
            c.frames += 1;
            c.readings += msg.readings as u64;
            c.rejected_expected += msg.rejected as u64;
            for k in &msg.kinds {
                *c.kinds.entry(k.name().to_string()).or_default() += 1;
            }
        }
    }
}

/// Where the messages come from, and when each is due.
enum Source {
    Uniform { generator: FrameGenerator, left: u64, rate: Option<f64>, sent: u64 },
    Realistic { sim: ZoneSim, speedup: Option<f64> },
}

impl Source {
    fn next(&mut self) -> Option<(GeneratedMessage, Option<Duration>)> {
        match self {
            Source::Uniform { generator, left, rate, sent } => {
                if *left == 0 {
                    return None;
                }
                *left -= 1;
                let due = rate.filter(|r| *r > 0.0).map(|r| Duration::from_secs_f64(*sent as f64 / r));
                *sent += 1;
                Some((generator.next_message(), due))
            }
            Source::Realistic { sim, speedup } => {
                let msg = sim.next_message()?;
                let due = speedup
                    .filter(|s| *s > 0.0)
                    .map(|s| Duration::from_secs_f64((sim.now - sim.start).as_millis() as f64 / 1000.0 / s));
                Some((msg, due))
            }
        }
    }
}

/// Why a simulation could not run to the end.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("the zone has no gateways to simulate")]
    NoGateways,
    #[error("--days must be above 0 and at most 29")]
    Days,
    #[error("--connections must be 1 to 64")]
    Connections,
    #[error("broker connection failed: {0}")]
    Connection(#[from] rumqttc::v5::ConnectionError),
    #[error("only {acked} of {published} messages were acknowledged by the broker")]
    Unacknowledged { acked: u64, published: u64 },
    #[error("the connection task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Publishes with QoS 1 and returns once the broker has acknowledged every message.
pub async fn run_simulation(
    zone: &Zone,
    layout: &TopicLayout,
    options: &SimOptions,
    broker: &SimBroker,
) -> Result<Summary, SimError> {
    let gateways = zone.gateways().len();
    if gateways == 0 {
        return Err(SimError::NoGateways);
    }
    if !(1..=64).contains(&options.connections) {
        return Err(SimError::Connections);
    }
    let (mut source, start) = source(zone, layout, options, Timestamp::now())?;
    let mut publishers: Vec<Publisher> = (0..options.connections).map(|i| Publisher::connect(broker, i)).collect();
    let mut summary = Summary { start, ..Summary::default() };
    let started = Instant::now();
    let progress = std::io::stderr().is_terminal();
    let mut last_progress = Instant::now();
    let mut published = 0u64;
    while let Some((msg, due)) = source.next() {
        if let Some(due) = due {
            tokio::time::sleep_until((started + due).into()).await;
        }
        summary.count(&msg);
        let n = publishers.len();
        if publishers[gateway_slot(&msg.topic, n)].publish(msg).await.is_err() {
            break;
        }
        published += 1;
        if progress && last_progress.elapsed() >= Duration::from_millis(500) {
            last_progress = Instant::now();
            eprint!(
                "\rsimulate: {published} messages, {} readings, {:.0} s",
                summary.readings,
                started.elapsed().as_secs_f64()
            );
        }
    }
    if progress {
        eprintln!(
            "\rsimulate: {published} messages, {} readings, done in {:.1} s",
            summary.readings,
            started.elapsed().as_secs_f64()
        );
    }
    let mut acked = 0;
    for p in publishers.drain(..) {
        acked += p.finish().await?;
    }
    summary.seconds = started.elapsed().as_secs_f64();
    if acked < published {
        return Err(SimError::Unacknowledged { acked, published });
    }
    Ok(summary)
}

/// What to publish, from `options`, and the time of its first reading: the realistic zone
/// over `--days` ending a minute before `now`, or uniform frames ending then.
fn source(
    zone: &Zone,
    layout: &TopicLayout,
    options: &SimOptions,
    now: Timestamp,
) -> Result<(Source, Timestamp), SimError> {
    let minute = SignedDuration::from_mins(1);
    Ok(if options.realistic {
        if !(options.days > 0.0 && options.days <= 29.0) {
            return Err(SimError::Days);
        }
        let span = SignedDuration::from_millis((options.days * 86_400_000.0) as i64);
        // A given start makes two runs simulate the very same period (tests compare them).
        let start = options.start.unwrap_or(now - minute - span);
        let end = start + span;
        let mut faults = Faults { malformed: options.malformed, duplicates: options.duplicates, ..Faults::default() };
        for fault in &options.faults {
            faults.inject(*fault);
        }
        (
            Source::Realistic {
                sim: ZoneSim::new(zone, layout, options.seed, start, end, faults)
                    .with_clock(options.clock.clone().unwrap_or(LocalClock::fixed(SignedDuration::ZERO))),
                speedup: options.speedup,
            },
            start,
        )
    } else {
        let start = options.start.unwrap_or_else(|| {
            let span = FrameGenerator::span(options.frames, zone.gateways().len(), options.readings_per_frame);
            (now - (span + minute)).max(Timestamp::EPOCH)
        });
        let generator = FrameGenerator::new(
            zone,
            layout,
            options.seed,
            start,
            options.readings_per_frame,
            options.duplicates,
            options.malformed,
        );
        (Source::Uniform { generator, left: options.frames, rate: options.rate, sent: 0 }, start)
    })
}

/// Which connection carries a topic's messages: a stable hash of the topic.
fn gateway_slot(topic: &str, connections: usize) -> usize {
    let h = topic.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    (h % connections as u64) as usize
}

/// One broker connection of the simulator, with a task counting the broker's acks.
struct Publisher {
    client: AsyncClient,
    published: u64,
    total_tx: tokio::sync::oneshot::Sender<u64>,
    driver: tokio::task::JoinHandle<Result<u64, SimError>>,
}

impl Publisher {
    fn connect(broker: &SimBroker, index: u16) -> Publisher {
        let id = if index == 0 { broker.client_id.clone() } else { format!("{}-{index}", broker.client_id) };
        let mut opts = MqttOptions::new(id, broker.host.clone(), broker.port);
        opts.set_keep_alive(Duration::from_secs(30));
        opts.set_clean_start(true);
        opts.set_max_packet_size(Some(1024 * 1024));
        let (client, mut eventloop) = AsyncClient::new(opts, 1000);
        let (total_tx, mut total_rx) = tokio::sync::oneshot::channel::<u64>();
        let driver = tokio::spawn(async move {
            let mut acked = 0u64;
            let mut total: Option<u64> = None;
            loop {
                if total.is_some_and(|t| acked >= t) {
                    return Ok(acked);
                }
                tokio::select! {
                    t = &mut total_rx, if total.is_none() => total = Some(t.unwrap_or(0)),
                    ev = eventloop.poll() => match ev {
                        Ok(Event::Incoming(Packet::PubAck(_))) => acked += 1,
                        Ok(_) => {}
                        Err(e) => return Err(SimError::Connection(e)),
                    },
                }
            }
        });
        Publisher { client, published: 0, total_tx, driver }
    }

    async fn publish(&mut self, msg: GeneratedMessage) -> Result<(), rumqttc::v5::ClientError> {
        self.client.publish(msg.topic, QoS::AtLeastOnce, false, msg.payload).await?;
        self.published += 1;
        Ok(())
    }

    /// Waits until the broker acknowledged everything published here; returns how many.
    async fn finish(self) -> Result<u64, SimError> {
        let _ = self.total_tx.send(self.published);
        let acked = self.driver.await??;
        let _ = self.client.disconnect().await;
        Ok(acked)
    }
}
