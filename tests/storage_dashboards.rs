//! Storage suite: every SQL query of every Grafana dashboard in deploy/grafana/dashboards runs,
//! as the read-only role, against a database filled by the simulator, and returns rows with the
//! columns its panel needs.

mod common;
use common::storage::StorageTarget;
use wasteflow::batch::Batch;
use wasteflow::simulate::FrameGenerator;
use wasteflow::source::{AckToken, Delivery};
use wasteflow::store::prepare;
use wasteflow::validate::{check_message, Limits};
use wasteflow::wire::TopicLayout;
use wasteflow::zone::Zone;

const START_MS: u64 = 1_800_000_000_000;

/// Simulated frames (2% malformed) validated and written as the daemon would.
async fn fill(target: &StorageTarget, zone: &Zone) {
    let layout = TopicLayout::parse("zone/+/+/up").unwrap();
    let limits = Limits { max_payload_bytes: 65536, max_past_ms: i64::MAX / 4, max_future_ms: i64::MAX / 4 };
    let mut g = FrameGenerator::new(zone, &layout, 21, START_MS, 40, 0.0, 0.02);
    let mut writer = target.writer();
    for _ in 0..6 {
        let mut batch = Batch::default();
        for pkid in 0..100 {
            let m = g.next_message();
            let payload = bytes::Bytes::from(m.payload);
            let c = check_message(&m.topic, &payload, START_MS as i64, &layout, zone, &limits);
            let ack = AckToken { generation: 0, pkid, qos: rumqttc::v5::mqttbytes::QoS::AtLeastOnce };
            batch.push_checked(
                Delivery { topic: m.topic, payload, received_ms: START_MS as i64, retain: false, ack },
                c,
            );
        }
        writer.write(&batch).await.expect("write simulated batch");
    }
    writer.close().await;
}

/// Grafana's macros, for a fixed time range.
fn substitute(sql: &str, from: &str, to: &str, company: &str) -> String {
    let mut out = sql
        .replace("$__timeFrom()", &format!("'{from}'::timestamptz"))
        .replace("$__timeTo()", &format!("'{to}'::timestamptz"));
    while let Some(i) = out.find("$__timeFilter(") {
        let end = i + out[i..].find(')').expect("closing parenthesis");
        let col = &out[i + "$__timeFilter(".len()..end];
        let filter = format!("{col} BETWEEN '{from}'::timestamptz AND '{to}'::timestamptz");
        out.replace_range(i..=end, &filter);
    }
    out.replace("$company", company)
}

fn panels(v: &serde_json::Value) -> Vec<&serde_json::Value> {
    let mut out = Vec::new();
    for p in v["panels"].as_array().into_iter().flatten() {
        out.push(p);
        out.extend(p["panels"].as_array().into_iter().flatten());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_query_returns_the_columns_its_panel_needs() {
    let target = StorageTarget::new().await;
    let zone = Zone::load(&common::zone_file()).unwrap();
    let prepared = prepare(&target.settings, &zone, true).await.expect("prepare");
    let zone = zone.with_ids(prepared.ids);
    fill(&target, &zone).await;
    let db = target.connect().await;
    // The live state the live stage would fold (collections_due reads it): every container at
    // 60 %, filling 1 point an hour, read now.
    db.client
        .batch_execute(
            "INSERT INTO container_live (container_id, company_id, state, fill_pct, fill_rate_per_hour, seconds_to_full, last_reading_at)
             SELECT id, company_id, '{}', 60, 1, (overflow_threshold_pct - 60) * 3600, now() FROM containers
             ON CONFLICT (container_id) DO NOTHING",
        )
        .await
        .expect("live state fixture");
    db.client.batch_execute("SET ROLE wasteflow_grafana").await.expect("the read-only role exists");

    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/grafana/dashboards");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let dash: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for p in panels(&dash) {
            for t in p["targets"].as_array().into_iter().flatten() {
                let Some(raw) = t["rawSql"].as_str() else { continue };
                let title = format!("{}: {}", path.file_name().unwrap().to_string_lossy(), p["title"]);
                // The dashboards' time zone is the zone's (Europe/Paris): Grafana's "January"
                // runs from local midnight to local midnight.
                let (from, to) = ("2027-01-01T00:00:00+01:00", "2027-02-01T00:00:00+01:00");
                let sql = substitute(raw, from, to, "metallerie-lievin");
                let rows = db.client.query(&sql, &[]).await.unwrap_or_else(|e| panic!("{title}: {e}\n{sql}"));
                assert!(!rows.is_empty(), "{title}: no rows\n{sql}");
                let cols: Vec<(&str, String)> =
                    rows[0].columns().iter().map(|c| (c.name(), c.type_().name().to_string())).collect();
                let numeric = |t: &str| matches!(t, "float8" | "float4" | "numeric" | "int8" | "int4" | "int2");
                match p["type"].as_str().unwrap_or("") {
                    "timeseries" => {
                        assert_eq!(cols[0], ("time", "timestamptz".into()), "{title}: first column is the time");
                        assert!(cols[1..].iter().any(|(_, t)| numeric(t)), "{title}: a numeric series: {cols:?}");
                    }
                    "stat" => assert!(cols.iter().all(|(_, t)| numeric(t)), "{title}: numeric values: {cols:?}"),
                    "netsage-sankey-panel" => {
                        let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
                        assert_eq!(names, ["source", "target", "value"], "{title}");
                        assert!(numeric(&cols[2].1), "{title}: numeric value");
                    }
                    "table" => assert!(!cols.is_empty(), "{title}"),
                    other => panic!("{title}: panel type {other} has no column check"),
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 16, "only {checked} SQL queries found");
    // Every dashboard shows the zone's calendar.
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let dash: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(dash["timezone"], "Europe/Paris", "{}", path.display());
    }
    db.client.batch_execute("RESET ROLE").await.unwrap();
    db.close().await;
}
