//! Any bytes on any topic: decode and validation never panic, never allocate without bound,
//! and account for every reading (stored or rejected) of a frame that decodes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use wasteflow::calendar::{SignedDuration, Timestamp};
use wasteflow::wire::TopicLayout;
use wasteflow::validate::{check_message, Limits};
use wasteflow::zone::Zone;

fn setup() -> &'static (Zone, TopicLayout) {
    static S: OnceLock<(Zone, TopicLayout)> = OnceLock::new();
    S.get_or_init(|| {
        let zone = Zone::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../config/zone.toml")).expect("zone").numbered();
        (zone, TopicLayout::parse("zone/+/+/up").unwrap())
    })
}

const GATEWAYS: [&str; 4] = ["gw-ml-01", "gw-ba-01", "gw-ghost", ""];
const COMPANIES: [&str; 3] = ["metallerie-lievin", "beton-artois", "X"];

fuzz_target!(|data: &[u8]| {
    let (zone, layout) = setup();
    // The first byte picks a topic (known, unknown, mismatched, malformed), the rest is the payload.
    let (pick, payload) = match data.split_first() {
        Some((p, rest)) => (*p as usize, rest),
        None => (0, data),
    };
    let topic = if pick % 7 == 6 {
        String::from_utf8_lossy(payload).into_owned()
    } else {
        layout.topic_for(COMPANIES[pick % 3], GATEWAYS[(pick / 3) % 4])
    };
    let limits = Limits {
        max_payload_bytes: 65536,
        max_past: SignedDuration::from_millis(400 * 86_400_000),
        max_future: SignedDuration::from_millis(300_000),
    };
    let now = Timestamp::from_millis(1_790_000_000_000);
    let payload = bytes::Bytes::copy_from_slice(payload);
    let checked = check_message(&topic, &payload, now, layout, zone, &limits);
    if let Ok(frame) = wasteflow::wire::decode(&payload) {
        let whole = checked.rejects.iter().any(|r| r.reading_index < 0);
        if !whole {
            assert_eq!(checked.readings.len() + checked.rejects.len(), frame.readings.len());
        }
    } else {
        assert!(checked.readings.is_empty());
        assert_eq!(checked.rejects.len(), 1);
    }
});
