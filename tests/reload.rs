//! SIGHUP reloads the configuration mid-stream: a gateway added to the registry is accepted
//! from then on, the log level changes, an invalid configuration is refused and the running one
//! kept, and no reading of the stream is lost or stored twice.

mod common;
use common::*;
use std::time::Duration;
use wasteflow::wire::{encode, Frame, Measurement, Reading};

const NEW_GATEWAY: &str = "
[[gateways]]
id = \"gw-ml-02\"
company = \"metallerie-lievin\"
site = \"ml-lievin\"
sensors = [ { number = 1, container = \"ml-scrap-1\" } ]
";

fn frame(seq: u32, base_time_ms: u64) -> Vec<u8> {
    let readings = (0..5)
        .map(|i| Reading { sensor: 1, offset_ms: i * 1000, value: Measurement::FillLevel(10.0 + i as f32) })
        .collect();
    encode(&Frame { seq, base_time_ms, readings })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_registry_and_log_level_and_refuses_an_invalid_configuration() {
    let db = TestDb::new().await;
    let mut env = Env::new(&db);
    let (zone_path, original_zone) = env.with_own_zone("[log]\nlevel = \"info\"\n");
    let config_path = env.config_file.clone().unwrap();
    let config = |level: &str| format!("[zone]\nfile = \"{}\"\n\n[log]\nlevel = \"{level}\"\n", zone_path.display());
    let daemon = Daemon::start(&env).await;

    // A stream runs through every reload.
    let start = (now_ms() - 3_600_000).to_string();
    let sim = simulate_in_background(
        &env,
        &["--frames", "3000", "--readings-per-frame", "10", "--rate", "400", "--seed", "8", "--start-ms", &start],
    );
    let topic = env.topic("metallerie-lievin", "gw-ml-02");
    let t0 = now_ms() - 600_000;

    // Unknown before the reload: dead-lettered.
    publish_raw(&[(topic.clone(), frame(1, t0))]).await;
    wait_until(Duration::from_secs(20), "the unknown gateway dead-lettered", || async {
        db.count("SELECT count(*) FROM rejected_messages WHERE reason = 'unknown_gateway'").await == 1
    })
    .await;

    // Registered, and SIGHUP: accepted from then on.
    std::fs::write(&zone_path, format!("{original_zone}\n{NEW_GATEWAY}")).unwrap();
    daemon.hup();
    wait_until(Duration::from_secs(20), "reload applied", || async { daemon.reloads("applied").await == 1.0 }).await;
    publish_raw(&[(topic.clone(), frame(2, t0 + 60_000))]).await;
    wait_until(Duration::from_secs(20), "the new gateway's frame stored", || async {
        db.count("SELECT count(*) FROM readings_attributed WHERE gateway_id = 'gw-ml-02'").await == 5
    })
    .await;
    assert!(daemon.log_text().contains("configuration reloaded"), "logged at info");
    assert_eq!(db.count("SELECT count(*) FROM gateways WHERE id = 'gw-ml-02'").await, 1, "registry synchronised");

    // Log level down to warn: the next reload's info line is no longer written.
    std::fs::write(&config_path, config("warn")).unwrap();
    daemon.hup();
    wait_until(Duration::from_secs(20), "second reload applied", || async { daemon.reloads("applied").await == 2.0 })
        .await;
    assert_eq!(daemon.log_text().matches("configuration reloaded").count(), 1, "info lines are off after the reload");

    // An invalid registry: refused, counted, the running configuration kept.
    std::fs::write(&zone_path, format!("{original_zone}\n{NEW_GATEWAY}\n{NEW_GATEWAY}")).unwrap();
    daemon.hup();
    wait_until(Duration::from_secs(20), "reload refused", || async { daemon.reloads("refused").await == 1.0 }).await;
    assert_eq!(daemon.metric("wasteflow_config_last_reload_successful").await, Some(0.0));
    assert!(daemon.log_text().contains("configuration reload refused"), "the problem is logged");
    publish_raw(&[(topic.clone(), frame(3, t0 + 120_000))]).await;
    wait_until(Duration::from_secs(20), "still accepted under the kept configuration", || async {
        db.count("SELECT count(*) FROM readings_attributed WHERE gateway_id = 'gw-ml-02'").await == 10
    })
    .await;

    // The stream: every reading once.
    let expected = sim.join().unwrap()["readings"].as_i64().unwrap() + 10;
    wait_until(Duration::from_secs(60), "the stream stored", || async {
        db.count("SELECT count(*) FROM readings").await == expected
    })
    .await;
    std::fs::write(&zone_path, format!("{original_zone}\n{NEW_GATEWAY}")).unwrap();
    let (ok, out) = verify(&env);
    assert!(ok, "{out}");
    assert!(daemon.terminate().await.success());
}

/// `systemctl reload` runs `wasteflow reload $MAINPID` (deploy/systemd/wasteflow.service): it
/// succeeds when the daemon applies the new configuration, and fails when the daemon refuses
/// it (here the database refuses the registry sync of a new company, as a constraint would),
/// or, without signalling, when the files do not even pass the offline checks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reload_helper_fails_when_the_daemon_refuses() {
    let db = TestDb::new().await;
    let mut env = Env::new(&db);
    let (zone_path, original_zone) = env.with_own_zone("");
    let config_path = env.config_file.clone().unwrap();
    let daemon = Daemon::start(&env).await;
    let pid = daemon.child.id().to_string();
    let helper = || {
        let out = daemon.env.command().args(["reload", &pid]).output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.code(), text)
    };

    let (code, text) = helper();
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("reloaded: the new configuration is in force"), "{text}");

    // Valid offline, refused by the database: the daemon keeps the running configuration.
    db.client()
        .await
        .batch_execute(
            "CREATE FUNCTION refuse_company() RETURNS trigger LANGUAGE plpgsql AS
               $$ BEGIN RAISE EXCEPTION 'no new company today'; END $$;
             CREATE TRIGGER refuse_company BEFORE INSERT ON companies FOR EACH ROW EXECUTE FUNCTION refuse_company();",
        )
        .await
        .unwrap();
    let late = "\n[[companies]]\nid = \"late-member\"\nsiren = \"000000000\"\nname = \"A late member\"\n";
    std::fs::write(&zone_path, format!("{original_zone}{late}")).unwrap();
    let (code, text) = helper();
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("the daemon refused the new configuration and keeps the running one"), "{text}");
    assert!(daemon.log_text().contains("no new company today"), "the daemon's log says why");
    std::fs::write(&zone_path, &original_zone).unwrap();

    // A time zone the system does not know: refused before any signal, with the closest name.
    let config = std::fs::read_to_string(&config_path).unwrap();
    std::fs::write(&config_path, config.replace("[zone]\n", "[zone]\ntime_zone = \"Europe/Pariss\"\n")).unwrap();
    let (code, text) = helper();
    assert_eq!(code, Some(64), "{text}");
    assert!(text.contains("did you mean \"Europe/Paris\"?"), "{text}");
    std::fs::write(&config_path, &config).unwrap();
    assert_eq!(daemon.reloads("applied").await, 1.0);
    assert_eq!(daemon.reloads("refused").await, 1.0);
    assert!(daemon.terminate().await.success());
}
