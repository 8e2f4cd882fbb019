//! Scale-in: an instance leaves a shared subscription group (SIGUSR1) in the middle of a
//! stream, and nothing waits for it; and what Mosquitto does with a leaving member's queue,
//! which the leave relies on.

mod common;
use common::faults::{settle_and_check, MemoryWatch};
use common::proxy::{Mode, Proxy};
use common::*;
use rumqttc::v5::mqttbytes::v5::{Filter, Packet, Publish};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::{AsyncClient, Event, EventLoop, MqttOptions};
use std::collections::HashSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Whether the broker still keeps a session for `client_id` (connects without Clean Start
/// and with no session expiry, so this look leaves none behind).
async fn session_kept(port: u16, client_id: &str) -> bool {
    let mut o = MqttOptions::new(client_id, BROKER_HOST, port);
    o.set_clean_start(false);
    let (client, mut ev) = AsyncClient::new(o, 10);
    let present = loop {
        match tokio::time::timeout(Duration::from_secs(5), ev.poll()).await {
            Ok(Ok(Event::Incoming(Packet::ConnAck(ack)))) => break ack.session_present,
            Ok(Ok(_)) => {}
            Ok(Err(e)) => panic!("the private broker is required and failed: {e}"),
            Err(_) => panic!("no CONNACK within 5 s"),
        }
    };
    let _ = client.disconnect().await;
    let _ = tokio::time::timeout(Duration::from_secs(1), ev.poll()).await;
    present
}

/// Three instances share a stream; one leaves (SIGUSR1) in the middle of it, while the broker
/// holds a queue for it (a receive maximum of 10, and its database stalled for 2 s just
/// before). Everything is stored once, the instance exits 0 with no session left behind, and
/// frames published after it left are stored by the two others within seconds while it stays
/// stopped. Before the leave existed, SIGUSR1 killed the instance: its share waited in its
/// session for it to come back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_of_three_instances_leaves_mid_stream_and_nothing_waits_for_it() {
    let db = TestDb::new().await;
    let (env, broker) = Env::with_private_broker(&db);
    let mut envs: Vec<Env> = (0..3).map(|i| env.group_member(i, true)).collect();
    let proxy = Proxy::start(5432).await;
    envs[2].db_url = format!("postgres://postgres@127.0.0.1:{}/{}", proxy.port, db.name);
    envs[2].extra.push(("WASTEFLOW__MQTT__RECEIVE_MAXIMUM".into(), "10".into()));
    envs[2].extra.push(("WASTEFLOW__BATCH__MAX_MESSAGES".into(), "10".into()));
    envs[2].extra.push(("WASTEFLOW__LOG__LEVEL".into(), "info".into()));
    let mut daemons = Vec::new();
    for e in &envs {
        daemons.push(Daemon::start(e).await);
    }
    let memory = MemoryWatch::start(daemons[2].child.id());
    let start = now_ms() - 3_600_000;
    let first = start.to_string();
    let sim = simulate_in_background(
        &env,
        &["--frames", "6000", "--readings-per-frame", "10", "--rate", "1000", "--seed", "21", "--start-ms", &first],
    );
    wait_each_stored(&daemons).await;

    // Its share piles up in its session while its database does not answer.
    proxy.set(Mode::Stall);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut leaving = daemons.remove(2);
    let received_before = leaving.metric("wasteflow_messages_received_total").await.unwrap_or(0.0);
    let asked = Instant::now();
    leaving.usr1();
    proxy.set(Mode::Pass);
    let mut received_after = received_before;
    let status = loop {
        if let Some(status) = leaving.child.try_wait().unwrap() {
            break status;
        }
        if let Some(n) = leaving.metric("wasteflow_messages_received_total").await {
            received_after = n;
        }
        assert!(asked.elapsed() < Duration::from_secs(60), "still leaving after 60 s; log:\n{}", leaving.log_text());
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let leave_s = asked.elapsed().as_secs_f64();
    let drained = received_after - received_before;
    println!("instance 2 left in {leave_s:.2} s ({status}), receiving at least {drained} messages after SIGUSR1");

    // Published after the leave, while the departed instance stays stopped.
    let first_round = sim.join().unwrap()["readings"].as_i64().unwrap();
    let second = (start + 1_200_000).to_string();
    let second_round = simulate(
        &env,
        &["--frames", "1200", "--readings-per-frame", "10", "--rate", "1000", "--seed", "22", "--start-ms", &second],
    )["readings"]
        .as_i64()
        .unwrap();
    let published = first_round + second_round;
    let done = Instant::now();
    let stored_soon = async {
        while done.elapsed() < Duration::from_secs(5) {
            if db.count("SELECT count(*) FROM readings").await >= published {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }
    .await;
    let waiting = published - db.count("SELECT count(*) FROM readings").await;
    assert!(
        stored_soon,
        "{waiting} of {published} readings still wait 5 s after publishing (for the departed instance?); its log:\n{}",
        leaving.log_text()
    );
    assert!(status.success(), "the leaving instance exited with {status}; log:\n{}", leaving.log_text());
    assert!(drained >= 100.0, "only {drained} messages were queued for the leaving instance: the leave was not tested");
    assert!(!session_kept(broker.port, &envs[2].client_id).await, "the broker kept the departed instance's session");

    let row =
        settle_and_check("scale-in mid-stream: 1 of 3 instances leaves (SIGUSR1)", &db, &env, published, done, &memory)
            .await;
    println!("leave took {leave_s:.2} s; the rest stored {:.1} s after publishing", row.recovery_s);
    for d in daemons {
        assert!(d.terminate().await.success());
    }
}

/// An instance killed instead of leaving keeps its share waiting in its session;
/// `wasteflow leave` with its configuration (its client id) stores that share, ends the
/// session and exits 0, and from then on the group is the instance that stayed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wasteflow_leave_recovers_the_share_of_a_killed_instance() {
    let db = TestDb::new().await;
    let (env, broker) = Env::with_private_broker(&db);
    let envs: Vec<Env> = (0..2).map(|i| env.group_member(i, true)).collect();
    let staying = Daemon::start(&envs[0]).await;
    let mut killed = Daemon::start(&envs[1]).await;
    killed.child.kill().unwrap();
    killed.child.wait().unwrap();
    let start = (now_ms() - 3_600_000).to_string();
    let published = simulate(
        &env,
        &["--frames", "600", "--readings-per-frame", "10", "--rate", "1000", "--seed", "23", "--start-ms", &start],
    )["readings"]
        .as_i64()
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let waiting = published - db.count("SELECT count(*) FROM readings").await;
    println!("{waiting} of {published} readings wait in the killed instance's session");
    assert!(waiting > 0, "the broker assigned nothing to the killed instance's session");

    let asked = Instant::now();
    let mut leave = envs[1].command().arg("leave").stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let status = loop {
        if let Some(status) = leave.try_wait().unwrap() {
            break status;
        }
        assert!(asked.elapsed() < Duration::from_secs(60), "wasteflow leave still running after 60 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let mut log = String::new();
    std::io::Read::read_to_string(leave.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(status.success(), "wasteflow leave exited with {status}:\n{log}");
    println!("wasteflow leave stored the waiting share and exited 0 in {:.2} s", asked.elapsed().as_secs_f64());
    assert_eq!(db.count("SELECT count(*) FROM readings").await, published, "stored once the leave exited");
    assert!(!session_kept(broker.port, &envs[1].client_id).await, "the broker kept the session");

    // From now on everything goes to the instance that stayed.
    let later = (now_ms() - 1_800_000).to_string();
    let more = simulate(
        &env,
        &["--frames", "300", "--readings-per-frame", "10", "--rate", "1000", "--seed", "24", "--start-ms", &later],
    )["readings"]
        .as_i64()
        .unwrap();
    wait_until(Duration::from_secs(5), "the second round stored by the instance that stayed", || async {
        db.count("SELECT count(*) FROM readings").await == published + more
    })
    .await;
    let (ok, out) = verify(&env);
    assert!(ok, "verify failed:\n{out}");
    assert!(staying.terminate().await.success());
}

/// A persistent-session member of a shared group that acks by hand.
fn member(port: u16, id: &str, receive_maximum: u16) -> (AsyncClient, EventLoop) {
    let mut o = MqttOptions::new(id, BROKER_HOST, port);
    o.set_clean_start(false);
    o.set_session_expiry_interval(Some(300));
    o.set_receive_maximum(Some(receive_maximum));
    o.set_manual_acks(true);
    AsyncClient::new(o, 1000)
}

/// Polls until `want` matches an incoming packet, collecting publishes (acked at once when
/// `ack`). False if `timeout` passed first.
async fn poll_until(
    ev: &mut EventLoop,
    client: &AsyncClient,
    ack: bool,
    got: &mut Vec<Publish>,
    want: impl Fn(&Packet) -> bool,
    timeout: Duration,
) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        match tokio::time::timeout_at(deadline, ev.poll()).await {
            Err(_) => return false,
            Ok(Err(e)) => panic!("the private broker is required and failed: {e}"),
            Ok(Ok(Event::Incoming(p))) => {
                if let Packet::Publish(m) = &p {
                    if ack {
                        client.ack(m).await.unwrap();
                    }
                    got.push(m.clone());
                }
                if want(&p) {
                    return true;
                }
            }
            Ok(Ok(_)) => {}
        }
    }
}

fn payloads(got: &[Publish]) -> Vec<String> {
    got.iter().map(|p| String::from_utf8_lossy(&p.payload).into_owned()).collect()
}

/// The broker behaviour the leave is built on (Mosquitto 2.0): after a member of a shared
/// group unsubscribes, the broker assigns it nothing new, and still delivers what its session
/// already holds, in flight and queued beyond the receive maximum, as the member acks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_delivers_a_sessions_queue_after_unsubscribe() {
    let broker = broker::PrivateBroker::start();
    let topic = unique("q");
    let group = format!("$share/g/{topic}");
    let (a, mut a_ev) = member(broker.port, &unique("a-"), 5);
    let (b, mut b_ev) = member(broker.port, &unique("b-"), 1000);
    let (mut a_got, mut b_got) = (Vec::new(), Vec::new());
    for (c, ev, got) in [(&a, &mut a_ev, &mut a_got), (&b, &mut b_ev, &mut b_got)] {
        c.subscribe_many([Filter::new(group.clone(), QoS::AtLeastOnce)]).await.unwrap();
        assert!(poll_until(ev, c, true, got, |p| matches!(p, Packet::SubAck(_)), Duration::from_secs(5)).await);
    }
    let first: Vec<(String, Vec<u8>)> = (0..200).map(|i| (topic.clone(), i.to_string().into_bytes())).collect();
    publish_raw_to(broker.port, &first).await;
    // A acks nothing yet: 5 in flight, the rest of its share queued in its session. B drains.
    let never = |_: &Packet| false;
    poll_until(&mut a_ev, &a, false, &mut a_got, never, Duration::from_millis(500)).await;
    poll_until(&mut b_ev, &b, true, &mut b_got, never, Duration::from_millis(1500)).await;
    assert_eq!(a_got.len(), 5, "the receive maximum bounds what is in flight to A");
    let queued_for_a = 200 - 5 - b_got.len();
    println!("A: 5 in flight, {queued_for_a} queued; B received {}", b_got.len());

    a.unsubscribe(group.clone()).await.unwrap();
    let unsubscribed = |p: &Packet| matches!(p, Packet::UnsubAck(_));
    assert!(poll_until(&mut a_ev, &a, false, &mut a_got, unsubscribed, Duration::from_secs(5)).await);
    // Published after the UNSUBACK: B's alone.
    let second: Vec<(String, Vec<u8>)> = (200..260).map(|i| (topic.clone(), i.to_string().into_bytes())).collect();
    publish_raw_to(broker.port, &second).await;
    let b_before = b_got.len();
    poll_until(&mut b_ev, &b, true, &mut b_got, never, Duration::from_millis(1500)).await;
    // A acks what it holds; its queue keeps coming, acked as it arrives.
    for p in a_got.clone() {
        a.ack(&p).await.unwrap();
    }
    poll_until(&mut a_ev, &a, true, &mut a_got, never, Duration::from_secs(2)).await;
    let (a_ids, b_ids) = (payloads(&a_got), payloads(&b_got));
    println!(
        "after the UNSUBACK: A received {} in all, B {} of the 60 published after",
        a_ids.len(),
        b_got.len() - b_before
    );
    let all: HashSet<&String> = a_ids.iter().chain(&b_ids).collect();
    assert_eq!(all.len(), 260, "every message reached one member");
    assert_eq!(a_ids.len() + b_ids.len(), 260, "no message reached both");
    assert_eq!(b_got.len() - b_before, 60, "nothing published after the UNSUBACK went to A");
    assert_eq!(a_ids.len(), 5 + queued_for_a, "A's queue was delivered after the UNSUBACK");
}
