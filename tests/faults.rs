//! The fault suite: nothing lost, nothing counted twice, memory bounded, whatever breaks.
//!
//! Each scenario runs its own Mosquitto (the shipped configuration: persistence on, a private
//! port), its own database on the machine's PostgreSQL, and, where the network must misbehave,
//! a TCP proxy between the daemon and the service (`common/proxy.rs`). Each ends with the same
//! checks (`common/faults.rs`) and writes its row of the table in `docs/reliability.md`.
//!
//! `cargo test --test faults` runs the short version (3 repetitions, a 15 s outage, a 10 s
//! stall); `WASTEFLOW_FAULTS_FULL=1` runs the full one (10 repetitions, 60 s, 30 s).
//!
//! The random pauses (and the shuffled order of the duplicate scenario) come from a seed
//! printed at the start of each scenario and again if it fails; `WASTEFLOW_FAULTS_SEED=<seed>`
//! replays them.

mod common;
use common::faults::{full, repetitions, settle_and_check, MemoryWatch};
use common::proxy::{Mode, Proxy};
use common::*;
use rand::{RngExt, SeedableRng};
use std::time::{Duration, Instant};

/// A round of uniform frames: 10 readings each, `frames` of them at `rate` per second, its own
/// seed and a start of its own so that rounds never share a reading.
fn round(k: usize, frames: u32, rate: u32) -> Vec<String> {
    let start = now_ms() - 12 * 3_600_000 + k as u64 * 600_000;
    [
        "--frames",
        &frames.to_string(),
        "--readings-per-frame",
        "10",
        "--rate",
        &rate.to_string(),
        "--seed",
        &(100 + k).to_string(),
        "--start-ms",
        &start.to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Settings that make the daemon notice and recover from faults quickly.
fn quick(env: &mut Env) {
    for (k, v) in [
        ("WASTEFLOW__MQTT__RECONNECT_MIN", "100ms"),
        ("WASTEFLOW__MQTT__RECONNECT_MAX", "2s"),
        ("WASTEFLOW__DATABASE__RETRY_MIN", "100ms"),
        ("WASTEFLOW__DATABASE__RETRY_MAX", "2s"),
        ("WASTEFLOW__DATABASE__STATEMENT_TIMEOUT", "2s"),
        ("WASTEFLOW__DATABASE__CONNECT_TIMEOUT", "2s"),
        ("WASTEFLOW__LOG__LEVEL", "warn"),
    ] {
        env.extra.push((k.into(), v.into()));
    }
}

/// The daemon's environment with its database reached through `proxy`.
fn through_db_proxy(env: &Env, db: &TestDb, proxy: &Proxy) -> Env {
    let mut e = env.clone();
    e.db_url = format!("postgres://postgres@127.0.0.1:{}/{}", proxy.port, db.name);
    e
}

/// The usual start: a database, a private broker, a daemon set to recover quickly, its memory
/// watched.
async fn scenario() -> (TestDb, Env, broker::PrivateBroker, Daemon, MemoryWatch) {
    let db = TestDb::new().await;
    let (mut env, broker) = Env::with_private_broker(&db);
    quick(&mut env);
    let daemon = Daemon::start(&env).await;
    let memory = MemoryWatch::start(daemon.child.id());
    (db, env, broker, daemon, memory)
}

/// A daemon whose database is reached through a proxy, with a simulated stream of `frames` at
/// `rate` running in a thread (joined for its summary).
struct BehindDbProxy {
    db: TestDb,
    env: Env,
    _broker: broker::PrivateBroker,
    proxy: Proxy,
    daemon: Daemon,
    sim: std::thread::JoinHandle<serde_json::Value>,
}

async fn behind_db_proxy(frames: u32, rate: u32) -> BehindDbProxy {
    let db = TestDb::new().await;
    let (mut env, broker) = Env::with_private_broker(&db);
    quick(&mut env);
    let proxy = Proxy::start(5432).await;
    let daemon = Daemon::start(&through_db_proxy(&env, &db, &proxy)).await;
    let r = round(0, frames, rate);
    let sim = simulate_in_background(&env, &args(&r));
    tokio::time::sleep(Duration::from_secs(3)).await;
    BehindDbProxy { db, env, _broker: broker, proxy, daemon, sim }
}

/// A scenario's randomness, from `WASTEFLOW_FAULTS_SEED` if set, else from a fresh seed.
/// The seed is printed at the start and, should the scenario fail, after its failure message.
struct Chance {
    scenario: &'static str,
    seed: u64,
    rng: rand::rngs::StdRng,
}

impl Chance {
    fn new(scenario: &'static str) -> Chance {
        let seed = match std::env::var("WASTEFLOW_FAULTS_SEED") {
            Ok(v) => v.trim().parse().unwrap_or_else(|_| panic!("WASTEFLOW_FAULTS_SEED={v:?} is not a u64")),
            Err(_) => rand::random(),
        };
        eprintln!("{scenario}: WASTEFLOW_FAULTS_SEED={seed}");
        Chance { scenario, seed, rng: rand::rngs::StdRng::seed_from_u64(seed) }
    }

    fn pause(&mut self, min_ms: u64, max_ms: u64) -> Duration {
        Duration::from_millis(self.rng.random_range(min_ms..=max_ms))
    }
}

impl Drop for Chance {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "{0} failed with WASTEFLOW_FAULTS_SEED={1}; replay its pauses with \
                 WASTEFLOW_FAULTS_SEED={1} cargo test --test faults {0}",
                self.scenario, self.seed
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_killed_and_restarted_mid_stream() {
    let mut chance = Chance::new("broker_killed_and_restarted_mid_stream");
    let (db, env, mut broker, daemon, memory) = scenario().await;
    let mut published = 0;
    for k in 0..repetitions() {
        let r = round(k, 600, 300);
        let (e, r2) = (env.clone(), r.clone());
        let sim = std::thread::spawn(move || try_simulate(&e, &args(&r2)));
        tokio::time::sleep(chance.pause(300, 1500)).await;
        broker.kill_and_restart();
        let _ = sim.join().unwrap();
        // A SIGKILLed Mosquitto loses what it acknowledged since its last save
        // (autosave_interval), and the simulator was cut off: like a gateway with a local
        // buffer, it sends the whole round again; the daemon stores each reading once.
        let summary = simulate(&env, &args(&r));
        published += summary["readings"].as_i64().unwrap();
    }
    settle_and_check("broker SIGKILLed and restarted", &db, &env, published, Instant::now(), &memory).await;
    assert!(daemon.metric("wasteflow_mqtt_reconnects_total").await >= Some(repetitions() as f64));
    assert!(daemon.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_backends_terminated_mid_stream_and_during_commit() {
    let mut chance = Chance::new("database_backends_terminated_mid_stream_and_during_commit");
    let (db, env, _broker, daemon, memory) = scenario().await;
    let r = round(0, 3000, 500);
    let sim = simulate_in_background(&env, &args(&r));
    let admin = pg(PG_ADMIN).await;
    let (mut kills, mut during_commit) = (0, 0);
    let deadline = Instant::now() + Duration::from_secs(60);
    while kills < repetitions() && Instant::now() < deadline {
        // Half of the kills wait for a backend of the daemon that is committing.
        let want_commit = kills % 2 == 0;
        let filter = if want_commit { "AND state = 'active' AND query = 'COMMIT'" } else { "" };
        let rows = admin
            .query(
                &format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                     WHERE datname = $1 AND application_name = 'wasteflow' {filter}"
                ),
                &[&db.name],
            )
            .await
            .unwrap();
        if rows.is_empty() {
            tokio::time::sleep(Duration::from_micros(200)).await;
            continue;
        }
        kills += 1;
        during_commit += usize::from(want_commit);
        tokio::time::sleep(chance.pause(200, 600)).await;
    }
    assert_eq!(kills, repetitions(), "the daemon's backends were found and terminated");
    assert!(during_commit >= 1, "at least one backend was terminated during COMMIT");
    let published = sim.join().unwrap()["readings"].as_i64().unwrap();
    settle_and_check(
        "database backends terminated (also during COMMIT)",
        &db,
        &env,
        published,
        Instant::now(),
        &memory,
    )
    .await;
    assert!(daemon.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_stalled_then_resumed() {
    let _chance = Chance::new("database_stalled_then_resumed");
    let BehindDbProxy { db, env, _broker, proxy, daemon, sim } = behind_db_proxy(4000, 200).await;
    let memory = MemoryWatch::start(daemon.child.id());

    proxy.set(Mode::Stall);
    let stalled_at = Instant::now();
    let stall = Duration::from_secs(if full() { 30 } else { 10 });
    // Detected within the statement timeout (2 s here), with some slack for a busy machine.
    wait_until(Duration::from_secs(6), "the stall detected (database_up 0)", || async {
        daemon.metric("wasteflow_database_up").await == Some(0.0)
    })
    .await;
    let detected = stalled_at.elapsed();
    let stored_then = db.count("SELECT count(*) FROM readings").await;
    let acked_then = daemon.metric("wasteflow_mqtt_acks_total").await;
    tokio::time::sleep(stall.saturating_sub(stalled_at.elapsed())).await;
    // Nothing was stored, hence nothing acked, while the database was unreachable.
    assert_eq!(db.count("SELECT count(*) FROM readings").await, stored_then, "rows appeared during the stall");
    assert_eq!(daemon.metric("wasteflow_mqtt_acks_total").await, acked_then, "acks left during the stall");
    let resumed = Instant::now();
    proxy.set(Mode::Pass);
    let published = sim.join().unwrap()["readings"].as_i64().unwrap();
    let row =
        settle_and_check(&format!("database stalled {} s", stall.as_secs()), &db, &env, published, resumed, &memory)
            .await;
    println!("stall detected after {detected:?}; recovered {:.1} s after it ended", row.recovery_s);
    assert!(daemon.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_unreachable_memory_stays_flat() {
    let _chance = Chance::new("database_unreachable_memory_stays_flat");
    let outage = Duration::from_secs(if full() { 60 } else { 15 });
    let frames = (outage.as_secs() as u32 + 10) * 300;
    let BehindDbProxy { db, env, _broker, proxy, daemon, sim } = behind_db_proxy(frames, 300).await;
    let before = common::faults::rss_kib(u64::from(daemon.child.id())).unwrap() as f64 / 1024.0;
    proxy.set(Mode::Refuse);
    // Watch the memory during the outage only.
    let memory = MemoryWatch::start(daemon.child.id());
    tokio::time::sleep(outage).await;
    let during = memory.peak_mib();
    let resumed = Instant::now();
    proxy.set(Mode::Pass);
    let published = sim.join().unwrap()["readings"].as_i64().unwrap();
    let row = settle_and_check(
        &format!("database unreachable {} s", outage.as_secs()),
        &db,
        &env,
        published,
        resumed,
        &memory,
    )
    .await;
    println!("RSS {before:.1} MiB before the outage, at most {during:.1} MiB during it");
    // Flat: the daemon stops reading (the broker keeps the backlog); allow allocator noise.
    assert!(during <= before + 8.0, "memory grew during the outage: {before:.1} -> {during:.1} MiB");
    assert!(row.recovery_s < 120.0);
    assert!(daemon.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_killed_or_stopped_mid_batch_and_restarted() {
    let mut chance = Chance::new("daemon_killed_or_stopped_mid_batch_and_restarted");
    let (db, env, _broker, mut daemon, memory) = scenario().await;
    let r = round(0, 8000, 800);
    let sim = simulate_in_background(&env, &args(&r));
    for k in 0..2 * repetitions() {
        tokio::time::sleep(chance.pause(300, 900)).await;
        if k % 2 == 0 {
            daemon.child.kill().unwrap();
            daemon.child.wait().unwrap();
        } else {
            assert!(daemon.terminate().await.success(), "SIGTERM mid-batch exits cleanly");
        }
        daemon = Daemon::start(&env).await;
        memory.follow(daemon.child.id());
    }
    let published = sim.join().unwrap()["readings"].as_i64().unwrap();
    settle_and_check("daemon SIGKILLed / SIGTERMed mid-batch", &db, &env, published, Instant::now(), &memory).await;
    assert!(daemon.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_refusing_connections_reconnects_within_the_backoff_bound() {
    let _chance = Chance::new("broker_refusing_connections_reconnects_within_the_backoff_bound");
    let db = TestDb::new().await;
    let (mut env, _broker) = Env::with_private_broker(&db);
    quick(&mut env);
    let proxy = Proxy::start(env.broker_port).await;
    let mut denv = env.clone();
    denv.broker_port = proxy.port;
    let daemon = Daemon::start(&denv).await;
    let memory = MemoryWatch::start(daemon.child.id());
    let r = round(0, 1000, 100);
    let sim = simulate_in_background(&env, &args(&r));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let refused_for = Duration::from_secs(if full() { 30 } else { 10 });
    let before = proxy.accepted();
    proxy.set(Mode::Refuse);
    tokio::time::sleep(refused_for).await;
    let attempts = proxy.accepted() - before;
    proxy.set(Mode::Pass);
    let resumed = Instant::now();
    // Backoff from 100 ms doubling to 2 s, each delay at least half its ceiling: the most
    // attempts that fit in the window.
    let (mut bound, mut spent, mut ceiling) = (1u64, 0.0, 0.1f64);
    while spent < refused_for.as_secs_f64() {
        spent += ceiling / 2.0;
        ceiling = (ceiling * 2.0).min(2.0);
        bound += 1;
    }
    assert!(attempts >= 3, "the daemon kept trying ({attempts} attempts)");
    assert!(attempts <= bound, "{attempts} connection attempts in {refused_for:?}; the backoff allows {bound}");
    let published = sim.join().unwrap()["readings"].as_i64().unwrap();
    let row = settle_and_check(
        &format!("broker refusing connections {} s", refused_for.as_secs()),
        &db,
        &env,
        published,
        resumed,
        &memory,
    )
    .await;
    println!("{attempts} reconnect attempts in {refused_for:?} (bound {bound}); recovered in {:.1} s", row.recovery_s);
    assert!(daemon.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_reordered_and_late_deliveries() {
    let mut chance = Chance::new("duplicate_reordered_and_late_deliveries");
    use rand::seq::SliceRandom;
    let (db, env, broker, daemon, memory) = scenario().await;
    let zone = wasteflow::zone::Zone::load(&zone_file()).unwrap();
    let layout = wasteflow::wire::TopicLayout::parse(&format!("{}/+/+/up", env.topic_prefix)).unwrap();
    // Recent frames, and late ones (three days old, still inside the acceptance window).
    let mut messages = Vec::new();
    let mut published = 0;
    for (seed, start) in [(1, now_ms() - 600_000), (2, now_ms() - 3 * 86_400_000)] {
        let mut g = wasteflow::simulate::FrameGenerator::new(
            &zone,
            &layout,
            seed,
            wasteflow::calendar::Timestamp::from_millis(start as i64),
            10,
            0.0,
            0.0,
        );
        for _ in 0..1500 {
            let m = g.next_message();
            published += 10;
            messages.push((m.topic.clone(), m.payload.clone()));
            messages.push((m.topic, m.payload));
        }
    }
    messages.shuffle(&mut chance.rng);
    let (first, again) = messages.split_at(messages.len() / 2);
    publish_raw_to(broker.port, first).await;
    publish_raw_to(broker.port, again).await;
    // And everything once more after it was stored: a gateway replaying its buffer.
    settle_and_check("duplicate, reordered and late deliveries", &db, &env, published, Instant::now(), &memory).await;
    publish_raw_to(broker.port, &messages[..2000]).await;
    wait_until(Duration::from_secs(30), "the replay deduplicated", || async {
        daemon.metric("wasteflow_readings_duplicate_total").await >= Some((published + 20_000) as f64 - 1.0)
    })
    .await;
    settle_and_check("duplicate, reordered and late deliveries", &db, &env, published, Instant::now(), &memory).await;
    assert!(daemon.terminate().await.success());
}
