//! A gateway flooding at ten times the per-gateway limit: its excess is dead-lettered and
//! counted (nothing silently dropped), and the other gateways' publish-to-commit lag stays what
//! it is without the flood.

mod common;
use common::*;
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::{AsyncClient, MqttOptions};
use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};
use wasteflow::simulate::FrameGenerator;
use wasteflow::wire::TopicLayout;
use wasteflow::zone::Zone;

const LIMIT: f64 = 20.0;
const BURST: f64 = 40.0;
const SECONDS: f64 = 3.0;

struct Phase {
    start_ms: u64,
    /// Publish time of each frame of the quiet gateways, by (gateway, seq).
    quiet_sent: HashMap<(String, i64), SystemTime>,
    flood_frames: i64,
}

/// Publishes, over `SECONDS`, 10 frames/s from each quiet gateway and, if `flood`, frames from
/// the flooding gateway at ten times the limit.
async fn phase(env: &Env, zone: &Zone, flooder: &str, start_ms: u64, flood: bool) -> Phase {
    let layout = TopicLayout::parse(&format!("{}/+/+/up", env.topic_prefix)).unwrap();
    let mut g = FrameGenerator::new(
        zone,
        &layout,
        start_ms,
        wasteflow::calendar::Timestamp::from_millis(start_ms as i64),
        5,
        0.0,
        0.0,
    );
    let gateways = zone.gateways().len();
    let quiet_frames = (10.0 * SECONDS) as usize * (gateways - 1);
    let flood_frames = if flood { (10.0 * LIMIT * SECONDS) as usize } else { 0 };
    let (mut quiet, mut loud) = (Vec::new(), Vec::new());
    while quiet.len() < quiet_frames || loud.len() < flood_frames {
        let m = g.next_message();
        let gateway = m.topic.split('/').nth(2).unwrap().to_string();
        if gateway == flooder {
            if loud.len() < flood_frames {
                loud.push(m);
            }
        } else if quiet.len() < quiet_frames {
            quiet.push(m);
        }
    }
    let mut o = MqttOptions::new(unique("flood-"), BROKER_HOST, env.broker_port);
    o.set_max_packet_size(Some(1 << 20));
    let (client, mut ev) = AsyncClient::new(o, 1000);
    tokio::spawn(async move { while ev.poll().await.is_ok() {} });
    // One schedule: every message at its time within the phase.
    let mut schedule: Vec<(f64, bool, wasteflow::simulate::GeneratedMessage)> = Vec::new();
    let (nq, nl) = (quiet.len(), loud.len());
    schedule.extend(quiet.into_iter().enumerate().map(|(i, m)| (i as f64 * SECONDS / nq as f64, false, m)));
    schedule.extend(loud.into_iter().enumerate().map(|(i, m)| (i as f64 * SECONDS / nl.max(1) as f64, true, m)));
    schedule.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut quiet_sent = HashMap::new();
    let t0 = Instant::now();
    for (at, is_flood, m) in schedule {
        tokio::time::sleep_until((t0 + Duration::from_secs_f64(at)).into()).await;
        if !is_flood {
            let seq = wasteflow::wire::decode(&m.payload).unwrap().seq;
            let gateway = m.topic.split('/').nth(2).unwrap().to_string();
            quiet_sent.insert((gateway, i64::from(seq)), SystemTime::now());
        }
        client.publish(m.topic, QoS::AtLeastOnce, false, m.payload).await.unwrap();
    }
    Phase { start_ms, quiet_sent, flood_frames: nl as i64 }
}

