//! Scale-out: three daemons share the load through an MQTT shared subscription
//! (`$share/<group>/<filter>`) into one database; one is SIGKILLed mid-stream; the totals are
//! still exact (every reading once, rollups verified).

mod common;
use common::faults::{settle_and_check, MemoryWatch};
use common::*;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_share_the_load_and_one_is_killed() {
    let db = TestDb::new().await;
    let (env, _broker) = Env::with_private_broker(&db);
    let envs: Vec<Env> = (0..3).map(|i| env.group_member(i, true)).collect();
    let mut daemons = Vec::new();
    for e in &envs {
        daemons.push(Daemon::start(e).await);
    }
    let memory = MemoryWatch::start(daemons[0].child.id());
    let start = (now_ms() - 3_600_000).to_string();
    let sim = simulate_in_background(
        &env,
        &["--frames", "6000", "--readings-per-frame", "10", "--rate", "1000", "--seed", "21", "--start-ms", &start],
    );

    // Every instance takes a share.
    wait_each_stored(&daemons).await;
    let mut killed = daemons.remove(2);
    let killed_stored = killed.metric("wasteflow_readings_stored_total").await.unwrap_or(0.0);
    killed.child.kill().unwrap();
    killed.child.wait().unwrap();
    println!("instance 2 SIGKILLed after storing {killed_stored} readings");

    let published = sim.join().unwrap()["readings"].as_i64().unwrap();
    let done = Instant::now();
    // Mosquitto keeps the messages that were in flight to the killed instance in its session
    // until that client comes back (or the session expires): a supervisor restarts it.
    let survivors_alone = async {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if db.count("SELECT count(*) FROM readings").await >= published {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        false
    }
    .await;
    let missing = published - db.count("SELECT count(*) FROM readings").await;
    println!(
        "after publishing: the two survivors alone stored all but {missing} readings (complete: {survivors_alone})"
    );
    let restarted = Daemon::start(&envs[2]).await;
    daemons.push(restarted);
    let row =
        settle_and_check("3 instances, shared subscription, 1 SIGKILLed", &db, &env, published, done, &memory).await;
    println!("recovered in {:.1} s", row.recovery_s);
    let mut shares = Vec::new();
    for d in &daemons {
        shares.push(d.metric("wasteflow_readings_stored_total").await.unwrap_or(0.0));
    }
    println!("stored per running instance at the end: {shares:?}");
    for d in daemons {
        assert!(d.terminate().await.success());
    }
}
