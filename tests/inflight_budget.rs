//! The in-flight byte budget (`mqtt.max_inflight_bytes`) holds the daemon's memory with the
//! largest frames: the database stalls while frames of exactly `mqtt.max_payload_bytes` (the
//! largest frame the daemon decodes, docs/wire-format.md) are published, the broker delivers
//! them all (far fewer than the receive maximum), and the daemon's resident memory, sampled
//! every 20 ms and read as its high-water mark (`VmHWM`), must stay under its own baseline
//! plus the budget plus a stated allowance. Then the database comes back and every reading is
//! stored exactly once.
//!
//! The control (`without_a_budget_the_same_test_fails`) runs the same scenario with a budget
//! of 4 GiB and expects the bound to be broken: the check can fail.

mod common;
use common::faults::rss_kib;
use common::proxy::{Mode, Proxy};
use common::*;
use std::time::{Duration, Instant};
use wasteflow::wire::{encode, Frame, Measurement, Reading};

/// `mqtt.max_payload_bytes` by default: the largest frame the daemon decodes.
const FRAME_BYTES: usize = 65_536;

/// The budget under test: 8 MiB, half the default, so that the frames published are several
/// times the budget without making the test long.
const BUDGET: usize = 8 * 1024 * 1024;

/// Frames published while the database stalls: 30 MiB of payloads, almost four budgets.
const FRAMES: u32 = 480;

/// What the daemon holds besides the payloads the budget counts while messages wait: up to
/// four batches of decoded readings (the one being filled, one waiting, one per writer; a batch
/// closes past `batch.max_readings`, 10,000: two of these frames, 17,000 readings of 88
/// bytes), the two writers' encoded statements (1.3 MB each), rumqttc's read buffer and its
/// read-ahead of up to ten packets, and the allocator's slack. Measured: 6 to 8 MiB.
const WAITING_ALLOWANCE_MIB: f64 = 12.0;

/// The same once the database is back and the backlog drains at full speed: every stage busy
/// at once with batches of the largest frames (statements, rollup deltas, live inbox rows, the
/// live fold's frames, up to `live::fold::INBOX_BYTES` encoded), and the allocator's slack
/// across threads. Measured: 25 to 30 MiB (debug build).
const RUNNING_ALLOWANCE_MIB: f64 = 40.0;

/// A frame of exactly `FRAME_BYTES`: fill levels, temperatures and battery levels of the
/// gateway's three sensors, every reading a key of its own (sensor, kind, time). Readings
/// take 7 bytes (an offset below 128 ms) or 8; enough of each make the size exact.
fn max_frame(seq: u32, base_time_ms: u64) -> Vec<u8> {
    let kinds = [Measurement::FillLevel(40.0), Measurement::TemperatureC(18.5), Measurement::BatteryPercent(90.0)];
    // (sensor, kind) pairs: 9 of them, each with offsets of its own.
    let pair = |i: usize| (1 + (i % 3) as u16, kinds[(i / 3) % 3]);
    for short in 0..=9 * 128 {
        let mut readings = Vec::new();
        for i in 0..short {
            let (sensor, value) = pair(i);
            readings.push(Reading { sensor, offset_ms: (i / 9) as u32, value });
        }
        let header = encode(&Frame { seq, base_time_ms, readings: readings.clone() }).len();
        // Each 8-byte reading adds 8 (the count stays a 2-byte varint).
        let rest = FRAME_BYTES.saturating_sub(header + if readings.len() < 128 { 1 } else { 0 });
        if !rest.is_multiple_of(8) {
            continue;
        }
        for j in 0..rest / 8 {
            let (sensor, value) = pair(j);
            readings.push(Reading { sensor, offset_ms: 128 + (j / 9) as u32, value });
        }
        let bytes = encode(&Frame { seq, base_time_ms, readings });
        if bytes.len() == FRAME_BYTES {
            return bytes;
        }
    }
    panic!("no mix of 7- and 8-byte readings makes a frame of {FRAME_BYTES} bytes");
}

/// The daemon's high-water mark of resident memory, KiB.
fn hwm_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// What one run measured.
struct Held {
    baseline_mib: f64,
    /// Peak while the database stalled (the messages waiting).
    stalled_mib: f64,
    /// Peak over the whole run, the drain at full speed after the stall included.
    peak_mib: f64,
    inflight_peak: f64,
    /// Connections to the broker lost during the run.
    reconnects: f64,
}

impl Held {
    /// The bounds the budget promises, with `BUDGET`.
    fn stalled_bound(&self) -> f64 {
        self.baseline_mib + BUDGET as f64 / 1048576.0 + WAITING_ALLOWANCE_MIB
    }

    fn run_bound(&self) -> f64 {
        self.baseline_mib + BUDGET as f64 / 1048576.0 + RUNNING_ALLOWANCE_MIB
    }
}

