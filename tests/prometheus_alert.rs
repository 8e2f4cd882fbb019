//! A real Prometheus (Debian package) scrapes a running daemon fed by the simulator, with the
//! shipped alert rules, and the overflow alert becomes active.

mod common;
use common::*;
use std::process::{Command, Stdio};
use std::time::Duration;
use wasteflow::wire::{encode, Frame, Measurement, Reading};

struct Prometheus {
    child: std::process::Child,
    port: u16,
    /// Its configuration, data and log, held until it stops: kept if the test fails.
    _dir: Scratch,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Then the directory goes (or stays, the test having failed) with the field.
    }
}

fn start_prometheus(target_port: u16) -> Prometheus {
    let dir = Scratch::dir("prometheus-");
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/prometheus/wasteflow-rules.yml");
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {rules}\n\
         scrape_configs:\n  - job_name: wasteflow\n    static_configs:\n      - targets: ['127.0.0.1:{target_port}']\n"
    );
    std::fs::write(dir.join("prometheus.yml"), config).unwrap();
    let port = free_port();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", dir.join("prometheus.yml").display()))
        .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("prometheus.log")).unwrap())
        .spawn()
        .expect("prometheus must be installed (Debian package prometheus; .ci/run installs it)");
    Prometheus { child, port, _dir: dir }
}

async fn get(port: u16, path: &str) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes()).await.ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).await.ok()?;
    Some(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_fires_the_overflow_alert() {
    let db = TestDb::new().await;
    let (env, _broker) = Env::with_private_broker(&db);
    let daemon = Daemon::start(&env).await;
    let prometheus = start_prometheus(daemon.env.metrics_port);

    let start = (now_ms() - 3_600_000).to_string();
    simulate(&env, &["--frames", "120", "--readings-per-frame", "10", "--seed", "4", "--start-ms", &start]);
    // The cardboard bale store reports 95 % (its overflow threshold is 90 %).
    let frame = encode(&Frame {
        seq: 1,
        base_time_ms: now_ms() - 500,
        readings: vec![Reading { sensor: 1, offset_ms: 0, value: Measurement::FillLevel(95.0) }],
    });
    publish_raw_to(env.broker_port, &[(env.topic("cartonnages-lens", "gw-cl-01"), frame)]).await;

    // The rule has `for: 1m`: pending first, then firing.
    wait_until(Duration::from_secs(150), "WasteflowContainerOverflow firing for cl-cardboard-1", || async {
        let Some(body) = get(prometheus.port, "/api/v1/alerts").await else { return false };
        body.split("\"labels\"").any(|alert| {
            alert.contains("\"alertname\":\"WasteflowContainerOverflow\"")
                && alert.contains("\"container\":\"cl-cardboard-1\"")
                && alert.contains("\"state\":\"firing\"")
        })
    })
    .await;
    let body = get(prometheus.port, "/api/v1/alerts").await.unwrap();
    assert!(!body.contains("\"alertname\":\"WasteflowDatabaseDown\""), "no false database alert: {body}");
    assert!(daemon.terminate().await.success());
}
