//! Publishing the generated frames to the broker and summarising what was sent.

use super::generate::FrameGenerator;
use crate::source::TopicLayout;
use crate::zone::Zone;
use rumqttc::v5::mqttbytes::v5::Packet;
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::{AsyncClient, Event, MqttOptions};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What to simulate (the `simulate` subcommand's options; the broker comes from the config).
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// Messages to publish (duplicates and malformed ones included).
    #[arg(long, default_value_t = 1000)]
    pub frames: u64,
    /// Readings in each frame.
    #[arg(long, default_value_t = 50)]
    pub readings_per_frame: usize,
    /// Random seed; the same seed and --start-ms publish the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Messages per second (no limit when absent).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Share of messages that re-send the previous frame (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    pub duplicates: f64,
    /// Share of messages that are undecodable garbage (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    pub malformed: f64,
    /// Time of each gateway's first reading, ms since the Unix epoch (default: far enough in
    /// the past that the last reading is a minute old).
    #[arg(long)]
    pub start_ms: Option<u64>,
    #[arg(skip)]
    pub host: String,
    #[arg(skip)]
    pub port: u16,
    #[arg(skip)]
    pub client_id: String,
}

/// What was sent, per company and in total; the last line `simulate` prints.
#[derive(Debug, Default, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct Summary {
    /// New frames published (duplicates and malformed messages not included).
    pub frames: u64,
    /// Readings in those frames.
    pub readings: u64,
    pub malformed: u64,
    pub duplicates: u64,
    pub start_ms: u64,
    pub per_company: BTreeMap<String, CompanySummary>,
    pub seconds: f64,
}

#[derive(Debug, Default, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct CompanySummary {
    pub frames: u64,
    pub readings: u64,
    pub malformed: u64,
    pub duplicates: u64,
}

/// Publishes with QoS 1 and returns once the broker has acknowledged every message.
pub async fn run_simulation(zone: &Zone, layout: &TopicLayout, args: &SimArgs) -> Result<Summary, String> {
    let gateways = zone.gateways().len();
    if gateways == 0 {
        return Err("the zone has no gateways to simulate".into());
    }
    let start_ms = args.start_ms.unwrap_or_else(|| {
        let span = FrameGenerator::span_ms(args.frames, gateways, args.readings_per_frame);
        (crate::clock::now_ms() as u64).saturating_sub(span + 60_000)
    });
    let mut generator = FrameGenerator::new(
        zone,
        layout,
        args.seed,
        start_ms,
        args.readings_per_frame,
        args.duplicates,
        args.malformed,
    );

    let mut opts = MqttOptions::new(args.client_id.clone(), args.host.clone(), args.port);
    opts.set_keep_alive(Duration::from_secs(30));
    opts.set_clean_start(true);
    opts.set_max_packet_size(Some(1024 * 1024));
    let (client, mut eventloop) = AsyncClient::new(opts, 1000);
    let total = args.frames;
    let driver = tokio::spawn(async move {
        let mut acked = 0u64;
        while acked < total {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::PubAck(_))) => acked += 1,
                Ok(_) => {}
                Err(e) => return Err(format!("broker connection failed: {e}")),
            }
        }
        Ok(acked)
    });

    let mut summary = Summary { start_ms, ..Summary::default() };
    let started = Instant::now();
    for i in 0..args.frames {
        if let Some(rate) = args.rate.filter(|r| *r > 0.0) {
            let due = started + Duration::from_secs_f64(i as f64 / rate);
            tokio::time::sleep_until(due.into()).await;
        }
        let msg = generator.next_message();
        let c = summary.per_company.entry(msg.company.clone()).or_default();
        if msg.malformed {
            summary.malformed += 1;
            c.malformed += 1;
        } else if msg.duplicate {
            summary.duplicates += 1;
            c.duplicates += 1;
        } else {
            summary.frames += 1;
            summary.readings += msg.readings as u64;
            c.frames += 1;
            c.readings += msg.readings as u64;
        }
        if client.publish(msg.topic, QoS::AtLeastOnce, false, msg.payload).await.is_err() {
            break;
        }
    }
    let acked = driver.await.map_err(|e| e.to_string())??;
    let _ = client.disconnect().await;
    summary.seconds = started.elapsed().as_secs_f64();
    if acked < args.frames {
        return Err(format!("only {acked} of {} messages were acknowledged by the broker", args.frames));
    }
    Ok(summary)
}
