//! Test harness: a private database per test, the real broker, the real binary.
//!
//! Every test gets its own PostgreSQL database and its own topic prefix and client ids, so
//! tests run in parallel. A missing service fails the test loudly.

#![allow(dead_code)]

pub mod broker;
pub mod browser;
pub mod certs;
pub mod cluster;
pub mod faults;
pub mod grafana;
pub mod proxy;
pub mod scaled_zone;
pub mod schema;
pub mod scratch;
pub mod storage;
pub mod v1;

pub use scratch::Scratch;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";
pub const BROKER_HOST: &str = "127.0.0.1";
pub const BROKER_PORT: u16 = 1883;

/// A test's or benchmark's setting from the environment variable `name`, else `default`; a
/// value that does not read is refused with its name.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T
where
    T::Err: std::fmt::Debug,
{
    match std::env::var(name) {
        Ok(v) => v.parse().unwrap_or_else(|e| panic!("{name}={v:?}: {e:?}")),
        Err(_) => default,
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_wasteflow")
}

pub fn zone_file() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml").to_string()
}

pub fn unique(prefix: &str) -> String {
    let n: u64 = rand::random();
    format!("{prefix}{:012x}", n & 0xffff_ffff_ffff)
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
}

/// A database of its own, dropped at the end of the test.
pub struct TestDb {
    pub name: String,
    pub url: String,
    /// The server's port on 127.0.0.1: the machine's (5432) or a private cluster's.
    pub port: u16,
}

pub async fn pg(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {url} is required for this test and is not reachable: {e}"));
    tokio::spawn(conn);
    client
}

impl TestDb {
    pub async fn new() -> TestDb {
        TestDb::on_port(5432).await
    }

    /// A database of its own on the server at `port` on 127.0.0.1 (a [`cluster::Cluster`]'s),
    /// as the superuser `postgres`.
    pub async fn on_port(port: u16) -> TestDb {
        let name = unique("wf_test_");
        let admin = format!("postgres://postgres@127.0.0.1:{port}/postgres");
        pg(&admin).await.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("create test database");
        TestDb { url: format!("postgres://postgres@127.0.0.1:{port}/{name}"), name, port }
    }

    pub async fn client(&self) -> tokio_postgres::Client {
        pg(&self.url).await
    }

