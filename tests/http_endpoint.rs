//! The HTTP endpoint of the running daemon: only GET and HEAD, a bounded number of connections
//! at once, and no busy loop when the process runs out of file descriptors.

mod common;
use common::*;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends `request` on a new connection; the whole answer (empty if closed or reset first).
async fn exchange(port: u16, request: &str) -> String {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)).await else { return String::new() };
    if s.write_all(request.as_bytes()).await.is_err() {
        return String::new();
    }
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

fn status(answer: &str) -> u16 {
    answer.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_get_and_head_are_served() {
    let db = TestDb::new().await;
    let daemon = Daemon::start(&Env::new(&db)).await;
    let port = daemon.env.metrics_port;
    for method in ["POST", "PUT", "DELETE", "OPTIONS"] {
        let answer =
            exchange(port, &format!("{method} /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")).await;
        assert_eq!(status(&answer), 405, "{method}: {answer}");
        assert!(answer.contains("\r\nAllow: GET, HEAD\r\n"), "{method}: {answer}");
    }
    let head = exchange(port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(status(&head), 200, "{head}");
    let (headers, body) = head.split_once("\r\n\r\n").expect("a complete head");
    assert!(body.is_empty(), "HEAD has no body: {body:?}");
    assert!(!headers.contains("Content-Length: 0"), "HEAD announces the GET body's length: {headers}");
    assert_eq!(status(&exchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await), 200);
    assert!(daemon.terminate().await.success());
}

/// Every counter is on /metrics at 0 from the start, with its bounded labels, before anything
/// arrived: `rate()` and dashboards see the first increment instead of a series appearing at 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_start_at_zero() {
    let db = TestDb::new().await;
    let daemon = Daemon::start(&Env::new(&db)).await;
    let text = daemon.metrics_text().await.expect("/metrics answers");
    for series in [
        "wasteflow_readings_stored_total 0",
        "wasteflow_messages_received_total{qos=\"1\"} 0",
        "wasteflow_readings_rejected_total{reason=\"bad_topic\"} 0",
        "wasteflow_deliveries_total{outcome=\"dead_lettered\"} 0",
        "wasteflow_batch_failures_total{kind=\"refused\"} 0",
        "wasteflow_events_opened_total{kind=\"overflow\"} 0",
    ] {
        assert!(text.lines().any(|l| l == series), "{series} missing from:\n{text}");
    }
    assert!(daemon.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_capped_and_released_when_closed() {
    let db = TestDb::new().await;
    let daemon = Daemon::start(&Env::new(&db)).await;
    let port = daemon.env.metrics_port;
    // 100 connections that send nothing: the first 64 each hold a slot (for up to 5 s, the
    // request timeout), the 36 others are told 503 and closed.
    let mut idle = Vec::new();
    for _ in 0..100 {
        idle.push(TcpStream::connect(("127.0.0.1", port)).await.expect("connect"));
    }
    let mut busy = 0;
    for s in &mut idle {
        let mut buf = [0u8; 64];
        if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(20), s.read(&mut buf)).await {
            busy += usize::from(n > 0 && buf[..n].starts_with(b"HTTP/1.1 503"));
        }
    }
    assert_eq!(busy, 36, "connections beyond 64 are answered 503");
    // The cap holds for a scrape too, while the idle connections are open.
    let scrape = exchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_ne!(status(&scrape), 200, "a 101st connection is not served: {scrape}");

    // Closed, they free their slots at once (well before the 5 s request timeout).
    drop(idle);
    let closed = Instant::now();
    wait_until(Duration::from_secs(3), "/metrics answering again", || async {
        status(&exchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await) == 200
    })
    .await;
    println!("/metrics answered {:?} after the idle connections closed", closed.elapsed());
    assert!(daemon.terminate().await.success());
}

/// CPU time (user + system) of a process, in clock ticks (/proc/<pid>/stat fields 14 and 15).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

fn open_descriptors(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap().count()
}

fn set_soft_nofile(pid: u32, limit: usize) {
    let out = std::process::Command::new("prlimit")
        .args(["--pid", &pid.to_string(), &format!("--nofile={limit}:")])
        .output()
        .expect("prlimit (util-linux) is required for this test");
    assert!(out.status.success(), "prlimit: {}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_descriptors_the_listener_backs_off_instead_of_spinning() {
    let db = TestDb::new().await;
    let daemon = Daemon::start(&Env::new(&db)).await;
    let (pid, port) = (daemon.child.id(), daemon.env.metrics_port);
    // Room for 5 more descriptors: 5 idle connections take them, the next ones wait in the
    // listen backlog and every accept fails with EMFILE.
    set_soft_nofile(pid, open_descriptors(pid) + 5);
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(TcpStream::connect(("127.0.0.1", port)).await.expect("connect"));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (before, started) = (cpu_ticks(pid), Instant::now());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let ticks = cpu_ticks(pid) - before;
    let elapsed = started.elapsed();
    println!("{ticks} ticks of CPU in {elapsed:?} with every accept failing");
    // A retry every 100 ms costs next to nothing; a retry loop without pause burns a core (about
    // 100 ticks a second).
    assert!(ticks < 40, "{ticks} ticks of CPU in {elapsed:?}: the accept loop spins");

    // Descriptors back: the listener serves again (limit raised first, so the burst ends once).
    set_soft_nofile(pid, 20_000);
    drop(idle);
    wait_until(Duration::from_secs(10), "/metrics answering again", || async {
        status(&exchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await) == 200
    })
    .await;
    let log = daemon.log_text();
    assert_eq!(log.matches("cannot accept connections").count(), 1, "logged once per burst:\n{log}");
    assert!(daemon.terminate().await.success());
}
