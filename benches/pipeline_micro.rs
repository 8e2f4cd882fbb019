//! Micro benchmarks of the pure stages: decode, validate (decode included) and rollup deltas,
//! reported by criterion in readings per second (`cargo bench --bench pipeline_micro`).

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wasteflow::calendar::{SignedDuration, Timestamp};
use wasteflow::rollup::Deltas;
use wasteflow::simulate::FrameGenerator;
use wasteflow::validate::{check_message, Limits};
use wasteflow::wire::TopicLayout;
use wasteflow::zone::Zone;

fn setup(per_frame: usize) -> (Zone, TopicLayout, Vec<(String, Bytes)>, Timestamp) {
    let zone = Zone::load(concat!(env!("CARGO_MANIFEST_DIR"), "/config/zone.toml")).unwrap().numbered();
    let layout = TopicLayout::parse("zone/+/+/up").unwrap();
    let now = 1_800_000_000_000i64;
    let mut g = FrameGenerator::new(
        &zone,
        &layout,
        1,
        wasteflow::calendar::Timestamp::from_millis(now - 3_600_000),
        per_frame,
        0.0,
        0.0,
    );
    let msgs = (0..200).map(|_| g.next_message()).map(|m| (m.topic, Bytes::from(m.payload))).collect();
    (zone, layout, msgs, Timestamp::from_millis(now))
}

fn bench(c: &mut Criterion) {
    let limits = Limits {
        max_payload_bytes: 65536,
        max_past: SignedDuration::from_millis(30 * 86_400_000),
        max_future: SignedDuration::from_millis(300_000),
    };
    for per_frame in [50usize, 1] {
        let (zone, layout, msgs, now) = setup(per_frame);
        let readings = (msgs.len() * per_frame) as u64;
        let mut group = c.benchmark_group(format!("{per_frame}_per_frame"));
        group.throughput(Throughput::Elements(readings));
        group.bench_function("decode", |b| {
            b.iter(|| {
                msgs.iter()
                    .map(|(_, p)| wasteflow::wire::decode(p).map(|f| f.readings.len()).unwrap_or(0))
                    .sum::<usize>()
            })
        });
        group.bench_function("validate", |b| {
            b.iter(|| {
                msgs.iter()
                    .map(|(t, p)| check_message(t, p, now, &layout, &zone, &limits).readings.len())
                    .sum::<usize>()
            })
        });
        let valid: Vec<_> =
            msgs.iter().flat_map(|(t, p)| check_message(t, p, now, &layout, &zone, &limits).readings).collect();
        assert_eq!(valid.len() as u64, readings);
        group.bench_function("rollup_deltas", |b| b.iter(|| Deltas::of(&valid).flows.len()));
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