    pub async fn count(&self, sql: &str) -> i64 {
        self.client().await.query_one(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}")).get(0)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args(["-q", "-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "postgres", "-d", "postgres", "-c"])
            .arg(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Settings shared by the daemon and the simulator of one test, as environment variables.
#[derive(Clone)]
pub struct Env {
    pub broker_port: u16,
    pub db_url: String,
    pub topic_prefix: String,
    pub client_id: String,
    /// 0 (the default): the daemon binds a port of its own, which [`Daemon::start`] reads back
    /// into the daemon's `env` (a port picked here could be taken before the daemon binds it).
    pub metrics_port: u16,
    pub extra: Vec<(String, String)>,
    /// A configuration file passed with `--config`; its zone file and log level are used
    /// instead of the test defaults.
    pub config_file: Option<String>,
    /// The directory of [`Env::with_own_zone`]: it lives as long as an environment (a daemon's
    /// included) names it.
    own_dir: Option<Arc<Scratch>>,
}

impl Env {
    pub fn new(db: &TestDb) -> Env {
        Env::with_url(&db.url)
    }

    /// An environment on the database at `url` (e.g. a [`storage::StorageTarget`]'s).
    pub fn with_url(url: &str) -> Env {
        Env {
            broker_port: BROKER_PORT,
            db_url: url.to_string(),
            topic_prefix: unique("t"),
            client_id: unique("wf-"),
            metrics_port: 0,
            extra: vec![],
            config_file: None,
            own_dir: None,
        }
    }

    /// An environment on a private broker running the shipped configuration (the machine's
    /// default broker drops a session's queue beyond 1000 messages).
    pub fn with_private_broker(db: &TestDb) -> (Env, broker::PrivateBroker) {
        let broker = broker::PrivateBroker::start();
        let mut env = Env::new(db);
        env.broker_port = broker.port;
        (env, broker)
    }

    /// Gives the daemon a configuration file of its own in a new directory, naming a copy of
    /// the example zone it may edit; returns (zone file path, original zone text).
    /// `config` is appended to the file (e.g. a `[log]` section). The directory is removed
    /// with the last environment naming it, unless the test failed.
    pub fn with_own_zone(&mut self, config: &str) -> (std::path::PathBuf, String) {
        let dir = Arc::new(Scratch::dir("wf-zone-"));
        let zone_path = dir.join("zone.toml");
        let original = std::fs::read_to_string(zone_file()).unwrap();
        std::fs::write(&zone_path, &original).unwrap();
        let config_path = dir.join("wasteflow.toml");
        std::fs::write(&config_path, format!("[zone]\nfile = \"{}\"\n\n{config}", zone_path.display())).unwrap();
        self.config_file = Some(config_path.display().to_string());
        self.own_dir = Some(dir);
        (zone_path, original)
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(bin());
        if let Some(file) = &self.config_file {
            c.arg("--config").arg(file);
        }
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("WASTEFLOW__DATABASE__URL", &self.db_url)
            .env(
                "WASTEFLOW__MQTT__URL",
                format!("mqtt://{BROKER_HOST}:{}?client_id={}", self.broker_port, self.client_id),
            )
            .env("WASTEFLOW__MQTT__TOPIC_FILTER", format!("{}/+/+/up", self.topic_prefix))
            .env("WASTEFLOW__METRICS__LISTEN", format!("127.0.0.1:{}", self.metrics_port));
        if self.config_file.is_none() {
            c.env("WASTEFLOW__ZONE__FILE", zone_file()).env("WASTEFLOW__LOG__LEVEL", "info");
        }
        for (k, v) in &self.extra {
            c.env(k, v);
        }
        c
    }

    /// Instance `i` of a group of daemons on this environment's topics, with a client id of its
    /// own, logging warnings only: on a shared subscription (`$share/wasteflow/...`) when
    /// `shared`, else on the plain filter.
    pub fn group_member(&self, i: usize, shared: bool) -> Env {
        let mut e = self.clone();
        e.client_id = format!("{}-{i}", self.client_id);
        if shared {
            let filter = format!("$share/wasteflow/{}/+/+/up", self.topic_prefix);
            e.extra.push(("WASTEFLOW__MQTT__TOPIC_FILTER".into(), filter));
        }
        e.extra.push(("WASTEFLOW__LOG__LEVEL".into(), "warn".into()));
        e
    }

    pub fn topic(&self, company: &str, gateway: &str) -> String {
        format!("{}/{company}/{gateway}/up", self.topic_prefix)
    }
}

/// A port free now; another process may take it before it is used (see [`listening_ports`]).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The TCP ports process `pid` listens on: its socket inodes looked up in the kernel's TCP
/// tables (`/proc/<pid>/net/tcp{,6}`: local address in column 1, state in column 3 with 0A
/// for LISTEN, inode in column 9).
pub fn listening_ports(pid: u32) -> Vec<u16> {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return vec![];
    };
    let inodes: std::collections::HashSet<String> = fds
        .filter_map(|fd| {
            let link = std::fs::read_link(fd.ok()?.path()).ok()?;
            Some(link.to_str()?.strip_prefix("socket:[")?.strip_suffix(']')?.to_string())
        })
        .collect();
    let mut ports = Vec::new();
    for table in ["tcp", "tcp6"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")).unwrap_or_default();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() > 9 && f[3] == "0A" && inodes.contains(f[9]) {
                if let Some(port) = f[1].rsplit(':').next().and_then(|p| u16::from_str_radix(p, 16).ok()) {
                    ports.push(port);
                }
            }
        }
    }
    ports
}

/// A running daemon; killed if the test ends without stopping it. Its log is removed then,
/// unless the test failed.
pub struct Daemon {
    pub child: Child,
    pub env: Env,
    log: Scratch,
}

impl Daemon {
    /// Sends SIGHUP: reload the configuration.
    pub fn hup(&self) {
        std::process::Command::new("kill").args(["-HUP", &self.child.id().to_string()]).status().unwrap();
    }

    /// Sends SIGUSR1: leave the shared subscription group, then exit.
    pub fn usr1(&self) {
        std::process::Command::new("kill").args(["-USR1", &self.child.id().to_string()]).status().unwrap();
    }