/// The largest publish-to-commit lag of the quiet gateways' frames, once all are stored.
/// (Sequence numbers restart in each phase: a phase's frames are told apart by their time.)
async fn worst_lag_ms(db: &TestDb, phase: &Phase) -> f64 {
    let since = std::time::UNIX_EPOCH + Duration::from_millis(phase.start_ms);
    let c = db.client().await;
    let mut worst = 0.0f64;
    for ((gateway, seq), at) in &phase.quiet_sent {
        let mut stored: Option<SystemTime> = None;
        let deadline = Instant::now() + Duration::from_secs(30);
        while stored.is_none() {
            stored = c
                .query_opt(
                    "SELECT min(stored_at) FROM readings_attributed WHERE gateway_id = $1 AND frame_seq = $2 AND ts >= $3
                     HAVING count(*) > 0",
                    &[gateway, seq, &since],
                )
                .await
                .unwrap()
                .map(|r| r.get(0));
            assert!(Instant::now() < deadline, "frame {seq} of {gateway} never stored");
            if stored.is_none() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        let lag = stored.unwrap().duration_since(*at).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0);
        worst = worst.max(lag);
    }
    worst
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_gateway_is_limited_and_the_others_keep_their_lag() {
    let db = TestDb::new().await;
    let (mut env, _broker) = Env::with_private_broker(&db);
    env.extra.push(("WASTEFLOW__VALIDATION__GATEWAY_MAX_RATE".into(), LIMIT.to_string()));
    env.extra.push(("WASTEFLOW__VALIDATION__GATEWAY_BURST".into(), BURST.to_string()));
    env.extra.push(("WASTEFLOW__LOG__LEVEL".into(), "warn".into()));
    let daemon = Daemon::start(&env).await;
    let zone = Zone::load(&zone_file()).unwrap();
    let flooder = zone.gateways()[0].0.to_string();

    let calm = phase(&env, &zone, &flooder, now_ms() - 7_200_000, false).await;
    let calm_lag = worst_lag_ms(&db, &calm).await;
    let stormy = phase(&env, &zone, &flooder, now_ms() - 3_600_000, true).await;
    let stormy_lag = worst_lag_ms(&db, &stormy).await;
    println!("worst lag of the other gateways: {calm_lag:.0} ms without the flood, {stormy_lag:.0} ms with it");

    // Every flooding frame is either stored or dead-lettered whole, never dropped.
    let sent = stormy.flood_frames;
    wait_until(Duration::from_secs(30), "every flooding frame accounted for", || async {
        let stored = db
            .count(&format!(
                "SELECT count(DISTINCT frame_seq) FROM readings_attributed WHERE gateway_id = '{flooder}'
                 AND ts >= to_timestamp({} / 1000.0)",
                stormy.start_ms
            ))
            .await;
        let refused = db.count("SELECT count(*) FROM rejected_messages WHERE reason = 'gateway_flood'").await;
        stored + refused == sent
    })
    .await;
    let refused = db.count("SELECT count(*) FROM rejected_messages WHERE reason = 'gateway_flood'").await;
    let admitted = sent - refused;
    println!("flooding gateway: {sent} frames sent, {admitted} stored, {refused} dead-lettered");
    // Allowed over the phase: the burst plus the rate; the publisher's pacing adds a little.
    let allowed = BURST + LIMIT * (SECONDS + 0.5);
    assert!(admitted as f64 <= allowed, "{admitted} frames admitted, the limit allows {allowed}");
    assert!(admitted as f64 >= BURST, "at least the burst is admitted ({admitted})");
    let counted = daemon.metrics_text().await.unwrap();
    let flood_counter = counted
        .lines()
        .find(|l| l.starts_with("wasteflow_readings_rejected_total{") && l.contains("reason=\"gateway_flood\""))
        .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .expect("the flood is counted under its own reason");
    assert_eq!(flood_counter as i64, refused);
    // The others: all stored (worst_lag_ms waited for each), and no slower than without the
    // flood beyond scheduling noise.
    assert!(stormy_lag <= calm_lag * 2.0 + 500.0, "lag {calm_lag:.0} ms -> {stormy_lag:.0} ms under the flood");
    let (ok, out) = verify(&env);
    assert!(ok, "{out}");
    assert!(daemon.terminate().await.success());
}