/// The scenarios measure memory: one at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A run: the budget, the frames published while the database stalls, how long it stalls
/// after they are published, and the keep-alive.
struct Run {
    budget: usize,
    frames: u32,
    stall: Duration,
    keep_alive: &'static str,
    /// Let the database through and wait for every reading (else the daemon is killed once
    /// the stall is measured).
    drain: bool,
}

const MEASURED: Run =
    Run { budget: BUDGET, frames: FRAMES, stall: Duration::from_secs(6), keep_alive: "30s", drain: true };

/// Publishes `run.frames` maximum frames while the database stalls; returns the memory
/// figures once every reading is stored exactly once.
async fn stalled_with_max_frames(run: Run) -> Held {
    let _alone = ONE_AT_A_TIME.lock().await;
    let Run { budget, frames: n, stall, keep_alive, drain } = run;
    let db = TestDb::new().await;
    let (mut env, _broker) = Env::with_private_broker(&db);
    for (k, v) in [
        ("WASTEFLOW__MQTT__MAX_INFLIGHT_BYTES", budget.to_string()),
        ("WASTEFLOW__MQTT__KEEP_ALIVE", keep_alive.into()),
        ("WASTEFLOW__MQTT__RECONNECT_MIN", "100ms".into()),
        ("WASTEFLOW__MQTT__RECONNECT_MAX", "1s".into()),
        ("WASTEFLOW__DATABASE__STATEMENT_TIMEOUT", "2s".into()),
        ("WASTEFLOW__DATABASE__CONNECT_TIMEOUT", "2s".into()),
        ("WASTEFLOW__DATABASE__RETRY_MAX", "1s".into()),
        ("WASTEFLOW__LOG__LEVEL", "warn".into()),
    ] {
        env.extra.push((k.into(), v));
    }
    let proxy = Proxy::start(5432).await;
    let mut behind = env.clone();
    behind.db_url = format!("postgres://postgres@127.0.0.1:{}/{}", proxy.port, db.name);
    let daemon = Daemon::start(&behind).await;
    let pid = daemon.child.id();
    // Settled after start (migrations, registry, first live fold): the baseline.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let baseline_kib = hwm_kib(pid);

    // Sampled on a thread of its own, every 20 ms (VmHWM catches what falls between samples).
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(rss_kib(u64::from(pid)).unwrap_or(0));
                std::thread::sleep(Duration::from_millis(20));
            }
            peak
        })
    };

    proxy.set(Mode::Stall);
    let topic = env.topic("metallerie-lievin", "gw-ml-01");
    // One frame a minute, the last 4 hours ago: every reading inside the validation window.
    let start = now_ms() - 12 * 3_600_000;
    let frames: Vec<(String, Vec<u8>)> =
        (0..n).map(|k| (topic.clone(), max_frame(k + 1, start + u64::from(k) * 60_000))).collect();
    let readings: i64 =
        frames.iter().map(|(_, b)| wasteflow::wire::decode(b).map(|f| f.readings.len() as i64).unwrap_or(0)).sum();
    publish_raw_to(env.broker_port, &frames).await;
    drop(frames);
    // The daemon takes what the budget lets it take, then holds the rest back at the broker.
    let mut inflight_peak: f64 = 0.0;
    let until = Instant::now() + stall;
    while Instant::now() < until {
        inflight_peak = inflight_peak.max(daemon.metric("wasteflow_mqtt_inflight_bytes").await.unwrap_or(0.0));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(db.count("SELECT count(*) FROM readings").await, 0, "nothing committed while the database stalls");
    // The high-water mark so far: the most the daemon held while the messages waited.
    let stalled_kib = hwm_kib(pid);
    let mib = |kib: u64| kib as f64 / 1024.0;
    if !drain {
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let peak_mib = mib(sampler.join().unwrap().max(stalled_kib));
        println!(
            "figures: budget {:.0} MiB; {n} frames of {FRAME_BYTES} B published while the database stalled; in flight \
             at most {:.1} MiB; resident memory: baseline {:.1} MiB, {:.1} MiB while the database stalled",
            budget as f64 / 1048576.0,
            inflight_peak / 1048576.0,
            mib(baseline_kib),
            mib(stalled_kib),
        );
        // The daemon is killed when it is dropped; the database with it.
        return Held {
            baseline_mib: mib(baseline_kib),
            stalled_mib: mib(stalled_kib),
            peak_mib,
            inflight_peak,
            reconnects: 0.0,
        };
    }
    proxy.set(Mode::Pass);

    wait_until(Duration::from_secs(300), "every reading stored", || async {
        daemon.metric("wasteflow_readings_stored_total").await.unwrap_or(0.0) as i64 >= readings
    })
    .await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let sampled_kib = sampler.join().unwrap();
    let peak_kib = hwm_kib(pid).max(sampled_kib);

    assert_eq!(db.count("SELECT count(*) FROM readings").await, readings, "every reading stored");
    let fills = db.count("SELECT coalesce(sum(fill_count), 0)::int8 FROM container_rollup_1m").await;
    assert_eq!(fills, db.count("SELECT count(*) FROM readings WHERE kind = 0").await, "fill levels counted once");
    // (A statement the daemon gave up on during the stall may still reach the database when
    // the proxy lets it through: its readings come again as duplicates, stored once.)
    let (ok, out) = verify(&env);
    assert!(ok, "verify:\n{out}");
    let reconnects = daemon.metric("wasteflow_mqtt_reconnects_total").await.unwrap_or(0.0);
    assert!(daemon.terminate().await.success());

    let held = Held {
        baseline_mib: mib(baseline_kib),
        stalled_mib: mib(stalled_kib),
        peak_mib: mib(peak_kib),
        inflight_peak,
        reconnects,
    };
    println!(
        "figures: budget {:.0} MiB; {n} frames of {FRAME_BYTES} B ({:.1} MiB, {readings} readings) published \
         while the database stalled; in flight at most {:.1} MiB; resident memory: baseline {:.1} MiB, \
         {:.1} MiB while the database stalled (bound {:.1}), {:.1} MiB over the run (bound {:.1}); every reading \
         stored once; {reconnects} reconnects",
        budget as f64 / 1048576.0,
        (n as usize * FRAME_BYTES) as f64 / 1048576.0,
        held.inflight_peak / 1048576.0,
        held.baseline_mib,
        held.stalled_mib,
        held.stalled_bound(),
        held.peak_mib,
        held.run_bound(),
    );
    held
}

