//! What every fault scenario measures and checks at its end: readings published, stored,
//! duplicates (a reading counted twice in the rollups), lost, recovery time, peak memory.

use super::{verify, Env, TestDb};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `WASTEFLOW_FAULTS_FULL=1`: the full suite (10 repetitions, a 60 s outage, a 30 s stall);
/// otherwise the shorter one `.ci/run` runs.
pub fn full() -> bool {
    std::env::var("WASTEFLOW_FAULTS_FULL").is_ok_and(|v| v == "1")
}

/// Repetitions of a repeated fault.
pub fn repetitions() -> usize {
    if full() {
        10
    } else {
        3
    }
}

/// Samples a process's resident memory every 100 ms and keeps the peak. The process is named
/// by a shared pid, so a restarted daemon keeps being watched.
pub struct MemoryWatch {
    pub pid: Arc<AtomicU64>,
    peak_kib: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

pub fn rss_kib(pid: u64) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()
}

impl MemoryWatch {
    pub fn start(pid: u32) -> MemoryWatch {
        let pid = Arc::new(AtomicU64::new(u64::from(pid)));
        let peak_kib = Arc::new(AtomicU64::new(0));
        let (p, k) = (pid.clone(), peak_kib.clone());
        let task = tokio::spawn(async move {
            loop {
                if let Some(kib) = rss_kib(p.load(Ordering::Relaxed)) {
                    k.fetch_max(kib, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        MemoryWatch { pid, peak_kib, task }
    }

    pub fn follow(&self, pid: u32) {
        self.pid.store(u64::from(pid), Ordering::Relaxed);
    }

    pub fn peak_mib(&self) -> f64 {
        self.peak_kib.load(Ordering::Relaxed) as f64 / 1024.0
    }
}

impl Drop for MemoryWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Memory bound every scenario checks (the daemon runs at 25-60 MiB at full speed).
pub const MEMORY_BOUND_MIB: f64 = 128.0;

pub struct Row {
    pub scenario: String,
    pub published: i64,
    pub stored: i64,
    pub duplicates: i64,
    pub lost: i64,
    pub recovery_s: f64,
    pub peak_mib: f64,
}

/// Waits until `published` readings are stored (timing the recovery from `since`), then
/// checks the invariants: no loss, no reading counted twice, `wasteflow verify` clean, memory
/// within the bound. Writes the scenario's row for `docs/reliability.md`.
pub async fn settle_and_check(
    scenario: &str,
    db: &TestDb,
    env: &Env,
    published: i64,
    since: Instant,
    memory: &MemoryWatch,
) -> Row {
    let deadline = Instant::now() + Duration::from_secs(180);
    while Instant::now() < deadline && db.count("SELECT count(*) FROM readings").await < published {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovery_s = since.elapsed().as_secs_f64();
    // Give a late duplicate a moment to show up, if the daemon were to store one.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stored = db.count("SELECT count(*) FROM readings").await;
    // The readings table cannot hold a key twice; a reading counted twice would show in the
    // rollups: every fill level, weighing and emptying must be counted exactly once.
    let counted = db
        .count(
            "SELECT (SELECT coalesce(sum(weighings), 0) FROM flow_rollup_1m)::int8
                  + (SELECT coalesce(sum(fill_count) + sum(emptied), 0) FROM container_rollup_1m)::int8",
        )
        .await;
    let countable = db.count("SELECT count(*) FROM readings WHERE kind IN (0, 1, 2)").await;
    let row = Row {
        scenario: scenario.to_string(),
        published,
        stored,
        duplicates: counted - countable + (stored - published).max(0),
        lost: (published - stored).max(0),
        recovery_s,
        peak_mib: memory.peak_mib(),
    };
    write_row(&row);
    assert_eq!(row.lost, 0, "{scenario}: {} of {published} readings lost", row.lost);
    assert_eq!(row.duplicates, 0, "{scenario}: {} readings counted twice", row.duplicates);
    let (ok, out) = verify(env);
    assert!(ok, "{scenario}: verify failed:\n{out}");
    assert!(
        row.peak_mib < MEMORY_BOUND_MIB,
        "{scenario}: the daemon's memory reached {:.1} MiB (bound {MEMORY_BOUND_MIB} MiB)",
        row.peak_mib
    );
    row
}

/// One line of the table in `docs/reliability.md`, kept under `target/reliability/`;
/// `.ci/reliability-table.sh` assembles them.
fn write_row(r: &Row) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/target/reliability");
    std::fs::create_dir_all(dir).unwrap();
    let line = format!(
        "| {} | {} | {} | {} | {} | {:.1} | {:.1} |\n",
        r.scenario, r.published, r.stored, r.duplicates, r.lost, r.recovery_s, r.peak_mib
    );
    print!("reliability row: {line}");
    let name: String = r.scenario.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    std::fs::write(format!("{dir}/{name}.row"), line).unwrap();
}