    /// `wasteflow_config_reloads_total{result}` (0 before the first).
    pub async fn reloads(&self, result: &str) -> f64 {
        let text = self.metrics_text().await.unwrap_or_default();
        text.lines()
            .find(|l| l.starts_with("wasteflow_config_reloads_total{") && l.contains(&format!("result=\"{result}\"")))
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
            .unwrap_or(0.0)
    }

    /// Starts `wasteflow run` and waits until it is subscribed. With `env.metrics_port` 0, the
    /// daemon listens on a port the system chooses, read back into `daemon.env.metrics_port`.
    pub async fn start(env: &Env) -> Daemon {
        Daemon::start_until(env, true).await
    }

    /// Starts `wasteflow run` and waits only until its metrics endpoint listens (the daemon
    /// may still be preparing the database, or never subscribe).
    pub async fn spawn(env: &Env) -> Daemon {
        Daemon::start_until(env, false).await
    }

    async fn start_until(env: &Env, subscribed: bool) -> Daemon {
        let log = Scratch::file("wasteflow-", "log");
        let file = std::fs::File::create(&log).unwrap();
        let child = env.command().arg("run").stdout(Stdio::null()).stderr(file).spawn().expect("spawn wasteflow run");
        let mut d = Daemon { child, env: env.clone(), log };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = d.child.try_wait() {
                panic!("daemon exited early ({status}); log:\n{}", d.log_text());
            }
            if d.env.metrics_port == 0 {
                // Its only listener is the metrics endpoint.
                d.env.metrics_port = listening_ports(d.child.id()).first().copied().unwrap_or(0);
            }
            if d.env.metrics_port != 0 && (!subscribed || d.metric("wasteflow_mqtt_subscribed").await == Some(1.0)) {
                return d;
            }
            assert!(Instant::now() < deadline, "daemon not subscribed within 30 s; log:\n{}", d.log_text());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Scrapes /metrics.
    pub async fn metrics_text(&self) -> Option<String> {
        scrape(self.env.metrics_port).await
    }

    /// The sum of every series of a metric (None if unreachable or absent).
    pub async fn metric(&self, name: &str) -> Option<f64> {
        let text = self.metrics_text().await?;
        metric_sum(&text, name)
    }

    /// Sends SIGTERM; returns the exit status and how long the daemon took to exit.
    pub async fn terminate_timed(self) -> (std::process::ExitStatus, Duration) {
        let started = Instant::now();
        let status = self.terminate().await;
        (status, started.elapsed())
    }

    /// Sends SIGTERM and waits for the exit status.
    pub async fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "daemon did not stop within 30 s after SIGTERM; log:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One series of a metric (`name{...label...}`) from a scrape, 0 when absent.
pub fn metric_series(text: &str, name: &str, label: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) && l.contains(label))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// A v1 frame of `(sensor, offset_ms, measurement)` readings, encoded.
pub fn encode_frame(seq: u32, base_time_ms: u64, readings: &[(u16, u32, wasteflow::wire::Measurement)]) -> Vec<u8> {
    use wasteflow::wire::{encode, Frame, Reading};
    let readings = readings.iter().map(|&(sensor, offset_ms, value)| Reading { sensor, offset_ms, value }).collect();
    encode(&Frame { seq, base_time_ms, readings })
}

pub fn metric_sum(text: &str, name: &str) -> Option<f64> {
    let mut found = None;
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        let Some(rest) = line.strip_prefix(name) else {
            continue;
        };
        if !(rest.starts_with(' ') || rest.starts_with('{')) {
            continue;
        }
        if let Some(v) = rest.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()) {
            *found.get_or_insert(0.0) += v;
        }
    }
    found
}

/// `GET path` on the daemon's HTTP listener: (status code, body).
pub async fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).await.ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).await.ok()?;
    let code = out.split_whitespace().nth(1)?.parse().ok()?;
    Some((code, out.split_once("\r\n\r\n")?.1.to_string()))
}

pub async fn scrape(port: u16) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await.ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).await.ok()?;
    Some(out.split_once("\r\n\r\n")?.1.to_string())
}

/// Runs `wasteflow simulate --zone-topics`; its JSON summary, or its error output when it failed (the
/// broker went away under it, say).
pub fn try_simulate(env: &Env, args: &[&str]) -> Result<serde_json::Value, String> {
    let out = env.command().args(["simulate", "--zone-topics"]).args(args).output().expect("run simulate");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().ok_or("no summary")?;
    serde_json::from_str(last).map_err(|e| format!("summary is not JSON ({e}): {last}"))
}

