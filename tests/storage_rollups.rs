//! Storage suite (PostgreSQL, and TimescaleDB in CI): migrations, registry sync, TimescaleDB
//! policies, and rollups at every level equal to a recompute from the raw readings after
//! shuffled, duplicated and late readings.

mod common;
use common::storage::{batch_of, simulated_readings, StorageTarget};
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use std::sync::Arc;
use std::time::Duration;
use wasteflow::rollup::{Deltas, LEVELS};
use wasteflow::store::{connect, migrate, prepare, verify, Mode, MIGRATIONS};
use wasteflow::wire::ValidReading;
use wasteflow::zone::Zone;

fn zone() -> Zone {
    Zone::load(&common::zone_file()).unwrap()
}

/// Readings as the simulator's gateways would send them, validated against the registry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_registry_and_storage_policies() {
    let mut target = StorageTarget::new().await;
    target.settings.storage.raw_retention = Some(Duration::from_secs(400 * 86_400));
    let zone = zone();
    let p = prepare(&target.settings, &zone, true).await.expect("prepare");
    assert_eq!(p.migrations_applied, MIGRATIONS.iter().map(|m| m.0).collect::<Vec<_>>(), "every migration, in order");
    assert_eq!(p.mode, if target.timescale { Mode::Timescale } else { Mode::Postgres });
    assert_eq!(p.registry.companies, zone.file.companies.len());

    // A second start applies nothing and keeps the registry as it is.
    let again = prepare(&target.settings, &zone, true).await.expect("prepare again");
    assert!(again.migrations_applied.is_empty());
    let db = target.connect().await;
    let count = |sql: &'static str| {
        let c = &db.client;
        async move { c.query_one(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}")).get::<_, i64>(0) }
    };
    assert_eq!(count("SELECT count(*) FROM companies WHERE active").await, 7);
    // R0 to R13, D1 to D15, and D9F (D9 declared final).
    assert_eq!(count("SELECT count(*) FROM treatments").await, 30);
    assert_eq!(count("SELECT count(*) FROM destinations WHERE kind = 'operator'").await, 5);
    // 13, and Logistique A21's pallet skip (an example of docs/kpis.md "Synergy opportunities").
    assert_eq!(count("SELECT count(*) FROM sensors").await, 14);

    // An entry removed from the file stays, inactive.
    let mut smaller = zone.file.clone();
    smaller.gateways.retain(|g| g.id != "gw-cl-01");
    let smaller = Zone::from_file("zone.toml", smaller).unwrap();
    prepare(&target.settings, &smaller, false).await.expect("sync smaller registry");
    assert_eq!(count("SELECT count(*) FROM gateways WHERE NOT active").await, 1);

    if target.timescale {
        let hypertables = count(
            "SELECT count(*) FROM timescaledb_information.hypertables WHERE hypertable_schema = current_schema()",
        )
        .await;
        assert_eq!(hypertables, 7, "readings and six rollup tables are hypertables");
        let compression = count(
            "SELECT count(*) FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression' AND hypertable_schema = current_schema()",
        )
        .await;
        assert_eq!(compression, 7, "a compression policy on every hypertable");
        let retention = count(
            "SELECT count(*) FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention' \
             AND hypertable_schema = current_schema() AND hypertable_name = 'readings'",
        )
        .await;
        assert_eq!(retention, 1, "retention on raw readings when configured");
    } else {
        assert!(p.policies.iter().any(|l| l.contains("needs TimescaleDB")), "{:?}", p.policies);
    }
    db.close().await;
}

