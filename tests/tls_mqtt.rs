//! MQTT over TLS with a client certificate, against a Mosquitto TLS listener started here with
//! certificates generated here; and each usual mistake refused with a message that says what
//! to fix (wrong CA, unknown client certificate, no client certificate, expired server
//! certificate, host name not in the certificate).

mod common;
use common::certs::{ca, leaf, Ca};
use common::*;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use wasteflow::wire::{encode, Frame, Measurement, Reading};

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

struct TlsBroker {
    child: Child,
    plain: u16,
    tls: u16,
    expired: u16,
}

impl Drop for TlsBroker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The test's directory goes after the broker (or stays, the test having failed).
    }
}

/// Mosquitto with a plain listener (the test publishes there), a TLS listener requiring a
/// client certificate, and a TLS listener serving an expired certificate.
fn start_broker(dir: &Path, ca: &Ca) -> TlsBroker {
    let ca_pem = write(dir, "ca.pem", &ca.cert.pem());
    let (cert, key) = leaf(ca, "localhost", &["localhost"], false, false);
    let (old_cert, old_key) = leaf(ca, "localhost", &["localhost"], false, true);
    let (cert, key) = (write(dir, "server.pem", &cert), write(dir, "server.key", &key));
    let (old_cert, old_key) = (write(dir, "expired.pem", &old_cert), write(dir, "expired.key", &old_key));
    // A port found free can be taken by another test before Mosquitto binds it: then it exits
    // (or does not hold all three), and it starts again on other ports.
    for attempt in 1..=5 {
        let (plain, tls, expired) = (free_port(), free_port(), free_port());
        let conf = format!(
            "per_listener_settings false\nallow_anonymous true\npersistence false\nuser root\n\
             listener {plain} 127.0.0.1\n\
             listener {tls} 127.0.0.1\ncafile {ca_pem}\ncertfile {cert}\nkeyfile {key}\nrequire_certificate true\nuse_identity_as_username true\n\
             listener {expired} 127.0.0.1\ncafile {ca_pem}\ncertfile {old_cert}\nkeyfile {old_key}\nrequire_certificate true\n"
        );
        let conf_path = write(dir, "mosquitto.conf", &conf);
        let log = std::fs::File::create(dir.join("broker.log")).unwrap();
        let mut child =
            Command::new("mosquitto").args(["-c", &conf_path]).stdout(Stdio::null()).stderr(log).spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let held = listening_ports(child.id());
            if [plain, tls, expired].iter().all(|p| held.contains(p)) {
                return TlsBroker { child, plain, tls, expired };
            }
            let log = || std::fs::read_to_string(dir.join("broker.log")).unwrap_or_default();
            if let Ok(Some(status)) = child.try_wait() {
                assert!(attempt < 5, "TLS mosquitto exited ({status}) five times: {}", log());
                eprintln!("TLS mosquitto exited ({status}); starting it again on other ports: {}", log());
                break;
            }
            assert!(Instant::now() < deadline, "TLS mosquitto did not start: {}", log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    unreachable!("the loop returns or panics")
}

fn tls_env(env: &Env, url: String, ca: &str, client: Option<(&str, &str)>) -> Env {
    let mut e = env.clone();
    e.extra.push(("WASTEFLOW__MQTT__URL".into(), url));
    e.extra.push(("WASTEFLOW__MQTT__CA_FILE".into(), ca.into()));
    if let Some((c, k)) = client {
        e.extra.push(("WASTEFLOW__MQTT__CERT_FILE".into(), c.into()));
        e.extra.push(("WASTEFLOW__MQTT__KEY_FILE".into(), k.into()));
    }
    e
}

/// `check-config --connect`: (exit code, the broker line).
fn check(env: &Env) -> (Option<i32>, String) {
    let out = env.command().args(["check-config", "--connect"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = text.lines().find(|l| l.starts_with("broker:")).unwrap_or_default().to_string();
    (out.status.code(), line)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mqtt_over_tls_with_a_client_certificate_and_each_mistake_explained() {
    let db = TestDb::new().await;
    let dir = Scratch::dir("wf-tls-");
    let zone_ca = ca("zone CA");
    let broker = start_broker(&dir, &zone_ca);
    let ca_pem = dir.join("ca.pem").display().to_string();
    let (cert, key) = leaf(&zone_ca, "wasteflow", &[], true, false);
    let (cert, key) = (write(&dir, "client.pem", &cert), write(&dir, "client.key", &key));
    let rogue = ca("rogue CA");
    let rogue_ca = write(&dir, "rogue-ca.pem", &rogue.cert.pem());
    let (rcert, rkey) = leaf(&rogue, "wasteflow", &[], true, false);
    let (rcert, rkey) = (write(&dir, "rogue.pem", &rcert), write(&dir, "rogue.key", &rkey));

    let mut env = Env::new(&db);
    env.broker_port = broker.plain;
    let url = |host: &str, port: u16, id: &str| format!("mqtts://{host}:{port}?client_id={id}");

    // The daemon over TLS with its certificate: subscribed, and what is published is stored.
    let good = tls_env(&env, url("localhost", broker.tls, &env.client_id), &ca_pem, Some((&cert, &key)));
    let daemon = Daemon::start(&good).await;
    let readings = (0..10).map(|i| Reading { sensor: 1, offset_ms: i * 1000, value: Measurement::FillLevel(20.0) });
    let payload = encode(&Frame { seq: 1, base_time_ms: now_ms() - 60_000, readings: readings.collect() });
    publish_raw_to(broker.plain, &[(env.topic("metallerie-lievin", "gw-ml-01"), payload)]).await;
    wait_until(Duration::from_secs(20), "stored through the TLS connection", || async {
        db.count("SELECT count(*) FROM readings").await == 10
    })
    .await;
    assert!(daemon.terminate().await.success());

    let ok = check(&good);
    assert_eq!(ok.0, Some(0), "{}", ok.1);

    let cases = [
        ("wrong CA", url("localhost", broker.tls, "c1"), rogue_ca.clone(), Some((&rcert, &rkey)), "check mqtt.ca_file"),
        (
            "unknown client certificate",
            url("localhost", broker.tls, "c2"),
            ca_pem.clone(),
            Some((&rcert, &rkey)),
            "refused our client certificate",
        ),
        ("no client certificate", url("localhost", broker.tls, "c3"), ca_pem.clone(), None, "client certificate"),
        (
            "expired server certificate",
            url("localhost", broker.expired, "c4"),
            ca_pem.clone(),
            Some((&cert, &key)),
            "expired",
        ),
        (
            "host name not in the certificate",
            url("127.0.0.1", broker.tls, "c5"),
            ca_pem.clone(),
            Some((&cert, &key)),
            "does not name the host",
        ),
    ];
    for (what, url, ca_file, client, hint) in cases {
        let e = tls_env(&env, url, &ca_file, client.map(|(c, k)| (c.as_str(), k.as_str())));
        let (code, line) = check(&e);
        println!("{what}: {line}");
        assert_eq!(code, Some(69), "{what}: {line}");
        assert!(line.contains(hint), "{what}: expected {hint:?} in {line:?}");
    }
}