/// Runs `wasteflow simulate` in a thread of its own (the test goes on while it publishes);
/// join the handle for its JSON summary.
pub fn simulate_in_background(env: &Env, args: &[&str]) -> std::thread::JoinHandle<serde_json::Value> {
    let env = env.clone();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    std::thread::spawn(move || simulate(&env, &args.iter().map(String::as_str).collect::<Vec<_>>()))
}

/// Runs `wasteflow simulate` on the environment's topics (`--zone-topics`: the daemon under test
/// subscribes there) and returns its JSON summary.
pub fn simulate(env: &Env, args: &[&str]) -> serde_json::Value {
    let out = env.command().args(["simulate", "--zone-topics"]).args(args).output().expect("run simulate");
    assert!(out.status.success(), "simulate failed: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().expect("simulate printed a summary");
    serde_json::from_str(last).unwrap_or_else(|e| panic!("summary is not JSON ({e}): {last}"))
}

/// Runs `wasteflow verify`; returns (success, output).
pub fn verify(env: &Env) -> (bool, String) {
    let out = env.command().arg("verify").output().expect("run verify");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// Polls `f` until it returns true, panicking with `what` after `timeout`.
pub async fn wait_until<F, Fut>(timeout: Duration, what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    while !f().await {
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Publishes raw payloads with QoS 1 to the machine's broker and waits for its acks.
/// Waits (30 s at most) until every daemon of a shared-subscription group stored readings:
/// each takes its share.
pub async fn wait_each_stored(daemons: &[Daemon]) {
    wait_until(Duration::from_secs(30), "each instance stored readings", || async {
        let mut all = true;
        for d in daemons {
            all &= d.metric("wasteflow_readings_stored_total").await.unwrap_or(0.0) > 0.0;
        }
        all
    })
    .await;
}

pub async fn publish_raw(messages: &[(String, Vec<u8>)]) {
    publish_raw_to(BROKER_PORT, messages).await
}

/// Publishes raw payloads with QoS 1 to the broker on `port` and waits for its acks.
pub async fn publish_raw_to(port: u16, messages: &[(String, Vec<u8>)]) {
    use rumqttc::v5::mqttbytes::v5::Packet;
    use rumqttc::v5::mqttbytes::QoS;
    use rumqttc::v5::{AsyncClient, Event, MqttOptions};
    let mut o = MqttOptions::new(unique("pub-"), BROKER_HOST, port);
    o.set_max_packet_size(Some(1 << 20));
    let (client, mut ev) = AsyncClient::new(o, 100);
    // Publish from a task of its own: the event loop below must run for the requests to drain.
    let (c, owned) = (client.clone(), messages.to_vec());
    let publisher = tokio::spawn(async move {
        for (topic, payload) in owned {
            c.publish(topic, QoS::AtLeastOnce, false, payload).await.unwrap();
        }
    });
    let mut acked = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20 + messages.len() as u64 / 500);
    while acked < messages.len() {
        match tokio::time::timeout_at(deadline, ev.poll()).await {
            Ok(Ok(Event::Incoming(Packet::PubAck(_)))) => acked += 1,
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                panic!("the MQTT broker at {BROKER_HOST}:{BROKER_PORT} is required and failed: {e}")
            }
            Err(_) => panic!("broker did not ack {} messages in time", messages.len()),
        }
    }
    publisher.await.unwrap();
    let _ = client.disconnect().await;
}

/// The smallest bucket bound of histogram `name` that holds every observation: "every
/// observation was at most this" (None if unreachable or absent).
pub fn histogram_bound(text: &str, name: &str) -> Option<f64> {
    let count = metric_sum(text, &format!("{name}_count"))?;
    let prefix = format!("{name}_bucket{{le=\"");
    text.lines()
        .filter_map(|l| {
            let (le, rest) = l.strip_prefix(&prefix)?.split_once('"')?;
            Some((le.parse::<f64>().ok()?, rest.rsplit(' ').next()?.parse::<f64>().ok()?))
        })
        .filter(|&(_, n)| n >= count)
        .map(|(le, _)| le)
        .reduce(f64::min)
}