#[test]
fn a_frame_of_the_largest_size_is_exact() {
    let bytes = max_frame(1, now_ms());
    assert_eq!(bytes.len(), FRAME_BYTES);
    let f = wasteflow::wire::decode(&bytes).unwrap();
    let keys: std::collections::HashSet<_> =
        f.readings.iter().map(|r| (r.sensor, r.value.kind().number(), r.offset_ms)).collect();
    assert_eq!(keys.len(), f.readings.len(), "every reading a key of its own");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_stays_within_the_budget_with_the_largest_frames() {
    let held = stalled_with_max_frames(MEASURED).await;
    // The budget counts topic and payload bytes and keeps room for one more packet.
    assert!(held.inflight_peak <= BUDGET as f64, "in flight {} > budget {BUDGET}", held.inflight_peak);
    assert!(held.inflight_peak > BUDGET as f64 / 2.0, "the budget was reached: {}", held.inflight_peak);
    assert!(
        held.stalled_mib <= held.stalled_bound(),
        "while the database stalled, resident memory reached {:.1} MiB, above baseline {:.1} + budget {} + \
         {WAITING_ALLOWANCE_MIB} MiB",
        held.stalled_mib,
        held.baseline_mib,
        BUDGET / 1048576
    );
    assert!(
        held.peak_mib <= held.run_bound(),
        "resident memory reached {:.1} MiB, above baseline {:.1} + budget {} + {RUNNING_ALLOWANCE_MIB} MiB",
        held.peak_mib,
        held.baseline_mib,
        BUDGET / 1048576
    );
}

/// The control: with a budget of 4 GiB the daemon takes every frame the broker sends, and the
/// same bound is broken. Shows the check above can fail. (Killed once measured: draining
/// proves nothing more here.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_budget_the_same_test_fails() {
    let held = stalled_with_max_frames(Run { budget: 4 << 30, drain: false, ..MEASURED }).await;
    assert!(
        held.inflight_peak > 3.0 * BUDGET as f64,
        "without a budget the daemon takes every frame: {}",
        held.inflight_peak
    );
    assert!(
        held.stalled_mib > held.stalled_bound(),
        "without a budget, resident memory {:.1} MiB should break the bound {:.1} MiB",
        held.stalled_mib,
        held.stalled_bound()
    );
}

/// The budget full for longer than the broker waits for a keep-alive (1.5 x 5 s): rumqttc
/// writes no ping while the source holds it back, the broker closes the connection, and the
/// daemon reconnects once commits free room. What was in flight is delivered again and
/// stored once; nothing is lost and nothing waits for ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_budget_longer_than_the_keep_alive_reconnects_and_loses_nothing() {
    let held =
        stalled_with_max_frames(Run { frames: 160, stall: Duration::from_secs(12), keep_alive: "5s", ..MEASURED })
            .await;
    assert!(held.reconnects >= 1.0, "the broker closed the silent connection: {} reconnects", held.reconnects);
    assert!(held.stalled_mib <= held.stalled_bound(), "{:.1} MiB > {:.1}", held.stalled_mib, held.stalled_bound());
}