/// Instances starting together on a new database: the schema (and, on TimescaleDB, the
/// extension) are created under the migration lock, so no instance fails on the catalogue's
/// unique index ("duplicate key value violates unique constraint pg_namespace_nspname_index")
/// and exactly one applies the migrations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_starting_together_do_not_race_creating_the_schema() {
    let target = StorageTarget::new().await;
    if target.timescale {
        return; // PGlite serves every connection from one backend: nothing runs concurrently.
    }
    for round in 0..5 {
        let mut settings = target.settings.database.clone();
        settings.schema = Some(format!("wf_race_{round}"));
        let mut conns = Vec::new();
        for _ in 0..4 {
            conns.push(connect(&settings).await.expect("connect"));
        }
        let start = Arc::new(tokio::sync::Barrier::new(conns.len()));
        let tasks: Vec<_> = conns
            .into_iter()
            .map(|mut db| {
                let (start, schema) = (start.clone(), settings.schema.clone());
                tokio::spawn(async move {
                    start.wait().await;
                    let r = migrate(&mut db.client, schema.as_deref(), Duration::from_secs(60)).await;
                    db.close().await;
                    r.map(|(_, applied)| applied).map_err(|e| format!("{e:?}"))
                })
            })
            .collect();
        let mut migrated = 0;
        for task in tasks {
            let applied = task.await.unwrap().unwrap_or_else(|e| panic!("round {round}: {e}"));
            migrated += usize::from(!applied.is_empty());
        }
        assert_eq!(migrated, 1, "round {round}: one instance migrates, the others find it done");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollups_equal_recompute_after_shuffled_duplicated_and_late_readings() {
    let target = StorageTarget::new().await;
    let prepared = prepare(&target.settings, &zone(), true).await.expect("prepare");
    let zone = zone().with_ids(prepared.ids);
    // Two days of readings, so every level has several buckets.
    let start = 1_800_000_000_000u64;
    let mut readings = simulated_readings(&zone, 300, 40, 3, start);
    readings.extend(simulated_readings(&zone, 300, 40, 4, start + 86_400_000));
    let unique = readings.clone();

    // Shuffle (late and out-of-order data), then add duplicates: some readings twice, in
    // other batches, and one whole batch sent again.
    let mut rng = rand::rngs::StdRng::seed_from_u64(9);
    readings.shuffle(&mut rng);
    let dups: Vec<ValidReading> = (0..2_000).map(|_| readings[rng.random_range(0..readings.len())].clone()).collect();
    readings.extend(dups);
    readings.shuffle(&mut rng);
    let mut batches: Vec<Vec<ValidReading>> = readings.chunks(1_500).map(|c| c.to_vec()).collect();
    batches.push(batches[3].clone());
    batches.shuffle(&mut rng);

    let mut writer = target.writer();
    let mut stored = 0;
    let mut duplicates = 0;
    for b in batches {
        let outcome = writer.write(&batch_of(b)).await.expect("write batch");
        stored += outcome.stored.len();
        duplicates += outcome.duplicates;
    }
    writer.close().await;
    assert_eq!(stored, unique.len(), "every reading stored once");
    assert_eq!(duplicates, readings.len() + 1_500 - unique.len());

    let db = target.connect().await;
    // The narrow row (docs/storage.md): 24-byte header + 38 bytes of data, no padding, no text
    // column, the primary key the only index over every row (the other, migration 21's, holds
    // loaded weighings only). (Per row: inside an aggregate such as min() a row value of under
    // 127 bytes travels with a 1-byte length header and measures 59.)
    let layout = db
        .client
        .query_one(
            "SELECT (SELECT count(*) FROM (SELECT pg_column_size(r.*) AS w FROM readings r) x WHERE w <> 62),
                    (SELECT count(*) FROM information_schema.columns
                     WHERE table_schema = current_schema() AND table_name = 'readings' AND data_type = 'text'),
                    (SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'readings'
                         AND indexdef NOT LIKE '%WHERE ((kind = 1) AND (value_milli > 0))')",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        (layout.get::<_, i64>(0), layout.get::<_, i64>(1), layout.get::<_, i64>(2)),
        (0, 0, 1),
        "rows not 62 bytes wide, text columns, indexes"
    );
    let mismatches = verify(&db.client, Duration::from_secs(120)).await.expect("verify");
    assert!(mismatches.is_empty(), "{} mismatches, first: {}", mismatches.len(), mismatches[0]);

    // And the database's rollups equal the pure rollup of the unique readings.
    let expected = Deltas::of(&unique);
    for (i, level) in LEVELS.iter().enumerate() {
        let row = db
            .client
            .query_one(
                &format!("SELECT coalesce(sum(mass_g), 0)::bigint, count(*) FROM flow_rollup_{}", level.suffix),
                &[],
            )
            .await
            .unwrap();
        let mass: i64 = expected.flows[i].values().map(|v| v.mass_g).sum();
        assert_eq!(
            (row.get::<_, i64>(0), row.get::<_, i64>(1)),
            (mass, expected.flows[i].len() as i64),
            "level {}",
            level.suffix
        );
        let fills: i64 = db
            .client
            .query_one(&format!("SELECT count(*) FROM container_rollup_{}", level.suffix), &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(fills, expected.fills[i].len() as i64, "level {}", level.suffix);
    }
    db.close().await;
}

/// Disk per reading, printed for docs/performance.md (run with `--nocapture`): on TimescaleDB
/// with every chunk compressed, on PostgreSQL heap and indexes after VACUUM.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disk_per_reading() {
    let target = StorageTarget::new().await;
    let prepared = prepare(&target.settings, &zone(), true).await.expect("prepare");
    let zone = zone().with_ids(prepared.ids);
    let readings = simulated_readings(&zone, 4_000, 50, 5, 1_800_000_000_000);
    let mut writer = target.writer();
    for chunk in readings.chunks(10_000) {
        writer.write(&batch_of(chunk.to_vec())).await.expect("write");
    }
    writer.close().await;
    let db = target.connect().await;
    let n: i64 = db.client.query_one("SELECT count(*) FROM readings", &[]).await.unwrap().get(0);
    assert!(n > 150_000, "{n} readings");
    if target.timescale {
        db.client.batch_execute("SELECT count(compress_chunk(c, true)) FROM show_chunks('readings') c").await.unwrap();
        let row = db
            .client
            .query_one(
                "SELECT before_compression_total_bytes, after_compression_total_bytes
                 FROM hypertable_compression_stats('readings')",
                &[],
            )
            .await
            .unwrap();
        let (before, after): (i64, i64) = (row.get(0), row.get(1));
        println!(
            "TimescaleDB, readings compressed: {:.1} B per reading (uncompressed {:.1} B), {n} readings",
            after as f64 / n as f64,
            before as f64 / n as f64
        );
        assert!(after < before, "compressed {after} B, uncompressed {before} B");
    } else {
        db.client.batch_execute("VACUUM (ANALYZE) readings").await.unwrap();
        let row =
            db.client.query_one("SELECT pg_table_size('readings'), pg_indexes_size('readings')", &[]).await.unwrap();
        let (heap, index): (i64, i64) = (row.get(0), row.get(1));
        let per = |b: i64| b as f64 / n as f64;
        println!("PostgreSQL: {:.1} + {:.1} B per reading (heap + indexes), {n} readings", per(heap), per(index));
        // v1 took 276 B (docs/storage.md); v2 is to take at most half.
        assert!(per(heap + index) < 138.0, "{:.1} B per reading", per(heap + index));
    }
    db.close().await;
}
